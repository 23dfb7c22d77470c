package middleware

// This file holds the unexported helpers shared by every entry point of the
// package (HTTP server, outbound HTTP client, jobs) and by ddxgrpc through
// thin copies: the access-log line, the level of an outcome, panic recovery,
// span error flags and the names of headers that carry credentials. Query
// strings need no helper: the access log leaves them out, and dd-trace-go's
// obfuscator redacts them on spans' http.url. Names here are stable; other
// files call them.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/status"
)

// Datadog standard attribute names used by access-log lines. Dotted keys are
// what Datadog's log pipeline treats as the nested standard attributes.
const (
	attrHTTPMethod     = "http.method"
	attrHTTPStatusCode = "http.status_code"
	attrHTTPURLPath    = "http.url_details.path"
	attrHTTPRoute      = "http.route"
	attrHTTPUserAgent  = "http.useragent"
	attrHTTPRequestID  = "http.request_id"
	attrClientIP       = "network.client.ip"
	attrDuration       = "duration" // nanoseconds, as Datadog expects
	// attrError is the key the ddx handler expands into error.kind,
	// error.message and error.stack.
	attrError = "error"
)

// loggerOr returns l, or slog.Default() when l is nil. Resolved per call, not
// at construction, so a program that sets the default logger after building
// its middleware (ddx.Start does) still gets it.
func loggerOr(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}

// levelOf is the log level of an outcome without a transport status: nil is
// INFO, a client that went away is INFO, other expected kinds WARN, the rest
// ERROR (DESIGN.md's behaviour table).
func levelOf(err error) slog.Level {
	if err == nil {
		return slog.LevelInfo
	}
	return status.Level(errors.KindOf(err))
}

// levelOfHTTP is the level of a finished HTTP exchange: the error decides
// when there is one, the status otherwise (5xx ERROR, 499 INFO, other 4xx
// WARN, the rest INFO).
func levelOfHTTP(code int, err error) slog.Level {
	if code == status.StatusClientClosedRequest {
		return slog.LevelInfo
	}
	if err != nil {
		return levelOf(err)
	}
	switch {
	case code >= 500:
		return slog.LevelError
	case code >= 400:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}

// logOutcome writes one access-log line through l with ctx, so the ddx
// handler adds dd.trace_id/dd.span_id of the span in ctx. A non-nil err is
// added as the "error" attribute. Callers should check l.Enabled first when
// building attrs costs anything.
func logOutcome(ctx context.Context, l *slog.Logger, level slog.Level, msg string, err error, attrs []slog.Attr) {
	logOutcomeAt(ctx, l, time.Now(), level, msg, err, attrs)
}

// logOutcomeAt is logOutcome with the record's time given. It hands the
// record to l's handler directly: slog.Logger would also record the
// caller's program counter, a third of a microsecond that buys a "source"
// pointing into this package, which says nothing about the request.
func logOutcomeAt(ctx context.Context, l *slog.Logger, now time.Time, level slog.Level, msg string, err error, attrs []slog.Attr) {
	if ctx == nil {
		ctx = context.Background()
	}
	r := slog.NewRecord(now, level, msg, 0)
	r.AddAttrs(attrs...)
	if err != nil {
		r.AddAttrs(slog.Any(attrError, err))
	}
	_ = l.Handler().Handle(ctx, r) // a logging failure must not fail the request
}

// clientGone reports whether ctx ended because the caller went away (as
// opposed to a deadline), which is a 499/Canceled, not a failure.
func clientGone(ctx context.Context) bool {
	return ctx != nil && ctx.Err() == context.Canceled
}

// panicError turns a recovered panic value into an Internal error whose
// stack is the panicking goroutine's, including the frame that panicked.
// Call it directly from the deferred function that recovered.
//
// A panic is Internal whatever it carries: an error of an expected kind
// (errors.E(errors.NotFound, ...), context.Canceled) that is panicked rather
// than returned is a bug, and the innermost-kind rule would otherwise answer
// it with a 404 or a 499 and no span error. Such an error is kept as text.
func panicError(p any) error {
	err, ok := p.(error)
	switch {
	case ok && errors.KindOf(err) == errors.Internal:
		return errors.E(errors.Internal, errors.Op("panic"), err)
	case ok:
		return errors.E(errors.Internal, errors.Op("panic"), err.Error())
	default:
		return errors.E(errors.Internal, errors.Op("panic"), fmt.Sprint(p))
	}
}

// isAbort reports whether a recovered value is http.ErrAbortHandler, the
// sentinel net/http uses to abort a response on purpose; it must be
// re-panicked, not turned into a 500.
func isAbort(p any) bool {
	err, ok := p.(error)
	return ok && err == http.ErrAbortHandler //nolint:errorlint // sentinel compared by identity, as net/http does
}

// recordError records err on span via ddx.RecordError (error.kind always;
// flag, error.message/type/stack for unexpected kinds), then lets flag have
// the last word on the span's error flag, so a user's status predicate can
// make a 404 an error or a 503 not one. With a nil err and flag set, the span
// is marked with a plain "<code>: <text>"-style message from fallback.
func recordError(span *tracer.Span, err error, flag bool, fallback string) {
	if span == nil {
		return
	}
	if err == nil {
		if flag {
			span.SetTag(ext.Error, true)
			span.SetTag(ext.ErrorMsg, fallback)
			span.SetTag(ext.ErrorType, "http.status")
		}
		return
	}
	ddx.RecordError(span, err)
	expected := errors.KindOf(err).Expected()
	switch {
	case flag && expected:
		// RecordError stopped at error.kind; the caller wants a real error.
		span.SetTag(ext.Error, true)
		span.SetTag(ext.ErrorMsg, errors.Message(err))
		span.SetTag(ext.ErrorType, errors.TypeName(err))
		if st := errors.Stack(err); st != "" {
			span.SetTag(ext.ErrorStack, st)
		}
	case !flag && !expected:
		span.SetTag(ext.Error, false)
	}
}
