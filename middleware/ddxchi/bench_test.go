package ddxchi_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace"
	"github.com/go-chi/chi/v5"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/conformance"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxchi"
)

// statusWriter keeps the status, which the anchor's span needs.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// anchor is the cheapest correct trace of a chi request: dd-trace-go's
// request span around the router, named by the pattern chi matched, with
// its status. With a logger it also writes the access line Wrap writes.
func anchor(l *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			span, ctx, finish := httptrace.StartRequestSpan(r, tracer.Tag(ext.Component, "go-chi/chi.v5"))
			r = r.WithContext(ctx)
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			span.SetTag(ext.ResourceName, r.Method+" "+r.Pattern)
			span.SetTag(ext.HTTPRoute, r.Pattern)
			conformance.AccessLine(ctx, l, r, sw.status, r.Pattern, start)
			finish(sw.status, nil)
		})
	}
}

func router(mw func(http.Handler) http.Handler) http.Handler {
	r := chi.NewRouter()
	r.Use(mw)
	r.Get("/users/{id}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, conformance.BenchBody)
	})
	return r
}

// BenchmarkChiRatio: ddxchi against the anchor, interleaved in one run; the
// CPU time of the serving thread per request, and the allocations of each.
//
//	(cd middleware/ddxchi && go test -run '^$' -bench Ratio -count=3 .)
func BenchmarkChiRatio(b *testing.B) {
	testagent.StartDiscarding(b, tracer.WithService("bench"))
	conformance.RatioSet(b, "ddxchi", func(l *slog.Logger) http.Handler {
		return router(ddxchi.Middleware(middleware.WithLogger(l)))
	}, func(l *slog.Logger) http.Handler { return router(anchor(l)) }, ddx.NewHandler(io.Discard, nil))
}
