package ddx

import (
	"log/slog"
	"strconv"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/opentelemetry"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"go.opentelemetry.io/otel"
)

// WithOpenTelemetry sets whether Start installs dd-trace-go's OpenTelemetry
// TracerProvider as OpenTelemetry's global one (otel.SetTracerProvider), so
// that libraries instrumented with OpenTelemetry (otel.Tracer(...)) create
// Datadog spans in the same traces as ddx's, children of the span in their
// context. On by default: without it those libraries' spans go nowhere,
// silently. Overrides DDX_OTEL.
func WithOpenTelemetry(on bool) Option {
	return optionFunc(func(c *config) { c.otel = &on })
}

// otelEnabled is WithOpenTelemetry's setting, else DDX_OTEL's (true, false,
// on, off), else on. An unreadable DDX_OTEL is reported and counts as on.
func (c *config) otelEnabled(l *slog.Logger) bool {
	if c.otel != nil {
		return *c.otel
	}
	on, set, valid := envOnOff("DDX_OTEL")
	switch {
	case !set:
		return true
	case !valid:
		// Read while the tracer starts, after Start's warnings are out.
		s, _ := getenv("DDX_OTEL")
		l.Warn("ddx: DDX_OTEL=" + strconv.Quote(s) + " is not on or off; OpenTelemetry spans go to Datadog")
		return true
	}
	return on
}

// startTracer starts dd-trace-go's tracer with opts and, when OpenTelemetry
// is enabled, installs dd-trace-go's TracerProvider as the global one.
//
// opentelemetry.NewTracerProvider starts the tracer itself (its tracers
// keep the tracer that was global when it was made), and swallows
// tracer.Start's error. So with OpenTelemetry on it is the one call that
// starts the tracer, and only when no tracer came up is tracer.Start called
// again, for its error: a configuration error fails fast, and the good path
// starts the tracer once. tracer.Stop flushes the OpenTelemetry spans too
// (they are the tracer's spans), so Stop needs no provider Shutdown; a
// later Start installs a new provider for the new tracer.
func startTracer(c *config, l *slog.Logger, opts []tracer.StartOption) error {
	if !c.otelEnabled(l) {
		return tracer.Start(opts...)
	}
	p := opentelemetry.NewTracerProvider(opts...)
	// With no tracer running, the global tracer is a no-op one, whose
	// StartSpan returns nil. The probe is never finished, so never sent.
	if tracer.StartSpan("ddx.probe") == nil {
		return tracer.Start(opts...)
	}
	otel.SetTracerProvider(p)
	return nil
}
