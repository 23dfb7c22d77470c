//go:build !race

package ddx

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ddx-go/ddx/errors"
)

// TestSamplingAllocs: counting a failure costs no allocation once its key
// is known, whether the record is written or suppressed, and a record that
// is no failure costs none either.
func TestSamplingAllocs(t *testing.T) {
	h := NewHandler(io.Discard, nil)
	s := newSamplerClock(h, nil, time.Hour)
	defer s.close()
	l := slog.New(s.handler(h))
	down := errors.E(errors.Op("prices.Fetch"), errors.Unavailable, "fetch prices")
	ctx := context.Background()
	cases := map[string]func(){
		"failure": func() {
			l.LogAttrs(ctx, slog.LevelError, "http request", slog.String("http.route", "/prices"),
				slog.Int("http.status_code", 503), slog.Any("error", down))
		},
		"success access line": func() {
			l.LogAttrs(ctx, slog.LevelInfo, "http request", slog.String("http.route", "/ok"), slog.Int("http.status_code", 200))
		},
	}
	for name, f := range cases {
		f() // the key's first record creates its entry
		if n := testing.AllocsPerRun(200, f); n != 0 {
			t.Errorf("%s: %v allocations per record, want 0", name, n)
		}
	}
}
