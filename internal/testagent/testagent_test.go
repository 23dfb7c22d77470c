package testagent_test

import (
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/internal/testagent"
)

func TestRealTracerPayloadIsDecoded(t *testing.T) {
	a := testagent.Start(t)
	t.Setenv("DD_INSTRUMENTATION_TELEMETRY_ENABLED", "false")
	require.NoError(t, tracer.Start(
		tracer.WithAgentAddr(a.Addr()),
		tracer.WithService("svc"),
		tracer.WithLogStartup(false),
	))
	parent := tracer.StartSpan("parent", tracer.ResourceName("GET /users/{id}"))
	child := parent.StartChild("child")
	child.SetTag("k", "v")
	child.Finish()
	parent.Finish()
	wantTrace := parent.Context().TraceID()
	tracer.Flush()
	tracer.Stop()

	spans := a.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) >= 2 })
	p, ok := testagent.Find(spans, func(s testagent.Span) bool { return s.Name == "parent" })
	require.True(t, ok)
	c, ok := testagent.Find(spans, func(s testagent.Span) bool { return s.Name == "child" })
	require.True(t, ok)
	assert.Equal(t, "svc", p.Service)
	assert.Equal(t, "GET /users/{id}", p.Resource)
	assert.Equal(t, wantTrace, p.TraceID128())
	assert.Equal(t, p.SpanID, c.ParentID)
	assert.Equal(t, "v", c.Meta["k"])
	assert.Positive(t, p.Duration)
	assert.Positive(t, a.Requests("/info"))
}

func TestFaultModesAnswerAsAsked(t *testing.T) {
	// Exercised end to end by the ddx Start/Stop tests; here only Down/Up.
	a := testagent.Start(t)
	a.Down()
	require.NoError(t, a.Up())
	a.Down()
	a.Close()
}

func TestDiscardCountsPayloadsAndKeepsNoSpans(t *testing.T) {
	a := testagent.StartDiscarding(t, tracer.WithService("svc"))
	for range 3 {
		tracer.StartSpan("op").Finish()
		tracer.Flush()
	}
	tracer.Stop()
	assert.Positive(t, a.Payloads(), "the tracer's payloads reached the Agent")
	assert.Empty(t, a.Spans(), "a discarding Agent decodes nothing")
}
