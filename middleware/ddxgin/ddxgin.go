package ddxgin

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/gin-gonic/gin"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/outcome"
)

// component is dd-trace-go's name for gin, the span's component tag in its
// contrib.
const component = "gin-gonic/gin"

// Middleware returns the gin middleware, for the engine's r.Use. It builds
// one middleware.Wrap, and serves each request through it, so every rule is
// Wrap's own; see the package documentation.
//
// The options are Wrap's own (middleware.WithLogger, WithService,
// WithHealthPaths, WithErrorStatus, ...) and mean the same. Middleware
// panics if an option is invalid, as Wrap does.
func Middleware(opts ...middleware.ServerOption) gin.HandlerFunc {
	h := middleware.Wrap(chain{}, opts...)
	return func(c *gin.Context) {
		x := &exchange{c: c, orig: c.Writer}
		if c.FullPath() == "" && !c.Writer.Written() {
			// gin has already routed: for a request no route serves it
			// runs the NoRoute (or NoMethod) chain with the status set.
			if s := c.Writer.Status(); s == http.StatusNotFound || s == http.StatusMethodNotAllowed {
				x.unrouted = s
			}
		}
		x.below = below{ResponseWriter: c.Writer, x: x}
		// gin has routed: Wrap names the span by the route when it starts
		// it (see chain.Handler), where sampling rules and the profiler's
		// endpoints see it.
		c.Request.Pattern = c.FullPath()
		h.ServeHTTP(&x.below, c.Request)
		c.Writer = x.orig
		if !x.done {
			// A panic ended the chain, and Wrap has answered it: gin must
			// not run the handlers after the one that panicked.
			c.Abort()
		}
	}
}

// exchange is one request: the gin context, and the two writers around
// Wrap's, in one allocation.
type exchange struct {
	c        *gin.Context
	orig     gin.ResponseWriter
	below    below // what Wrap writes to: gin's writer, and the way back to c
	above    above // c.Writer while the chain runs: Wrap's writer, as gin wants it
	unrouted int   // 404 or 405 when gin found no route
	done     bool  // the chain returned
}

// chain is the handler Wrap serves: the rest of gin's chain. It finds its
// request's gin context below the writers Wrap and dd-trace-go put around
// the one Middleware passed.
type chain struct{}

// Handler makes chain a router to Wrap, which asks it for the request's
// pattern before it starts the span: gin's route, which Middleware put in
// Request.Pattern.
func (c chain) Handler(r *http.Request) (http.Handler, string) { return c, r.Pattern }

func (chain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := find(w)
	if x == nil {
		// Not served through Middleware: nothing to continue.
		middleware.Error(w, r, errors.E(errors.Internal, "ddxgin: request not served by its middleware"))
		return
	}
	c := x.c
	if span, ok := tracer.SpanFromContext(r.Context()); ok {
		span.SetTag(ext.Component, component)
	}
	c.Request = r
	x.above = above{ResponseWriter: x.orig, w: w}
	c.Writer = &x.above
	c.Next()
	x.done = true
	switch {
	case len(c.Errors) > 0:
		// The first error: later ones are usually its consequences.
		middleware.Error(w, r, kindOf(c.Errors[0]))
	case x.unrouted != 0 && !x.orig.Written():
		middleware.ErrorStatus(w, r, x.unrouted, outcome.Unrouted(x.unrouted))
	}
}

// find walks the Unwrap chain from Wrap's writer to the one Middleware
// passed it.
func find(w http.ResponseWriter) *exchange {
	for range 8 {
		if b, ok := w.(*below); ok {
			return b.x
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// kindOf gives a binding error the kind Invalid: gin says the client sent
// something it could not bind.
func kindOf(e *gin.Error) error {
	if e.IsType(gin.ErrorTypeBind) && errors.KindOf(e.Err) == errors.Internal {
		return errors.E(errors.Invalid, e.Err)
	}
	return e.Err
}

// below is gin's own writer, as Wrap sees it.
type below struct {
	gin.ResponseWriter
	x *exchange
}

// Unwrap returns gin's writer, for http.ResponseController.
func (b *below) Unwrap() http.ResponseWriter { return b.ResponseWriter }

// above is c.Writer while the chain runs: writes go through Wrap's writer,
// so Wrap sees the status and the span gets it, and gin's questions
// (Status, Size, Written) are answered by gin's writer, which every write
// reaches.
type above struct {
	gin.ResponseWriter
	w http.ResponseWriter // Wrap's
}

func (a *above) Header() http.Header               { return a.w.Header() }
func (a *above) WriteHeader(code int)              { a.w.WriteHeader(code) }
func (a *above) Write(b []byte) (int, error)       { return a.w.Write(b) }
func (a *above) WriteString(s string) (int, error) { return io.WriteString(a.w, s) }

// WriteHeaderNow sends the status gin holds, through Wrap's writer.
func (a *above) WriteHeaderNow() {
	if !a.ResponseWriter.Written() {
		a.w.WriteHeader(a.ResponseWriter.Status())
		a.ResponseWriter.WriteHeaderNow()
	}
}

// Flush flushes through Wrap's writer, which records the implied 200.
func (a *above) Flush() { _ = http.NewResponseController(a.w).Flush() }

// Hijack hands the connection over through Wrap's writer, which records it.
func (a *above) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(a.w).Hijack()
}

// Unwrap returns Wrap's writer, for http.ResponseController and
// middleware.Error.
func (a *above) Unwrap() http.ResponseWriter { return a.w }
