package ddxchi

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/go-chi/chi/v5"

	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/outcome"
)

// component is dd-trace-go's name for chi v5, the span's component tag in
// its contrib.
const component = "go-chi/chi.v5"

// Middleware returns the chi middleware, for the root router's r.Use. It is
// middleware.Wrap around the rest of chi's chain, built once per router, so
// every rule is Wrap's own; see the package documentation.
//
// The options are Wrap's own (middleware.WithLogger, WithService,
// WithHealthPaths, WithErrorStatus, ...) and mean the same. Middleware
// panics if an option is invalid, as Wrap does.
func Middleware(opts ...middleware.ServerOption) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return middleware.Wrap(handler{next}, opts...)
	}
}

// handler runs inside Wrap's span. It is not a router (it has no Handler
// method), so Wrap names the resource from Request.Pattern when it returns,
// which chi has set by then.
type handler struct{ next http.Handler }

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if span, ok := tracer.SpanFromContext(r.Context()); ok {
		span.SetTag(ext.Component, component)
	}
	h.next.ServeHTTP(&writer{ResponseWriter: w, r: r}, r)
}

// writer turns chi's own answers to unrouted requests into problem answers:
// the first status of a request no route matched (see unrouted), 404 or
// 405, in plain text or without a Content-Type, is answered by
// middleware.ErrorStatus, and what chi writes after it is dropped.
type writer struct {
	http.ResponseWriter
	r        *http.Request
	started  bool
	answered bool
}

func (w *writer) WriteHeader(code int) {
	if w.answered {
		return
	}
	if !w.started && code >= 200 {
		w.started = true
		if (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) && routerAnswer(w.Header()) && unrouted(w.r) {
			w.answered = true
			middleware.ErrorStatus(w.ResponseWriter, w.r, code, outcome.Unrouted(code))
			return
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *writer) Write(b []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	if w.answered {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes a flush on, for streaming handlers that assert http.Flusher.
func (w *writer) Flush() {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	if !w.answered {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

// ReadFrom keeps io.Copy to the response on net/http's sendfile path, as
// plain chi does: it hands the handler net/http's own writer.
func (w *writer) ReadFrom(src io.Reader) (int64, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	if w.answered {
		return io.Copy(io.Discard, src)
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

// writerOnly hides ReadFrom so io.Copy does not come back to us.
type writerOnly struct{ io.Writer }

// Hijack hands the connection over (websockets), through Wrap's writer,
// which records it.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.started = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController and middleware.Error reach Wrap's
// writer.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// routerAnswer reports whether the headers are those of chi's default
// answers: http.NotFound's text/plain, or the 405's none.
func routerAnswer(h http.Header) bool {
	ct := h.Get("Content-Type")
	return ct == "" || strings.HasPrefix(ct, "text/plain")
}

// unrouted reports whether no route of the router serves r, so that a 404
// or 405 being written is chi's own. Request.Pattern is empty when the root
// router matched nothing; for a mounted sub-router (r.Mount, r.Route) the
// mount point has set it already, so the root router is asked again, from
// a fresh routing context, whether the method and path lead to a route:
// its Find descends into sub-routers, and names the mount point of a
// handler that is not one (whose 404 is its own). Only an answer of 404 or
// 405 pays for it.
func unrouted(r *http.Request) bool {
	if r.Pattern == "" {
		return true
	}
	rctx := chi.RouteContext(r.Context())
	if rctx == nil || rctx.Routes == nil {
		return false
	}
	method := rctx.RouteMethod
	if method == "" {
		method = r.Method
	}
	path := r.URL.RawPath // what chi routes on
	if path == "" {
		path = r.URL.Path
	}
	if path == "" {
		path = "/"
	}
	return rctx.Routes.Find(chi.NewRouteContext(), method, path) == ""
}
