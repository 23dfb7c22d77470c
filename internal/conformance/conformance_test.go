package conformance_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/ddx-go/ddx/internal/conformance"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// seelog, pulled in by dd-trace-go, starts a logger goroutine in its init.
		goleak.IgnoreAnyFunction("github.com/cihub/seelog.(*asyncLoopLogger).processQueue"),
	)
}

// TestNetHTTP holds middleware.Wrap to the suite: the reference the
// frameworks' integrations are compared with.
func TestNetHTTP(t *testing.T) { conformance.Run(t, conformance.NetHTTP) }
