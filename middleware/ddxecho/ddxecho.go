package ddxecho

import (
	"bufio"
	"net"
	"net/http"
	"reflect"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/labstack/echo/v4"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/outcome"
)

// component is dd-trace-go's name for echo v4, the span's component tag in
// its contrib.
const component = "labstack/echo.v4"

// Middleware returns the echo middleware, for e.Use. It builds one
// middleware.Wrap, and serves each request through it, so every rule is
// Wrap's own; see the package documentation.
//
// The options are Wrap's own (middleware.WithLogger, WithService,
// WithHealthPaths, WithErrorStatus, ...) and mean the same. Middleware
// panics if an option is invalid, as Wrap does.
func Middleware(opts ...middleware.ServerOption) echo.MiddlewareFunc {
	// Under e.Use, echo has routed when the middleware runs: early names
	// the span by the route when it starts it, where sampling rules and the
	// profiler's endpoints see it. Under e.Pre, late reads the route once
	// the chain, echo's routing included, has run.
	early := middleware.Wrap(routed{}, opts...)
	late := middleware.Wrap(chain{}, opts...)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res := c.Response()
			x := &exchange{c: c, next: next, below: below{ResponseWriter: res.Writer}}
			x.below.x = x
			r := c.Request()
			h := late
			if p := c.Path(); p != "" {
				h = early
				if isRouterAnswer(c.Handler()) {
					p = ""
				}
				r.Pattern = p
			}
			h.ServeHTTP(&x.below, r)
			res.Writer = x.below.ResponseWriter
			return nil // answered: echo's HTTPErrorHandler must not answer again
		}
	}
}

// exchange is one request: the echo context, the rest of the chain and the
// writer Wrap writes to, in one allocation.
type exchange struct {
	c     echo.Context
	next  echo.HandlerFunc
	below below
}

// routed is chain for a request echo has routed: it tells Wrap the route
// before the span starts, which Middleware put in Request.Pattern.
type routed struct{ chain }

// Handler makes routed a router to Wrap.
func (c routed) Handler(r *http.Request) (http.Handler, string) { return c, r.Pattern }

// chain is the handler Wrap serves: the rest of echo's chain. It finds its
// request's echo context below the writers Wrap and dd-trace-go put around
// the one Middleware passed.
type chain struct{}

func (chain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := find(w)
	if x == nil {
		middleware.Error(w, r, errors.E(errors.Internal, "ddxecho: request not served by its middleware"))
		return
	}
	c := x.c
	if span, ok := tracer.SpanFromContext(r.Context()); ok {
		span.SetTag(ext.Component, component)
	}
	c.SetRequest(r)
	c.Response().Writer = w
	// Wrap names the resource from Request.Pattern once this returns, even
	// when the handler panics: under e.Use, echo has routed already. Under
	// e.Pre it routes inside next, so the path is read again after it.
	r.Pattern = c.Path()
	err := x.next(c)
	r.Pattern = c.Path()
	if err == nil {
		return
	}
	var he *echo.HTTPError
	if !errors.As(err, &he) {
		middleware.Error(w, r, err)
		return
	}
	if unroutedAnswer(c, he) {
		// No route: the answer every router gets under ddx, with its text.
		r.Pattern = ""
		middleware.ErrorStatus(w, r, he.Code, outcome.Unrouted(he.Code))
		return
	}
	kind, ok := errors.KindOfHTTP(he.Code)
	if !ok {
		kind = errors.Internal
	}
	middleware.ErrorStatus(w, r, he.Code, errors.E(kind, err))
}

// unroutedAnswer reports whether he is echo's answer to a request no route
// serves: its NotFoundHandler or MethodNotAllowedHandler ran. Their c.Path
// is the path of the nearest node of echo's tree, not a route.
func unroutedAnswer(c echo.Context, he *echo.HTTPError) bool {
	return (he == echo.ErrNotFound || he == echo.ErrMethodNotAllowed) && isRouterAnswer(c.Handler())
}

// isRouterAnswer reports whether h is echo's NotFoundHandler or
// MethodNotAllowedHandler, which the router picks when no route serves the
// request.
func isRouterAnswer(h echo.HandlerFunc) bool {
	p := reflect.ValueOf(h).Pointer()
	return p == notFound || p == methodNotAllowed
}

var (
	notFound         = reflect.ValueOf(echo.NotFoundHandler).Pointer()
	methodNotAllowed = reflect.ValueOf(echo.MethodNotAllowedHandler).Pointer()
)

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

// below is the server's writer, as Wrap sees it, with the way back to the
// echo context.
type below struct {
	http.ResponseWriter
	x *exchange
}

// Flush passes a flush on to the server's writer.
func (b *below) Flush() { _ = http.NewResponseController(b.ResponseWriter).Flush() }

// Hijack hands the server's connection over (websockets).
func (b *below) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(b.ResponseWriter).Hijack()
}

// Unwrap returns the server's writer, for http.ResponseController.
func (b *below) Unwrap() http.ResponseWriter { return b.ResponseWriter }
