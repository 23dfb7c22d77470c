package ddx

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ddx-go/ddx/errors"
)

// BenchmarkSampling is the cost of repeated-failure suppression on the
// hot path, against the handler alone in the same run: a failing access
// line that is written (its window restarts every record, so the whole key
// is computed and the line written) and one that is suppressed during an
// outage, and a successful access line, which is only scanned.
func BenchmarkSampling(b *testing.B) {
	down := errors.E(errors.Op("prices.Fetch"), errors.Unavailable, "fetch prices")
	failing := []slog.Attr{slog.String("http.method", "GET"), slog.String("http.route", "/prices"),
		slog.Int("http.status_code", 503), slog.Int64("duration", 1234567), slog.Any("error", down)}
	success := []slog.Attr{slog.String("http.method", "GET"), slog.String("http.route", "/ok"),
		slog.Int("http.status_code", 200), slog.Int64("duration", 1234567)}
	ctx := context.Background()
	h := NewHandler(io.Discard, nil)

	t0 := time.Now()
	ticking := func() time.Time { t0 = t0.Add(sampleWindow); return t0 } // every record a new window
	written := newSamplerClock(h, ticking, time.Hour)
	defer written.close()
	held := newSamplerClock(h, nil, time.Hour)
	defer held.close()

	for _, bc := range []struct {
		name  string
		l     *slog.Logger
		level slog.Level
		attrs []slog.Attr
	}{
		{"failure/handler", slog.New(h), slog.LevelError, failing},
		{"failure/sampled-written", slog.New(written.handler(h)), slog.LevelError, failing},
		{"failure/sampled-suppressed", slog.New(held.handler(h)), slog.LevelError, failing},
		{"success/handler", slog.New(h), slog.LevelInfo, success},
		{"success/sampled", slog.New(held.handler(h)), slog.LevelInfo, success},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.l.LogAttrs(ctx, bc.level, "http request", bc.attrs...)
			}
		})
	}
	// The sampling alone, on a prebuilt record: what the handler pays on
	// top of writing the line.
	for _, bc := range []struct {
		name  string
		s     *sampler
		level slog.Level
		attrs []slog.Attr
	}{
		{"failure/admit-written", written, slog.LevelError, failing},
		{"failure/admit-suppressed", held, slog.LevelError, failing},
		{"success/admit", held, slog.LevelInfo, success},
	} {
		r := slog.NewRecord(time.Now(), bc.level, "http request", 0)
		r.AddAttrs(bc.attrs...)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkBool = bc.s.admit(ctx, &r)
			}
		})
	}
	// The floor under admit for a failure: reading the record's attributes
	// and classifying its error, which any key of kind and status needs.
	r := slog.NewRecord(time.Now(), slog.LevelError, "http request", 0)
	r.AddAttrs(failing...)
	b.Run("failure/read-and-classify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var f failure
			f.read(&r)
			kind, _ := failureOf(f.err)
			sinkBool = kind != ""
		}
	})
}

var sinkBool bool
