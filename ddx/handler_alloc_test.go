//go:build !race

package ddx

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
)

// TestHandlerAllocs pins the cost of the common record: three attributes
// and a span in the context, with and without groups, through the
// redaction middleware. The issue allows one allocation; the handler
// itself makes none.
func TestHandlerAllocs(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	span, ctx := tracer.StartSpanFromContext(context.Background(), "op")
	defer span.Finish()

	opts := &HandlerOptions{Service: "shop", Env: "prod", Version: "1.0.0"}
	h := NewHandler(io.Discard, opts)
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "order paid", 0)
	r.AddAttrs(slog.String("method", "GET"), slog.Int("status", 200), slog.Duration("duration", time.Millisecond))

	tests := []struct {
		name string
		h    slog.Handler
		max  float64
	}{
		{"plain", h, 0},
		{"WithAttrs", h.WithAttrs([]slog.Attr{slog.String("route", "/orders/{id}")}), 0},
		{"WithGroup", h.WithGroup("http"), 0},
		{"WithGroup and WithAttrs", h.WithGroup("http").WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("req"), 0},
		// For people, not for speed: time.Duration.String allocates.
		{"text", newTextHandler(io.Discard, opts), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := testing.AllocsPerRun(200, func() {
				if err := tt.h.Handle(ctx, r); err != nil {
					t.Fatal(err)
				}
			})
			if got > tt.max {
				t.Errorf("%v allocations per record, want at most %v", got, tt.max)
			}
		})
	}

	t.Run("through slog.Logger", func(t *testing.T) {
		l := slog.New(h)
		got := testing.AllocsPerRun(200, func() {
			l.InfoContext(ctx, "order paid", "method", "GET", "status", 200, "duration", time.Millisecond)
		})
		// slog.Logger itself boxes the duration into an any: 1.
		if got > 1 {
			t.Errorf("%v allocations per call, want at most 1", got)
		}
	})
}
