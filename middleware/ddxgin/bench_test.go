package ddxgin_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace"
	"github.com/gin-gonic/gin"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/conformance"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxgin"
)

// anchor is the cheapest correct trace of a gin request: dd-trace-go's
// request span around the chain, named by the route, with its status. With
// a logger it also writes the access line Wrap writes.
func anchor(l *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		r := c.Request
		route := c.FullPath()
		_, ctx, finish := httptrace.StartRequestSpan(r,
			tracer.ResourceName(r.Method+" "+route),
			tracer.Tag(ext.HTTPRoute, route),
			tracer.Tag(ext.Component, "gin-gonic/gin"))
		c.Request = r.WithContext(ctx)
		c.Next()
		conformance.AccessLine(ctx, l, r, c.Writer.Status(), route, start)
		finish(c.Writer.Status(), nil)
	}
}

func engine(mw gin.HandlerFunc) *gin.Engine {
	r := gin.New()
	r.Use(mw)
	r.GET("/users/:id", func(c *gin.Context) {
		c.Header("Content-Type", "application/json")
		_, _ = c.Writer.WriteString(conformance.BenchBody)
	})
	return r
}

// BenchmarkGinRatio: ddxgin against the anchor, interleaved in one run; the
// CPU time of the serving thread per request, and the allocations of each.
//
//	(cd middleware/ddxgin && go test -run '^$' -bench Ratio -count=3 .)
func BenchmarkGinRatio(b *testing.B) {
	testagent.StartDiscarding(b, tracer.WithService("bench"))
	conformance.RatioSet(b, "ddxgin", func(l *slog.Logger) http.Handler {
		return engine(ddxgin.Middleware(middleware.WithLogger(l)))
	}, func(l *slog.Logger) http.Handler { return engine(anchor(l)) }, ddx.NewHandler(io.Discard, nil))
}
