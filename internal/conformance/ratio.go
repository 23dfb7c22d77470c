package conformance

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/ddx-go/ddx/outcome"
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

// AccessLine writes, through l, the access line Wrap writes for a request
// that succeeded: an anchor that calls it after its request does the same
// logging work as the integration it is compared with. A nil l writes
// nothing.
func AccessLine(ctx context.Context, l *slog.Logger, r *http.Request, code int, route string, start time.Time) {
	if l == nil {
		return
	}
	now := time.Now()
	var buf [10]slog.Attr
	outcome.LogAt(ctx, l, now, slog.LevelInfo, outcome.HTTPAccessMessage, nil,
		outcome.HTTPAccessAttrs(buf[:0], r, code, route, now.Sub(start)))
}

// BenchBody is what every side's handler writes.
const BenchBody = `{"id":"42","name":"Ada"}`

// Ratio serves [BenchRequest] through side and anchor in interleaved rounds
// of 256 requests, the order alternating between rounds, and reports the
// CPU time of the serving thread per request of each (where the platform
// can tell it; wall time elsewhere), side's over anchor's as
// "<side>/<anchor>-cpu", and the allocations per request of each, counted
// before the timed rounds (see allocsPerRequest). On a busy
// shared machine, drift then hits both sides alike, which separate
// benchmarks cannot promise. Start the tracer first.
func Ratio(b *testing.B, side, anchor Side) {
	sides := [2]Side{side, anchor}
	var cpu, wall [2]time.Duration
	var allocs [2]float64
	req := BenchRequest()
	w := &discardWriter{h: http.Header{}}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const round = 256
	for i, s := range sides {
		allocs[i] = allocsPerRequest(s.H, req, w, round)
	}
	n := 0
	for r := 0; b.Loop(); r++ {
		for k := range 2 {
			i := (r + k) % 2
			h := sides[i].H
			start, startCPU := time.Now(), threadCPU()
			for range round {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
			cpu[i] += threadCPU() - startCPU
			wall[i] += time.Since(start)
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

// RatioSet runs the comparisons an integration's cost is reported by, each
// a [Ratio] in a sub-benchmark of its own. integration and anchor build the
// two handlers for a logger; an anchor given a logger writes the same
// access line through it (see [AccessLine]), one given nil writes none.
//
//   - "log": the integration as a service runs it, logging through h,
//     against the bare anchor;
//   - "nolog": the integration with logging off, against the bare anchor:
//     its own cost;
//   - "line": the anchor writing the access line through h, against the
//     bare anchor: what the line alone costs;
//   - "log-vs-line": the integration against the anchor that writes the
//     same line: the two doing the same work.
func RatioSet(b *testing.B, name string, integration, anchor func(*slog.Logger) http.Handler, h slog.Handler) {
	logged, off := slog.New(h), slog.New(slog.DiscardHandler)
	for _, c := range []struct {
		name         string
		side, anchor Side
	}{
		{"log", Side{name, integration(logged)}, Side{"httptrace", anchor(nil)}},
		{"nolog", Side{name, integration(off)}, Side{"httptrace", anchor(nil)}},
		{"line", Side{"httptrace+line", anchor(logged)}, Side{"httptrace", anchor(nil)}},
		{"log-vs-line", Side{name, integration(logged)}, Side{"httptrace+line", anchor(logged)}},
	} {
		b.Run(c.name, func(b *testing.B) { Ratio(b, c.side, c.anchor) })
	}
}

// allocsPerRequest counts h's heap allocations per request over a few
// rounds of its own, the fewest of any (the tracer's goroutines allocate
// too). It runs before the timed rounds: runtime.ReadMemStats stops the
// world, and between timed rounds it let them skip part of their garbage
// collection work, which halved the anchors' measured cost.
func allocsPerRequest(h http.Handler, req *http.Request, w *discardWriter, round int) float64 {
	best := -1.0
	var before, after runtime.MemStats
	for range 4 {
		runtime.ReadMemStats(&before)
		for range round {
			clear(w.h)
			h.ServeHTTP(w, req)
		}
		runtime.ReadMemStats(&after)
		if a := float64(after.Mallocs-before.Mallocs) / float64(round); best < 0 || a < best {
			best = a
		}
	}
	return best
}

// discardWriter keeps nothing, so that the benchmark measures the handlers
// and not httptest.ResponseRecorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

var _ io.Writer = (*discardWriter)(nil)
