package ddxgin_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace"
	"github.com/gin-gonic/gin"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/conformance"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware/ddxgin"
)

// anchor is the cheapest correct trace of a gin request: dd-trace-go's
// request span around the chain, named by the route, with its status.
func anchor(c *gin.Context) {
	r := c.Request
	route := c.FullPath()
	_, ctx, finish := httptrace.StartRequestSpan(r,
		tracer.ResourceName(r.Method+" "+route),
		tracer.Tag(ext.HTTPRoute, route),
		tracer.Tag(ext.Component, "gin-gonic/gin"))
	c.Request = r.WithContext(ctx)
	c.Next()
	finish(c.Writer.Status(), nil)
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
	// "log" is what a service runs; "nolog" tells the middleware's own cost
	// from the access-log line's, which the anchor does not write.
	for _, l := range []struct {
		name string
		h    slog.Handler
	}{{"log", ddx.NewHandler(io.Discard, nil)}, {"nolog", slog.DiscardHandler}} {
		b.Run(l.name, func(b *testing.B) {
			logger := slog.New(l.h)
			conformance.Ratio(b,
				conformance.Side{Name: "ddxgin", H: engine(ddxgin.Middleware(ddxgin.WithLogger(logger)))},
				conformance.Side{Name: "httptrace", H: engine(anchor)})
		})
	}
}
