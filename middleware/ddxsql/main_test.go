package ddxsql_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a goroutine outlives its tests: DB.Close
// must stop the pool metrics and their statsd client, and the drivers'
// connections must be closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// seelog, pulled in by dd-trace-go, starts a logger goroutine in its init.
		goleak.IgnoreAnyFunction("github.com/cihub/seelog.(*asyncLoopLogger).processQueue"),
	)
}
