package bench

// Cost of ddx's HTTP server middleware against its anchors, in one run:
//
//	cd bench && go test -run '^$' -bench BenchmarkHTTPServer -benchmem -count=6 | tee /tmp/http.txt
//
// BenchmarkHTTPServer gives each variant's time and allocations;
// BenchmarkHTTPServerRatio the ratios to httptrace, measured interleaved in
// wall time and in the CPU time of the serving thread (Linux), which is what
// to trust on a busy shared machine.
//
// Every variant serves the same ServeMux route (GET /users/{id}) with the
// same real dd-trace-go tracer, started once and sending to a local Agent
// that accepts and discards every payload, so the tracer's encoding and
// flushing costs are paid alike. Access logs go through ddx.NewHandler to
// io.Discard.

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	httptrace "github.com/DataDog/dd-trace-go/contrib/net/http/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	sloghttp "github.com/samber/slog-http"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware"
)

func userHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id":"`+r.PathValue("id")+`","name":"Ada"}`)
}

type httpVariant struct {
	name string
	h    http.Handler
}

func httpVariants() []httpVariant {
	logger := slog.New(ddx.NewHandler(io.Discard, nil))

	bare := http.NewServeMux()
	bare.HandleFunc("GET /users/{id}", userHandler)

	contrib := httptrace.NewServeMux()
	contrib.HandleFunc("GET /users/{id}", userHandler)

	return []httpVariant{
		{"bare-mux", bare},
		{"httptrace", contrib},
		// slog-http outermost: it measures its access-log cost; its lines
		// are not correlated (the span starts inside it).
		{"httptrace+slog-http", sloghttp.Recovery(sloghttp.New(logger)(contrib))},
		{"ddx-wrap", middleware.Wrap(bare, middleware.WithLogger(logger))},
		// Not an anchor: the middleware with logging disabled, to tell its
		// own cost from the log handler's.
		{"ddx-wrap-nolog", middleware.Wrap(bare, middleware.WithLogger(slog.New(slog.DiscardHandler)))},
	}
}

func benchRequest() *http.Request {
	req := httptest.NewRequest("GET", "/users/42", nil)
	req.Header.Set("User-Agent", "bench/1.0")
	req.Header.Set("X-Request-Id", "f3a1c9")
	return req
}

func BenchmarkHTTPServer(b *testing.B) {
	testagent.StartDiscarding(b, tracer.WithService("bench"))
	for _, v := range httpVariants() {
		b.Run(v.name, func(b *testing.B) {
			req := benchRequest()
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				v.h.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkHTTPServerRatio interleaves the variants in rounds of 256
// requests and reports each one's time relative to httptrace's: on a busy
// shared machine, drift then hits every variant alike, which separate
// sub-benchmarks cannot promise.
func BenchmarkHTTPServerRatio(b *testing.B) {
	testagent.StartDiscarding(b, tracer.WithService("bench"))
	variants := httpVariants()
	wall := make([]time.Duration, len(variants))
	cpu := make([]time.Duration, len(variants))
	req := benchRequest()
	w := &discardWriter{h: http.Header{}}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const round = 256
	for b.Loop() {
		for i, v := range variants {
			start, startCPU := time.Now(), threadCPU()
			for range round {
				clear(w.h)
				v.h.ServeHTTP(w, req)
			}
			cpu[i] += threadCPU() - startCPU
			wall[i] += time.Since(start)
		}
	}
	for i, v := range variants {
		if i != 1 {
			b.ReportMetric(float64(wall[i])/float64(wall[1]), v.name+"/httptrace-wall")
			b.ReportMetric(float64(cpu[i])/float64(cpu[1]), v.name+"/httptrace-cpu")
		}
	}
	b.ReportMetric(float64(cpu[1])/float64(b.N*round), "httptrace-cpu-ns/req")
	b.ReportMetric(float64(cpu[3])/float64(b.N*round), "ddx-cpu-ns/req")
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the handlers and not httptest.ResponseRecorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}
