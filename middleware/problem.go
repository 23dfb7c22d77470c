package middleware

import (
	"encoding/json"
	"net/http"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/status"
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
const ProblemContentType = "application/problem+json"

// Error answers r with err, for handlers that cannot return it.
//
// The status comes from err's kind (errors.KindOf; a plain error is a 500):
// Invalid 400, NotFound 404, Unavailable 503, a client that went away 499 and
// so on, FailedPrecondition being 412 for conditional requests. The body is
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
	if errors.Stack(err) == "" {
		// A plain error has no creation stack; the caller of Error is the
		// next best place to point Error Tracking at.
		err = errors.E(err)
	}
	code := status.HTTP(errors.KindOf(err), status.Conditional(r))
	if rw := findWriter(w); rw != nil {
		rw.x.setError(err)
		if rw.wroteHeader {
			return // too late to change the answer
		}
	} else if span, ok := tracer.SpanFromContext(r.Context()); ok {
		recordError(span, err, code >= 500, "")
	}
	writeProblem(w, r, code, err)
}

// problem is an RFC 9457 problem document. "about:blank" says the status
// alone is the problem type, so title is the status's text.
type problem struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	Status  int    `json:"status"`
	Detail  string `json:"detail,omitempty"`
	Code    string `json:"code,omitempty"`
	TraceID string `json:"trace_id,omitempty"`
}

// writeProblem writes the problem answer for err with status code.
func writeProblem(w http.ResponseWriter, r *http.Request, code int, err error) {
	if code == status.StatusClientClosedRequest {
		// Nobody is reading. The status is still set so that the span and
		// the access log say 499.
		w.WriteHeader(code)
		return
	}
	p := problem{
		Type:   "about:blank",
		Title:  statusText(code),
		Status: code,
		Detail: errors.Public(err),
	}
	if errors.KindOf(err).Expected() {
		p.Code = string(errors.CodeOf(err))
	}
	if span, ok := tracer.SpanFromContext(r.Context()); ok {
		p.TraceID = span.Context().TraceID()
	}
	body, mErr := json.Marshal(p) // one allocation on an error path: fine
	if mErr != nil {
		// Cannot happen with these field types; answer without a body
		// rather than with a broken one.
		w.WriteHeader(code)
		return
	}
	h := w.Header()
	h.Del("Content-Length") // a handler may have set it for a body it never wrote
	h.Set("Content-Type", ProblemContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n')) // a newline, for curl users
}

// statusText is http.StatusText, with nginx's name for 499.
func statusText(code int) string {
	if code == status.StatusClientClosedRequest {
		return "Client Closed Request"
	}
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Error"
}
