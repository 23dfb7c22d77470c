package ddxpubsub_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a goroutine outlives its tests: every
// fake server, connection, client and publisher the tests make starts
// goroutines, and must be closed, and neither Publish's wait on a result
// nor Receive may leave one running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// seelog, pulled in by dd-trace-go, starts a logger goroutine in its init.
		goleak.IgnoreAnyFunction("github.com/cihub/seelog.(*asyncLoopLogger).processQueue"),
		// dd-trace-go's process-wide telemetry client has no stop in its API.
		goleak.IgnoreTopFunction("github.com/DataDog/dd-trace-go/v2/internal/telemetry/internal.NewTicker.func1"),
		// OpenCensus, which the Pub/Sub client records its views with,
		// starts its process-wide worker in its init.
		goleak.IgnoreTopFunction("go.opencensus.io/stats/view.(*worker).start"),
		// The Pub/Sub client's stream keep-alive returns only at its next
		// tick after Subscriber.Receive has returned (seconds later): the
		// client's, not Receive's, which returns after s.Receive.
		goleak.IgnoreTopFunction("cloud.google.com/go/pubsub/v2.(*messageIterator).streamKeepAliveHandler"),
	)
}
