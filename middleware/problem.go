package middleware

import (
	"net/http"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

// HandlerFunc is an http.Handler that returns its failure instead of writing
// it: a non-nil error is answered by [Error]. Under [Wrap] it also becomes
// the span's error.* and the access log's error attribute, with the stack of
// where the error was created.
//
//	mux.Handle("GET /users/{id}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
//		u, err := store.User(r.Context(), r.PathValue("id"))
//		if err != nil {
//			return err // errors.E(errors.NotFound, "user 42 not found") → 404
//		}
//		return json.NewEncoder(w).Encode(u)
//	}))
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// ServeHTTP calls f and answers its error, if any, with [Error].
func (f HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := f(w, r); err != nil {
		Error(w, r, err)
	}
}

// ProblemContentType is the media type of the answers [Error] writes
// (RFC 9457).
const ProblemContentType = outcome.ProblemContentType

// Error answers r with err, for handlers that cannot return it.
//
// The status comes from err's kind (errors.KindOf; a plain error is a 500):
// Invalid 400, NotFound 404, Unavailable 503, a client that went away 499 and
// so on, FailedPrecondition being 412 for conditional requests. Canceled is
// a 499 only when r's context is canceled; while the client waits it is a
// failure inside the server, a 500 (see outcome.ClassifyIn). The body is
// an RFC 9457 problem document: the kind's public message (errors.Public),
// never the error's internal text or stack, and the trace id to quote to
// support:
//
//	{"type":"about:blank","title":"Not Found","status":404,"detail":"user 42 not found","trace_id":"6836d0d600000000..."}
//
// For an expected kind, the error's [errors.Code], if it has one, is the
// body's "code", which a client program can act on:
// {"status":412,"detail":"card declined","code":"payment.declined",...}.
// The code of an unexpected failure stays in the logs and spans.
//
// Under [Wrap], err is also recorded for the span and the access-log line;
// only the first error of a request is kept. If the response has already
// started, nothing more is written, but err is still recorded. Without Wrap,
// err is recorded on the span in r's context, if any. A nil err does
// nothing.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	if err == nil || w == nil || r == nil {
		return
	}
	if !errors.HasStack(err) {
		// A plain error has no creation stack; the caller of Error is the
		// next best place to point Error Tracking at.
		err = errors.E(err)
	}
	v := outcome.ClassifyIn(r.Context(), err) // once, for the answer, the span and the log
	code := outcome.HTTPStatus(v, r)
	if rw := findWriter(w); rw != nil {
		rw.x.setVerdict(v)
		if rw.wroteHeader {
			return // too late to change the answer
		}
	} else if span, ok := tracer.SpanFromContext(r.Context()); ok {
		outcome.RecordError(span, v, code >= 500, "")
	}
	outcome.WriteProblem(w, r, code, v)
}
