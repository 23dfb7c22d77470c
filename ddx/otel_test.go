package ddx_test

import (
	"context"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/opentelemetry"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
)

// installedProvider waits until rt is up and returns the TracerProvider
// Start installed, failing when it is not dd-trace-go's or was already
// there before.
func installedProvider(t *testing.T, rt *ddx.Runtime, before any) *opentelemetry.TracerProvider {
	t.Helper()
	<-rt.Ready()
	p, ok := otel.GetTracerProvider().(*opentelemetry.TracerProvider)
	require.True(t, ok, "Start did not install dd-trace-go's TracerProvider; the global one is %T", otel.GetTracerProvider())
	require.NotSame(t, before, p, "a new provider, for the tracer this Start started")
	return p
}

// TestOpenTelemetrySpanJoinsTheRequestTrace is what a library instrumented
// with OpenTelemetry does inside a ddx request: its span must reach the
// Agent as a child of the request's span, in the same trace, with its
// attributes, and Stop alone must deliver it.
func TestOpenTelemetrySpanJoinsTheRequestTrace(t *testing.T) {
	quietEnv(t)
	t.Setenv("DDX_OTEL", "")
	agent := testagent.Start(t)
	before := otel.GetTracerProvider()
	rt := ddx.Start(ddx.WithAgentURL(agent.URL()), ddx.WithService("checkout"),
		ddx.WithLogWriter(&testlog.Buffer{}), ddx.WithProfiling(false))
	installedProvider(t, rt, before)

	req, ctx := tracer.StartSpanFromContext(context.Background(), "http.request", tracer.ResourceName("GET /orders/{id}"))
	// What an OpenTelemetry-instrumented library does, through the global
	// provider it finds at run time.
	_, lib := otel.Tracer("example.com/lib").Start(ctx, "lib.fetch")
	lib.SetAttributes(attribute.String("lib.key", "orders/42"))
	lib.End()
	req.Finish()
	rt.Stop() // no provider Shutdown: tracer.Stop must flush the OTel span

	var reqSpan, libSpan testagent.Span
	for _, s := range agent.Spans() {
		switch s.Name {
		case "http.request":
			reqSpan = s
		case "internal": // dd-trace-go names an OTel span by its kind; the OTel name is the resource
			if s.Resource == "lib.fetch" {
				libSpan = s
			}
		}
	}
	require.NotZero(t, reqSpan.SpanID, "request span at the Agent after Stop; got %d spans", len(agent.Spans()))
	require.NotZero(t, libSpan.SpanID, "OpenTelemetry span at the Agent after Stop: %+v", agent.Spans())
	assert.Equal(t, reqSpan.TraceID, libSpan.TraceID, "one trace")
	assert.Equal(t, reqSpan.SpanID, libSpan.ParentID, "the OTel span is a child of the request span")
	assert.Equal(t, "checkout", libSpan.Service)
	assert.Equal(t, "orders/42", libSpan.Meta["lib.key"])
}

func TestOpenTelemetryOff(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  string
		opts []ddx.Option
	}{
		{name: "WithOpenTelemetry(false)", opts: []ddx.Option{ddx.WithOpenTelemetry(false)}},
		{name: "DDX_OTEL=off", env: "off"},
		{name: "DDX_OTEL=false", env: "false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			quietEnv(t)
			t.Setenv("DDX_OTEL", tc.env)
			agent := testagent.Start(t)
			before := otel.GetTracerProvider()
			rt := ddx.Start(append([]ddx.Option{ddx.WithAgentURL(agent.URL()),
				ddx.WithLogWriter(&testlog.Buffer{}), ddx.WithProfiling(false)}, tc.opts...)...)
			<-rt.Ready()
			assert.Equal(t, before, otel.GetTracerProvider(), "the global OpenTelemetry provider is left alone")
			rt.Stop()
		})
	}
}

// TestOpenTelemetryAfterRestart checks that a Start after Stop installs a
// provider bound to the new tracer: dd-trace-go's provider keeps the tracer
// that was global when it was made.
func TestOpenTelemetryAfterRestart(t *testing.T) {
	quietEnv(t)
	t.Setenv("DDX_OTEL", "on")
	agent := testagent.Start(t)
	for round := range 2 {
		before := otel.GetTracerProvider()
		rt := ddx.Start(ddx.WithAgentURL(agent.URL()), ddx.WithLogWriter(&testlog.Buffer{}), ddx.WithProfiling(false))
		installedProvider(t, rt, before)
		_, s := otel.Tracer("").Start(context.Background(), "round")
		s.SetAttributes(attribute.Int("round", round))
		s.End()
		rt.Stop()
	}
	n := 0
	for _, s := range agent.Spans() {
		if s.Resource == "round" {
			n++
		}
	}
	assert.Equal(t, 2, n, "one span per round at the Agent")
}
