package middleware

import (
	"context"
	"log/slog"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/DataDog/dd-trace-go/v2/instrumentation"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/outcome"
)

// Span and log names of a job run.
const (
	// jobOperation is the span operation of every run; the job's name is the
	// resource, so APM lists the jobs like endpoints.
	jobOperation = "job.run"
	attrJobName  = attr.JobName
	jobMessage   = "job run"
	jobComponent = "ddx/middleware"
)

// RunJob runs fn once as the background job name, with what an HTTP handler
// gets from [Wrap]:
//
//   - a span "job.run" whose resource is name, a child of the span in ctx if
//     there is one (a job started by a request), else the root of a new trace;
//     fn gets a context that carries it;
//   - a recovered panic becomes an Internal error with the panic value and the
//     stack of the panic;
//   - the error is recorded on the span by the Kind table: error.kind always,
//     the error flag with error.message, error.type and error.stack only for
//     kinds that are not expected, so a job stopped by shutdown (Canceled) or
//     finding nothing to do (NotFound) pages nobody;
//   - one log line when fn returns, "job run", with job.name, duration (ns)
//     and the error, at INFO for success and Canceled, WARN for other
//     expected kinds, ERROR for the rest. It is written with the span's
//     context, so the ddx handler joins it to the span.
//
// RunJob returns fn's error, or the panic's. Its options
// ([JobOption]): [WithLogger] and [WithService]. A nil ctx is
// taken as context.Background(). A nil fn is a programmer error: RunJob
// panics.
func RunJob(ctx context.Context, name string, fn func(ctx context.Context) error, opts ...JobOption) error {
	if fn == nil {
		panic("ddx/middleware: RunJob of a nil func")
	}
	c := newConfig(opts, JobOption.applyJob)
	return c.runJob(ctx, name, fn)
}

// Every runs fn as the job name (see [RunJob]) once per interval until ctx is
// done, in the calling goroutine, and then returns ctx's error. The first run
// is one interval after the call. Runs never overlap: a run that takes longer
// than interval delays the next tick, and the ticks missed meanwhile are
// dropped, as with time.Ticker. An error or a panic in one run is logged and
// recorded like RunJob's and does not stop the loop.
//
// Every starts no goroutine: once it returns, nothing of it runs. To run it
// in the background, call it with go, and cancel ctx to stop it; a run in
// progress sees the cancellation through its context.
//
// A nil fn or an interval that is not positive is a programmer error: Every
// panics.
func Every(ctx context.Context, interval time.Duration, name string, fn func(ctx context.Context) error, opts ...JobOption) error {
	if fn == nil {
		panic("ddx/middleware: Every of a nil func")
	}
	if interval <= 0 {
		panic("ddx/middleware: Every needs a positive interval, got " + interval.String())
	}
	if ctx == nil {
		ctx = context.Background()
	}
	c := newConfig(opts, JobOption.applyJob)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		// A tick and the cancellation can be ready together: do not start
		// a run for a loop that was asked to stop.
		if ctx.Err() != nil {
			return ctx.Err()
		}
		_ = c.runJob(ctx, name, fn) // logged and recorded by runJob
	}
}

func (c *config) runJob(ctx context.Context, name string, fn func(context.Context) error) (err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	start := time.Now()
	opts := []tracer.StartSpanOption{
		tracer.ResourceName(name),
		tracer.SpanType(ext.SpanTypeWorker),
		tracer.Tag(ext.Component, jobComponent),
		tracer.Tag(ext.SpanKind, ext.SpanKindInternal),
		tracer.Tag(attrJobName, name),
		tracer.Measured(),
		// One measure for the span and the log line's duration.
		tracer.StartTime(start),
	}
	if c.service != "" {
		opts = append(opts, instrumentation.ServiceNameWithSource(c.service, serviceSource(c.service)))
	}
	span, ctx := tracer.StartSpanFromContext(ctx, jobOperation, opts...)
	defer func() {
		if p := recover(); p != nil {
			err = outcome.PanicError(p)
		}
		c.finishJob(ctx, span, name, start, err)
	}()
	return fn(ctx)
}

// finishJob records err on the span, writes the job's log line, then
// finishes the span, so the line carries the span's ids.
func (c *config) finishJob(ctx context.Context, span *tracer.Span, name string, start time.Time, err error) {
	d := time.Since(start)
	v := outcome.ClassifyIn(ctx, err) // once, for the span and the level
	outcome.RecordError(span, v, err != nil && !v.Kind.Expected(), "")
	l := c.log()
	if level := outcome.Level(v); l.Enabled(ctx, level) {
		var buf [3]slog.Attr
		attrs := append(buf[:0],
			slog.String(attrJobName, name),
			slog.Int64(outcome.AttrDuration, int64(d)),
		)
		outcome.Log(ctx, l, level, jobMessage, err, attrs)
	}
	span.Finish(tracer.FinishTime(start.Add(d)))
}
