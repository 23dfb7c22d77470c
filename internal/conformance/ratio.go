package conformance

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"
)

// Side is one side of a cost comparison: a handler serving the benchmark's
// request.
type Side struct {
	Name string
	H    http.Handler
}

// BenchRequest is the request every side serves: GET /users/42 with the
// headers a real client sends.
func BenchRequest() *http.Request {
	req := httptest.NewRequest("GET", "/users/42", nil)
	req.Header.Set("User-Agent", "bench/1.0")
	req.Header.Set("X-Request-Id", "f3a1c9")
	return req
}

// BenchBody is what every side's handler writes.
const BenchBody = `{"id":"42","name":"Ada"}`

// Ratio serves [BenchRequest] through side and anchor in interleaved rounds
// of 256 requests, the order alternating between rounds, and reports the
// CPU time of the serving thread per request of each (where the platform
// can tell it; wall time elsewhere), side's over anchor's as
// "<side>/<anchor>-cpu", and the allocations per request of each (the
// fewest of any round: the tracer's goroutines allocate too). On a busy
// shared machine, drift then hits both sides alike, which separate
// benchmarks cannot promise. Start the tracer first.
func Ratio(b *testing.B, side, anchor Side) {
	sides := [2]Side{side, anchor}
	var cpu, wall [2]time.Duration
	allocs := [2]float64{-1, -1}
	req := BenchRequest()
	w := &discardWriter{h: http.Header{}}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const round = 256
	var before, after runtime.MemStats
	n := 0
	for r := 0; b.Loop(); r++ {
		for k := range 2 {
			i := (r + k) % 2
			h := sides[i].H
			runtime.ReadMemStats(&before)
			start, startCPU := time.Now(), threadCPU()
			for range round {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
			cpu[i] += threadCPU() - startCPU
			wall[i] += time.Since(start)
			runtime.ReadMemStats(&after)
			a := float64(after.Mallocs-before.Mallocs) / round
			if allocs[i] < 0 || a < allocs[i] {
				allocs[i] = a
			}
		}
		n += round
	}
	b.ReportMetric(float64(cpu[0])/float64(cpu[1]), side.Name+"/"+anchor.Name+"-cpu")
	b.ReportMetric(float64(wall[0])/float64(wall[1]), side.Name+"/"+anchor.Name+"-wall")
	for i, s := range sides {
		b.ReportMetric(float64(cpu[i])/float64(n), s.Name+"-cpu-ns/req")
		b.ReportMetric(allocs[i], s.Name+"-allocs/req")
	}
	b.ReportMetric(0, "ns/op") // an iteration is a round of both sides: meaningless
}

// discardWriter keeps nothing, so that the benchmark measures the handlers
// and not httptest.ResponseRecorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

var _ io.Writer = (*discardWriter)(nil)
