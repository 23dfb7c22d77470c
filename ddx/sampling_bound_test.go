package ddx

import (
	"context"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ddx-go/ddx/errors"
)

// clientText is a distinct message of n bytes, as when a handler logs
// what a client sent: a fresh string each call, sharing no memory.
func clientText(i, n int) string {
	prefix := "bad request: " + strconv.Itoa(i) + " "
	if len(prefix) >= n {
		return prefix
	}
	return prefix + clientPad[:n-len(prefix)] // the concatenation copies
}

var clientPad = strings.Repeat("x", 64<<10)

// enabledDiscard takes every record and writes none (slog.DiscardHandler
// is not enabled, so a logger over it makes no records).
type enabledDiscard struct{}

func (enabledDiscard) Enabled(context.Context, slog.Level) bool  { return true }
func (enabledDiscard) Handle(context.Context, slog.Record) error { return nil }
func (d enabledDiscard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d enabledDiscard) WithGroup(string) slog.Handler           { return d }

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestSamplingStateBoundedInBytes: what the sampler keeps of records with
// large, distinct, client-controlled messages is bounded in bytes, not
// only in count: 20,000 WARN messages of 16 KiB each held ~290 MiB for the
// minute a key is remembered (issue 21, item 12).
func TestSamplingStateBoundedInBytes(t *testing.T) {
	// What is written does not matter here, only what the sampler keeps.
	var h slog.Handler = enabledDiscard{}
	s := newSamplerClock(h, nil, time.Hour)
	defer s.close()
	l := slog.New(s.handler(h))
	before := heapInUse()
	for i := range 20000 {
		l.Warn(clientText(i, 16<<10))
	}
	held := int64(heapInUse()) - int64(before)
	runtime.KeepAlive(s)
	t.Logf("sampler state after 20,000 distinct 16 KiB messages: %.1f MiB held", float64(held)/(1<<20))
	const bound = 4 << 20 // 4,096 entries of under a KiB each
	if held > bound {
		t.Errorf("the sampler holds %.1f MiB, want at most %d MiB", float64(held)/(1<<20), bound>>20)
	}
}

// TestSamplingFullTable: once the table is full of one-off records (client
// text in the message, say), a real repeated failure is still suppressed,
// and a count is never lost when its key is forgotten to make room
// (issue 21, item 12: 1,000 of 1,000 were written).
func TestSamplingFullTable(t *testing.T) {
	down := errors.E(errors.Op("prices.Fetch"), errors.Unavailable, "fetch prices")
	real := func(l *slog.Logger) { l.Error("http request", accessAttrs("/prices", 503, down)...) }
	noise := func(l *slog.Logger, i int) { l.Warn(clientText(i, 64)) }
	tests := []struct {
		name        string
		run         func(l *slog.Logger)
		sent        int // records of the real failure
		wantWritten int // lines of the real failure
	}{
		{"filled first", func(l *slog.Logger) {
			for i := range 8000 { // 500 a shard, for 256 places
				noise(l, i)
			}
			for range 1000 {
				real(l)
			}
		}, 1000, sampleBurst},
		{"filled while it repeats", func(l *slog.Logger) {
			for i := range 8000 {
				noise(l, i)
				if i%8 == 0 {
					real(l)
				}
			}
		}, 1000, sampleBurst},
		{"forgotten with a count", func(l *slog.Logger) {
			for range 15 {
				real(l)
			}
			for i := range 8000 { // every shard's table turns over
				noise(l, i)
			}
			for range 15 {
				real(l) // a new key: a new burst
			}
		}, 30, 2 * sampleBurst},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, out, _, s := newTestSampler(t)
			tt.run(l)
			s.close()
			written, suppressed, total := 0, 0.0, 0
			for _, line := range out.Objects(t) {
				switch {
				case line["message"] == "http request":
					written++
				case line["message"] == summaryMessage && line["log.suppressed_message"] == "http request":
					suppressed += line["log.suppressed"].(float64)
				}
				total++
			}
			if written != tt.wantWritten {
				t.Errorf("wrote %d lines of the repeated failure, want %d", written, tt.wantWritten)
			}
			if int(suppressed)+written != tt.sent {
				t.Errorf("written %d + suppressed %v != %d records of the failure", written, suppressed, tt.sent)
			}
			if total == 0 {
				t.Fatal("nothing written")
			}
		})
	}
}

// TestSamplingSummaryExample: the summary names a long message by a
// truncated example that is still valid UTF-8, and the sampler keeps no
// reference to the record's own string.
func TestSamplingSummaryExample(t *testing.T) {
	tests := []struct {
		name, msg string
	}{
		{"short", "db down"},
		{"long ASCII", strings.Repeat("a", 10000)},
		{"long multibyte", strings.Repeat("é", 5000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, out, _, s := newTestSampler(t)
			for range sampleBurst + 1 {
				l.Error(tt.msg)
			}
			s.flush()
			lines := out.Objects(t)
			got, _ := lines[len(lines)-1]["log.suppressed_message"].(string)
			if len(tt.msg) <= sampleExampleBytes {
				if got != tt.msg {
					t.Errorf("example = %q, want the message", got)
				}
				return
			}
			if len(got) > sampleExampleBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") ||
				!strings.HasPrefix(tt.msg, strings.TrimSuffix(got, "…")) {
				t.Errorf("example of %d bytes = %.40q… (%d bytes)", len(tt.msg), got, len(got))
			}
		})
	}
}

// TestSamplingFullTableConcurrent: keys forgotten to make room while other
// goroutines count them lose no count.
func TestSamplingFullTableConcurrent(t *testing.T) {
	l, out, _, s := newTestSampler(t)
	down := errors.E(errors.Op("prices.Fetch"), errors.Unavailable, "fetch prices")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				l.Warn(clientText(g*10000+i, 64))
				l.Error("http request", accessAttrs("/prices", 503, down)...)
			}
		})
	}
	wg.Wait()
	s.close()
	written, suppressed := 0, 0.0
	for _, line := range out.Objects(t) {
		switch {
		case line["message"] == "http request":
			written++
		case line["message"] == summaryMessage:
			suppressed += line["log.suppressed"].(float64)
		}
	}
	// Between two records of the failure come at most 4 others, never the
	// 256 of a shard that would make it forgotten: one burst is written.
	if written+int(suppressed) != 4*2000 || written != sampleBurst {
		t.Errorf("written %d + suppressed %v, want 8000 with a burst of %d written", written, suppressed, sampleBurst)
	}
}
