package testagent

import (
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
)

// StartTracer starts dd-trace-go's tracer against a, without telemetry,
// remote configuration or the tracer's own log lines, and stops it when the
// test or benchmark ends. opts come after ddx's and win.
func StartTracer(tb testing.TB, a *Agent, opts ...tracer.StartOption) {
	tb.Helper()
	tb.Setenv("DD_INSTRUMENTATION_TELEMETRY_ENABLED", "false")
	tb.Setenv("DD_REMOTE_CONFIGURATION_ENABLED", "false")
	all := append([]tracer.StartOption{
		tracer.WithAgentAddr(a.Addr()),
		tracer.WithLogStartup(false),
		tracer.WithLogger(quiet{}),
	}, opts...)
	if err := tracer.Start(all...); err != nil {
		tb.Fatalf("testagent: tracer.Start: %v", err)
	}
	tb.Cleanup(tracer.Stop)
}

type quiet struct{}

func (quiet) Log(string) {}

// StartDiscarding starts an Agent that reads and drops every payload (see
// [Agent.SetDiscard]) and the tracer against it: the setup of benchmarks
// that measure the service's side of tracing and nothing of the Agent's.
func StartDiscarding(tb testing.TB, opts ...tracer.StartOption) *Agent {
	tb.Helper()
	a := Start(tb)
	a.SetDiscard(true)
	StartTracer(tb, a, opts...)
	return a
}
