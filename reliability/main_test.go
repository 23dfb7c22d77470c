package reliability_test

import (
	"flag"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// soak is how long TestMemoryBoundedDuringAgentOutage keeps the Agent out
// per outage kind. The default keeps `go test ./...` quick; the figures in
// the README come from a run of several minutes:
//
//	go test ./reliability -run Memory -soak 3m -soak-rate 1000 -v
var (
	soak     = flag.Duration("soak", 3*time.Second, "duration of each Agent outage in the memory soak test")
	soakRate = flag.Int("soak-rate", 1000, "requests per second during the memory soak test")
	// rounds is how many times BenchmarkRequestUnderAgentFault runs its
	// sequence of Agent faults.
	rounds = flag.Int("rounds", 1, "rounds of BenchmarkRequestUnderAgentFault's sequence of Agent faults")
)

// TestMain fails the package if any goroutine outlives its tests: the
// tracer, the profiler, the test servers, their connections and the load
// generators must all stop.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The profiler starts dd-trace-go's process-wide telemetry client and
		// nothing in dd-trace-go's API stops it: one goroutine per process.
		goleak.IgnoreTopFunction("github.com/DataDog/dd-trace-go/v2/internal/telemetry/internal.NewTicker.func1"),
		// seelog, pulled in by dd-trace-go, starts a logger goroutine in its init.
		goleak.IgnoreAnyFunction("github.com/cihub/seelog.(*asyncLoopLogger).processQueue"),
		// net/http lingers 500 ms after closing a connection it answered
		// (RST avoidance), longer than goleak waits; it ends by itself.
		goleak.IgnoreAnyFunction("net/http.(*conn).closeWriteAndWait"),
	)
}
