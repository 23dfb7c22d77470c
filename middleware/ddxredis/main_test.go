package ddxredis_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a goroutine outlives its tests: every
// client the tests make starts a pool (and a ring its health checks), and
// must be closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// seelog, pulled in by dd-trace-go, starts a logger goroutine in its init.
		goleak.IgnoreAnyFunction("github.com/cihub/seelog.(*asyncLoopLogger).processQueue"),
		// dd-trace-go's process-wide telemetry client has no stop in its API.
		goleak.IgnoreTopFunction("github.com/DataDog/dd-trace-go/v2/internal/telemetry/internal.NewTicker.func1"),
	)
}
