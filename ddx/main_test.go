package ddx

import (
	"testing"

	"go.uber.org/goleak"
)

// Start launches the tracer, the profiler and ddx's own goroutines; Stop
// must end every one of them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The profiler starts dd-trace-go's process-wide telemetry client and
		// nothing in dd-trace-go's API stops it; it is one goroutine per
		// process, not per Start (TestStartStopRepeatedlyDoesNotLeak).
		goleak.IgnoreTopFunction("github.com/DataDog/dd-trace-go/v2/internal/telemetry/internal.NewTicker.func1"),
	)
}
