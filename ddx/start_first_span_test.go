package ddx_test

import (
	"context"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
)

// TestFirstSpansAfterStartAreRecorded: a span started the moment Start
// returns is a real span, not the no-op of a tracer still starting, and
// reaches the Agent; Start stays quick with an Agent that is absent or
// hangs, whose spans are recorded too (and lost only because nobody takes
// them).
func TestFirstSpansAfterStartAreRecorded(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode testagent.Mode
		down bool
	}{
		{"healthy", testagent.Healthy, false},
		{"absent", testagent.Healthy, true},
		{"hangs", testagent.Hang, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			quietEnv(t)
			agent := testagent.Start(t)
			agent.SetMode(tc.mode)
			if tc.down {
				agent.Down()
			}
			logs := &testlog.Buffer{}
			began := time.Now()
			rt := ddx.Start(ddx.WithAgentURL(agent.URL()), ddx.WithLogWriter(logs), ddx.WithProfiling(false),
				ddx.WithStopTimeout(time.Second))
			took := time.Since(began)
			span, _ := tracer.StartSpanFromContext(context.Background(), "first.request")
			id := span.Context().SpanID()
			span.Finish()
			if id == 0 || span.Context().TraceID() == tracer.TraceIDZero {
				t.Errorf("the first span after Start is a no-op (span id %d)", id)
			}
			// Bounded, where plain tracer.Start waits 10 s for an Agent
			// that hangs; how quick it is depends on the machine's load,
			// so the bound is loose and the real check is the line below.
			if took > 2*time.Second {
				t.Errorf("Start took %v", took)
			}
			rt.Stop()
			if tc.mode == testagent.Healthy && !tc.down {
				spans := agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) > 0 })
				if _, ok := testagent.Find(spans, func(s testagent.Span) bool { return s.SpanID == id }); !ok {
					t.Errorf("the first span did not reach the Agent; got %d spans", len(spans))
				}
			}
			if n := len(logs.Objects(t)); n == 0 {
				t.Error("no log lines")
			}
			for _, l := range logs.Objects(t) {
				if l["message"] == "ddx: the tracer is still starting; continuing without waiting for the Datadog Agent" {
					t.Errorf("Start returned before the tracer was up (took %v)", took)
				}
			}
		})
	}
}

// TestStartDoesNotWaitForASlowTracerForever: when tracer.Start takes longer
// than Start waits (a starved machine), Start returns at its bound, says so
// in one INFO line, and Ready closes once the tracer is up; the spans
// started after that are recorded.
func TestStartDoesNotWaitForASlowTracerForever(t *testing.T) {
	quietEnv(t)
	agent := testagent.Start(t)
	logs := &testlog.Buffer{}
	rt := ddx.Start(ddx.WithAgentURL(agent.URL()), ddx.WithLogWriter(logs), ddx.WithProfiling(false),
		ddx.WithStopTimeout(time.Second), ddx.WithStartWait(time.Nanosecond))
	defer rt.Stop()
	select {
	case <-rt.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("Ready did not close")
	}
	span := tracer.StartSpan("after.ready")
	id := span.Context().SpanID()
	span.Finish()
	if id == 0 {
		t.Error("a span started after Ready is a no-op")
	}
	var said int
	for _, l := range logs.Objects(t) {
		if l["message"] == "ddx: the tracer is still starting; continuing without waiting for the Datadog Agent" {
			said++
			if l["status"] != "INFO" || l["agent.url"] != agent.URL() {
				t.Errorf("the line: %v", l)
			}
		}
	}
	if said != 1 {
		t.Errorf("%d lines say the tracer is still starting, want 1", said)
	}
	rt.Stop()
	spans := agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) > 0 })
	if _, ok := testagent.Find(spans, func(s testagent.Span) bool { return s.SpanID == id }); !ok {
		t.Errorf("the span started after Ready did not reach the Agent; got %d spans", len(spans))
	}
}
