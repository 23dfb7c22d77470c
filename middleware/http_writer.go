package middleware

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

// responseWriter records what the handler sent, and lets [Error] find the
// request's exchange through any wrappers that implement Unwrap.
//
// It implements http.Flusher, http.Hijacker and io.ReaderFrom whatever the
// underlying writer supports (Flush is then a no-op and Hijack returns
// http.ErrNotSupported, like http.ResponseController), and Unwrap for
// http.ResponseController. It does not implement the deprecated
// http.CloseNotifier nor http.Pusher.
type responseWriter struct {
	http.ResponseWriter
	x           *exchange
	status      int
	wroteHeader bool
	discard     bool // the body is the ServeMux's own, replaced by a problem
}

var (
	_ http.Flusher  = (*responseWriter)(nil)
	_ http.Hijacker = (*responseWriter)(nil)
	_ io.ReaderFrom = (*responseWriter)(nil)
)

func (w *responseWriter) WriteHeader(code int) {
	if code < 100 || code > 599 {
		// net/http panics on a code outside 100–999 and cuts the
		// connection; it sends 600–999, which RFC 9110 (15) calls invalid
		// and tells clients to treat as a 5xx, while the span's default
		// error statuses (5xx) would call it a success. Either way it is a
		// bug in the handler: answer 500, record why, and the client, the
		// span and the line all say 500.
		if w.x != nil && !w.wroteHeader {
			w.x.setError(errors.E(errors.Op("http.ResponseWriter.WriteHeader"), errors.Internal,
				"invalid status code "+strconv.Itoa(code)))
		}
		code = http.StatusInternalServerError
	}
	// 1xx other than 101 are interim answers (103 Early Hints): several may
	// precede the real one, so they are passed on without being recorded,
	// and below the tracer's writer, which keeps the first status it sees
	// and drops every later one: through it, a 103 then a 503 reached the
	// client as 103 then 200.
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		if w.x != nil && w.x.interim != nil {
			w.x.interim.WriteHeader(code)
		} else {
			w.ResponseWriter.WriteHeader(code)
		}
		return
	}
	if !w.wroteHeader && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) && w.x.muxAnswer(w.Header()) {
		// The ServeMux found no route and answers in plain text, without
		// the trace id: answer the problem every other failure gets
		// instead (the 405's Allow header stays), and drop the mux's text.
		v := outcome.Classify(outcome.Unrouted(code))
		w.x.setVerdict(v)
		outcome.WriteProblem(w, w.x.req, code, v)
		w.discard = true
		return
	}
	if !w.wroteHeader {
		w.status = code
		w.wroteHeader = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.discard {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends buffered data to the client; it implies a 200 when nothing was
// sent yet, as net/http does.
func (w *responseWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
		return
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection to the handler (websockets); the request is
// then recorded as 101 Switching Protocols unless a status was sent.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && !w.wroteHeader {
		w.status = http.StatusSwitchingProtocols
		w.wroteHeader = true
	}
	return conn, rw, err
}

// ReadFrom keeps io.Copy to the response on the sendfile path when the
// underlying writer has one.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.discard {
		return io.Copy(io.Discard, src)
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

// writerOnly hides ReadFrom so io.Copy does not come back to us.
type writerOnly struct{ io.Writer }

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// findWriter finds Wrap's writer behind w and any wrappers that implement
// Unwrap, or returns nil when w is not under Wrap.
func findWriter(w http.ResponseWriter) *responseWriter {
	for i := 0; w != nil && i < 32; i++ { // bounded: a wrapper could cycle
		if rw, ok := w.(*responseWriter); ok {
			return rw
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// muxAnswer reports whether a status about to be written is net/http's
// ServeMux answering a request it has no route for: Wrap serves a ServeMux,
// the mux left the request's Pattern empty (it sets it in place when a
// route matches), and the answer is http.Error's plain text.
func (x *exchange) muxAnswer(h http.Header) bool {
	return x != nil && x.srv.mux && x.req != nil && x.req.Pattern == "" &&
		strings.HasPrefix(h.Get("Content-Type"), "text/plain")
}
