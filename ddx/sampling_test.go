package ddx

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testlog"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTestSampler returns a logger over NewHandler with sampling, its
// output, its clock, and the sampler (whose summaries are written only by
// flush: the ticker is an hour).
func newTestSampler(t *testing.T) (*slog.Logger, *testlog.Buffer, *fakeClock, *sampler) {
	t.Helper()
	out := &testlog.Buffer{}
	h := NewHandler(out, &HandlerOptions{Level: slog.LevelDebug})
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := newSamplerClock(h, clock.now, time.Hour)
	t.Cleanup(s.close)
	return slog.New(s.handler(h)), out, clock, s
}

func accessAttrs(route string, status int, err error) []any {
	return []any{"http.method", "GET", "http.route", route, "http.status_code", status, "error", err}
}

func TestSamplingBurstThenSummary(t *testing.T) {
	l, out, clock, s := newTestSampler(t)
	mt := mocktracer.Start()
	defer mt.Stop()
	down := errors.E(errors.Op("prices.Fetch"), errors.Unavailable, "fetch prices")
	var firstSuppressed string
	for i := range 1000 {
		span, ctx := tracer.StartSpanFromContext(context.Background(), "req")
		if i == sampleBurst {
			firstSuppressed = span.Context().TraceID()
		}
		l.ErrorContext(ctx, "http request", accessAttrs("/prices", 503, down)...)
		span.Finish()
	}
	lines := out.Objects(t)
	if len(lines) != sampleBurst {
		t.Fatalf("wrote %d lines of one failure, want the burst of %d", len(lines), sampleBurst)
	}
	clock.add(sampleWindow)
	s.flush()
	lines = out.Objects(t)
	if len(lines) != sampleBurst+1 {
		t.Fatalf("want one summary after the window, got %d lines", len(lines)-sampleBurst)
	}
	sum := lines[sampleBurst]
	want := map[string]any{
		"message": summaryMessage, "status": "ERROR", "log.suppressed": 990.0,
		"log.suppressed_message": "http request", "error.kind": "Unavailable", "error.op": "prices.Fetch",
		"log.suppressed_route": "/prices", "log.suppressed_status": "503", "example.trace_id": firstSuppressed,
	}
	for k, v := range want {
		if sum[k] != v {
			t.Errorf("summary %s = %v, want %v", k, sum[k], v)
		}
	}
	// Nothing new suppressed: no second summary.
	clock.add(sampleWindow)
	s.flush()
	if n := len(out.Objects(t)); n != sampleBurst+1 {
		t.Errorf("an empty window wrote a summary: %d lines", n)
	}
	// A new window writes a new burst.
	for range 20 {
		l.Error("http request", accessAttrs("/prices", 503, down)...)
	}
	if n := len(out.Objects(t)); n != 2*sampleBurst+1 {
		t.Errorf("second window: %d lines, want %d", n, 2*sampleBurst+1)
	}
}

func TestSamplingNeverSuppresses(t *testing.T) {
	canceled := errors.E(errors.Op("h"), errors.Canceled)
	tests := []struct {
		name string
		log  func(l *slog.Logger, i int)
	}{
		{"distinct messages", func(l *slog.Logger, i int) { l.Error(fmt.Sprintf("failure %d", i)) }},
		{"distinct ops", func(l *slog.Logger, i int) {
			l.Error("failed", "error", errors.E(errors.Op(fmt.Sprintf("op%d", i)), errors.Internal))
		}},
		{"distinct routes", func(l *slog.Logger, i int) {
			l.Error("http request", accessAttrs(fmt.Sprintf("/r%d", i), 500, errors.New("x"))...)
		}},
		{"distinct statuses", func(l *slog.Logger, i int) {
			l.Warn("http request", accessAttrs("/r", 400+i%100, errors.E(errors.Invalid))...)
		}},
		{"INFO that is not an access line", func(l *slog.Logger, _ int) { l.Info("tick", "error", canceled) }},
		{"DEBUG", func(l *slog.Logger, _ int) { l.Debug("poll") }},
		{"INFO access line without an error", func(l *slog.Logger, _ int) {
			l.Info("http request", "http.route", "/ok", "http.status_code", 200)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, out, _, _ := newTestSampler(t)
			const n = 100
			for i := range n {
				tt.log(l, i)
			}
			if got := len(out.Objects(t)); got != n {
				t.Errorf("wrote %d of %d records", got, n)
			}
		})
	}
}

func TestSamplingSuppressesFailingAccessLinesBelowWarn(t *testing.T) {
	l, out, _, _ := newTestSampler(t)
	gone := errors.E(errors.Op("h"), errors.Canceled)
	for range 50 {
		l.Info("http request", accessAttrs("/slow", 499, gone)...)
	}
	if got := len(out.Objects(t)); got != sampleBurst {
		t.Errorf("wrote %d client-went-away lines, want %d", got, sampleBurst)
	}
	// The first occurrence of a new key is written at once.
	l.Warn("http request", accessAttrs("/slow", 404, errors.E(errors.NotFound))...)
	if got := len(out.Objects(t)); got != sampleBurst+1 {
		t.Errorf("a new key was not written: %d lines", got)
	}
}

func TestSamplingFinalSummaryOnClose(t *testing.T) {
	out := &testlog.Buffer{}
	h := NewHandler(out, nil)
	s := newSamplerClock(h, nil, time.Hour)
	l := slog.New(s.handler(h))
	for range 15 {
		l.Error("boom")
	}
	s.close()
	s.close() // twice is fine
	lines := out.Objects(t)
	if len(lines) != sampleBurst+1 || lines[sampleBurst]["log.suppressed"] != 5.0 {
		t.Errorf("close must write the last counts: %v", lines)
	}
}

// TestSamplingOddErrors: keys are made from errors whose methods panic
// without a panic reaching the caller.
func TestSamplingOddErrors(t *testing.T) {
	l, out, _, _ := newTestSampler(t)
	var nilErr *errors.Error
	for range 20 {
		l.Error("odd", "error", panicError{})
		l.Error("odd nil", "error", nilErr)
		l.Error("odd value", "error", slog.GroupValue())
	}
	if got := len(out.Objects(t)); got != 3*sampleBurst {
		t.Errorf("wrote %d lines, want %d", got, 3*sampleBurst)
	}
}

type panicError struct{}

func (panicError) Error() string { panic("Error broke") }
func (panicError) Unwrap() error { panic("Unwrap broke") }

func TestSamplingSlogtest(t *testing.T) {
	var buf bytes.Buffer
	var s *sampler
	slogtest.Run(t, func(t *testing.T) slog.Handler {
		buf.Reset()
		h := NewHandler(&buf, nil)
		s = newSamplerClock(h, nil, time.Hour)
		t.Cleanup(s.close)
		return s.handler(h)
	}, func(t *testing.T) map[string]any {
		ms := decodeLines(t, buf.Bytes())
		if len(ms) != 1 {
			t.Fatalf("%d lines", len(ms))
		}
		m := ms[0]
		// slogtest looks for slog's key names; ours are Datadog's.
		for dd, std := range map[string]string{keyTime: slog.TimeKey, keyLevel: slog.LevelKey, keyMessage: slog.MessageKey} {
			if v, ok := m[dd]; ok {
				delete(m, dd)
				m[std] = v
			}
		}
		return m
	})
}

func TestSamplingConcurrent(t *testing.T) {
	l, out, clock, s := newTestSampler(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				l.Error("same", "error", errors.E(errors.Op("op"), errors.Unavailable), "g", g)
			}
		}()
	}
	wg.Wait()
	clock.add(sampleWindow)
	s.flush()
	lines := out.Objects(t)
	if len(lines) != sampleBurst+1 || lines[sampleBurst]["log.suppressed"] != float64(8*200-sampleBurst) {
		t.Errorf("got %d lines, last %v", len(lines), lines[len(lines)-1])
	}
}

func TestLogSamplingSetting(t *testing.T) {
	tests := []struct {
		env  string
		opt  *bool
		want bool
		warn bool
	}{
		{"", nil, true, false},
		{"off", nil, false, false},
		{"false", nil, false, false},
		{"on", nil, true, false},
		{"maybe", nil, true, true},
		{"on", new(false), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv("DDX_LOG_SAMPLING", tt.env)
			c := &config{logSampling: tt.opt}
			if got := c.logSamplingEnabled(); got != tt.want {
				t.Errorf("enabled = %v, want %v", got, tt.want)
			}
			if (len(c.warnings) > 0) != tt.warn {
				t.Errorf("warnings = %q", c.warnings)
			}
		})
	}
}

// The key tells apart failures whose parts differ only in where one ends
// and the next begins, or in one part, whatever its length.
func TestSamplingKeyParts(t *testing.T) {
	t.Parallel()
	s := &sampler{seed: maphash.MakeSeed()}
	long := strings.Repeat("x", 300)
	type parts struct {
		msg, kind, op, route string
		status               slog.Value
	}
	cases := []parts{
		{"ab", "Unavailable", "c", "", slog.IntValue(503)},
		{"a", "Unavailable", "bc", "", slog.IntValue(503)},
		{"a", "Unavailable", "b", "c", slog.IntValue(503)},
		{"abc", "Unavailable", "", "", slog.IntValue(503)},
		{"abc", "Internal", "", "", slog.IntValue(503)},
		{"abc", "Unavailable", "", "", slog.IntValue(500)},
		{"abc", "Unavailable", "", "", slog.StringValue("Unavailable")},
		{long, "Unavailable", "", "", slog.IntValue(503)},
		{long + "y", "Unavailable", "", "", slog.IntValue(503)},
		{long, "Unavailable", "op", "", slog.IntValue(503)},
	}
	seen := map[uint64]parts{}
	for _, p := range cases {
		k := s.key(slog.LevelError, p.msg, p.kind, p.op, p.route, p.status)
		if k != s.key(slog.LevelError, p.msg, p.kind, p.op, p.route, p.status) {
			t.Errorf("key(%.10q…) is not stable", p.msg)
		}
		if q, dup := seen[k]; dup {
			t.Errorf("key(%.10q, %q, %q) = key(%.10q, %q, %q)", p.msg, p.op, p.route, q.msg, q.op, q.route)
		}
		seen[k] = p
		if s.key(slog.LevelWarn, p.msg, p.kind, p.op, p.route, p.status) == k {
			t.Errorf("key(%.10q…) ignores the level", p.msg)
		}
	}
}
