package ddxecho_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace"
	"github.com/labstack/echo/v4"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/conformance"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxecho"
)

// anchor is the cheapest correct trace of an echo request: dd-trace-go's
// request span around the chain, named by the route, with its status. With
// a logger it also writes the access line Wrap writes.
func anchor(l *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			r := c.Request()
			route := c.Path()
			_, ctx, finish := httptrace.StartRequestSpan(r,
				tracer.ResourceName(r.Method+" "+route),
				tracer.Tag(ext.HTTPRoute, route),
				tracer.Tag(ext.Component, "labstack/echo.v4"))
			c.SetRequest(r.WithContext(ctx))
			if err := next(c); err != nil {
				c.Error(err)
			}
			conformance.AccessLine(ctx, l, r, c.Response().Status, route, start)
			finish(c.Response().Status, nil)
			return nil
		}
	}
}

func server(mw echo.MiddlewareFunc) *echo.Echo {
	e := echo.New()
	e.Use(mw)
	e.GET("/users/:id", func(c echo.Context) error {
		c.Response().Header().Set("Content-Type", "application/json")
		_, err := io.WriteString(c.Response(), conformance.BenchBody)
		return err
	})
	return e
}

// BenchmarkEchoRatio: ddxecho against the anchor, interleaved in one run;
// the CPU time of the serving thread per request, and the allocations of
// each.
//
//	(cd middleware/ddxecho && go test -run '^$' -bench Ratio -count=3 .)
func BenchmarkEchoRatio(b *testing.B) {
	testagent.StartDiscarding(b, tracer.WithService("bench"))
	conformance.RatioSet(b, "ddxecho", func(l *slog.Logger) http.Handler {
		return server(ddxecho.Middleware(middleware.WithLogger(l)))
	}, func(l *slog.Logger) http.Handler { return server(anchor(l)) }, ddx.NewHandler(io.Discard, nil))
}
