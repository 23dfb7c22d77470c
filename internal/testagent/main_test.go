package testagent_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a goroutine outlives its tests: Close and
// Down must stop the agent's server and release hanging handlers, and the
// tracer the tests start must stop.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// seelog, pulled in by dd-trace-go, starts a logger goroutine in its init.
		goleak.IgnoreAnyFunction("github.com/cihub/seelog.(*asyncLoopLogger).processQueue"),
	)
}
