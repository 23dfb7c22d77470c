package ddx

import (
	"context"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
)

// TestStartWaitsForALingeringStop: a previous Stop that returned at its
// bound leaves dd-trace-go's Stop running, and that Stop stops whatever
// tracer is global when it gets there. Here it is simulated: it stops the
// tracer 100 ms after the next Start began. Start must start its tracer
// only after it, so that the new Runtime's spans all reach the Agent.
func TestStartWaitsForALingeringStop(t *testing.T) {
	t.Setenv("DD_INSTRUMENTATION_TELEMETRY_ENABLED", "false")
	agent := testagent.Start(t)
	lingering := make(chan struct{})
	go func() {
		time.Sleep(100 * time.Millisecond)
		tracer.Stop() // what the previous Runtime's leftover goroutine does
		close(lingering)
	}()
	activeMu.Lock()
	stopping = lingering
	activeMu.Unlock()

	rt := Start(WithAgentURL(agent.URL()), WithLogWriter(&testlog.Buffer{}), WithProfiling(false))
	<-rt.Ready()
	time.Sleep(200 * time.Millisecond) // the lingering Stop has run
	for range 10 {
		span, _ := tracer.StartSpanFromContext(context.Background(), "kept")
		span.Finish()
	}
	rt.Stop()
	spans := agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) >= 10 })
	if len(spans) != 10 {
		t.Errorf("%d of 10 spans reached the Agent", len(spans))
	}
}
