package middleware

import (
	"net/http"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

// ErrorStatus answers r with err as [Error] does, but with status code
// instead of the status of err's kind. It exists for router integrations
// (ddxgin, ddxecho, ddxchi): a router's own answers, such as 405 Method Not
// Allowed or echo's 413 and 415, have a status the Kind table does not
// produce, and they still deserve the problem answer, the recorded error and
// the access-log line that [Wrap] gives every other failure. Handlers should
// use [Error] or return their error from a [HandlerFunc]: the Kind table
// then keeps every transport consistent.
//
// A code outside 400–599 is replaced by the status of err's kind, so a
// failure can never be answered as a success; so is the code of a Canceled
// error when the client has gone away (499, as the Kind table says). As with Error, nothing is
// written once the response has started, but err is still recorded, and a
// nil err does nothing.
func ErrorStatus(w http.ResponseWriter, r *http.Request, code int, err error) {
	if err == nil || w == nil || r == nil {
		return
	}
	if !errors.HasStack(err) {
		err = errors.E(err)
	}
	v := outcome.ClassifyIn(r.Context(), err)
	if code < 400 || code > 599 || v.Kind == errors.Canceled {
		// Canceled, after ClassifyIn, means the client went away: nobody
		// reads a router's 500 (echo's HTTPError around ctx.Err()), and the
		// Kind table's 499 at INFO is what every other path records.
		code = outcome.HTTPStatus(v, r)
	}
	if rw := findWriter(w); rw != nil {
		rw.x.setVerdict(v)
		if rw.wroteHeader {
			return
		}
	} else if span, ok := tracer.SpanFromContext(r.Context()); ok {
		outcome.RecordError(span, v, code >= 500, "")
	}
	outcome.WriteProblem(w, r, code, v)
}
