package bench

// Benchmarks of ddx.NewHandler against slog's JSONHandler and dd-trace-go's
// contrib/log/slog WrapHandler over the same JSONHandler, run in one
// process so the ratios hold on a noisy machine:
//
//	cd bench && go test -run '^$' -bench 'Handler' -benchmem -count=6 . | tee handler.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /h handler.txt
//
// The record is the one the issue names: three attributes and a span in
// the context (from the mock tracer: a real *tracer.Span without an Agent).
// "Handle" calls the handler directly with a prepared record, which is what
// the handlers cost; "Logger" goes through slog.Logger.LogAttrs, which adds
// the same record construction and caller lookup to every handler.
// Everything writes to io.Discard.

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	ddslog "github.com/DataDog/dd-trace-go/contrib/log/slog/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/ddx"
)

func BenchmarkHandler(b *testing.B) {
	mt := mocktracer.Start()
	defer mt.Stop()
	span, ctx := tracer.StartSpanFromContext(context.Background(), "http.request")
	defer span.Finish()

	handlers := []struct {
		name string
		h    slog.Handler
	}{
		{"ddx", ddx.NewHandler(io.Discard, &ddx.HandlerOptions{Service: "shop", Env: "prod", Version: "1.4.2"})},
		{"slogJSON", slog.NewJSONHandler(io.Discard, nil)},
		{"ddtraceWrap", ddslog.WrapHandler(slog.NewJSONHandler(io.Discard, nil))},
	}
	attrs := []slog.Attr{
		slog.String("method", "GET"),
		slog.Int("status", 200),
		slog.Duration("duration", 1234567*time.Nanosecond),
	}
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "order paid", 0)
	r.AddAttrs(attrs...)

	for _, shape := range []string{"plain", "WithGroup"} {
		for _, hh := range handlers {
			h := hh.h
			if shape == "WithGroup" {
				h = h.WithGroup("http")
			}
			b.Run("path=Handle/shape="+shape+"/h="+hh.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := h.Handle(ctx, r); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("path=Logger/shape="+shape+"/h="+hh.name, func(b *testing.B) {
				l := slog.New(h)
				b.ReportAllocs()
				for b.Loop() {
					l.LogAttrs(ctx, slog.LevelInfo, "order paid", attrs...)
				}
			})
		}
	}
}
