package ddxtest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every Recorder starts the tracer and a test Agent; the end of each test
// must stop them all.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// dd-trace-go's process-wide telemetry client has no stop in its API.
		goleak.IgnoreTopFunction("github.com/DataDog/dd-trace-go/v2/internal/telemetry/internal.NewTicker.func1"),
	)
}
