package outcome

import (
	"encoding/json"
	"net/http"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/status"
)

// ProblemContentType is the media type of problem answers (RFC 9457).
const ProblemContentType = "application/problem+json"

// HTTPStatus is the status that answers v to r, by the Kind table (a plain
// error is a 500), FailedPrecondition being 412 for conditional requests.
func HTTPStatus(v Verdict, r *http.Request) int {
	return status.HTTP(v.Kind, status.Conditional(r))
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

// WriteProblem answers r with the RFC 9457 problem document for v with
// status code: the kind's public message (errors.Public), never the
// error's internal text or stack, the error's Code for expected kinds, and
// the trace id of the span in r's context. A 499 (nobody reads) gets the
// status alone.
func WriteProblem(w http.ResponseWriter, r *http.Request, code int, v Verdict) {
	if code == status.StatusClientClosedRequest {
		// Nobody is reading. The status is still set so that the span and
		// the access log say 499.
		w.WriteHeader(code)
		return
	}
	p := problem{
		Type:   "about:blank",
		Title:  StatusText(code),
		Status: code,
		Detail: errors.Public(v.Err),
	}
	if v.Kind.Expected() {
		p.Code = string(v.Code)
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

// StatusText is http.StatusText, with nginx's name for 499.
func StatusText(code int) string {
	if code == status.StatusClientClosedRequest {
		return "Client Closed Request"
	}
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Error"
}

// Unrouted is the error of a request that a router's own answer refused:
// NotFound for a path nobody serves, Invalid (the Kind of a 405) for a
// method the path does not take. Integrations answer it with the router's
// status, 404 or 405, as a problem like any other failure.
func Unrouted(code int) error {
	if code == http.StatusMethodNotAllowed {
		return errors.E(errors.Invalid, "this method is not allowed here")
	}
	return errors.E(errors.NotFound, "nothing is served at this path")
}
