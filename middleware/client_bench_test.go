package middleware_test

// Cost of the outbound HTTP transport and of RunJob against their anchors,
// in one run:
//
//	go test -run '^$' -bench 'BenchmarkClient|BenchmarkJob' -benchmem -count=5 ./middleware
//
// Every variant uses the same real dd-trace-go tracer, sending to a local
// Agent that discards every payload, so encoding and flushing are paid
// alike. The client variants call the same httptest server on 127.0.0.1
// over kept-alive connections; the network round trip dominates.

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	httptrace "github.com/DataDog/dd-trace-go/contrib/net/http/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware"
)

func BenchmarkClient(b *testing.B) {
	testagent.StartDiscarding(b, tracer.WithService("bench"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"id":42}`)
	}))
	b.Cleanup(srv.Close)

	variants := []struct {
		name string
		rt   func(base http.RoundTripper) http.RoundTripper
	}{
		{"bare", func(base http.RoundTripper) http.RoundTripper { return base }},
		{"httptrace", func(base http.RoundTripper) http.RoundTripper { return httptrace.WrapRoundTripper(base) }},
		{"ddx", func(base http.RoundTripper) http.RoundTripper { return middleware.Transport(base) }},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			base := &http.Transport{}
			b.Cleanup(base.CloseIdleConnections)
			c := &http.Client{Transport: v.rt(base)}
			ctx := middleware.WithRoute(context.Background(), "/users/{id}")
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/users/42", nil)
			b.ReportAllocs()
			for b.Loop() {
				resp, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

// BenchmarkClientRefused is the failure path: a refused connection, which
// ddx turns into a classified error with a stack.
func BenchmarkClientRefused(b *testing.B) {
	testagent.StartDiscarding(b, tracer.WithService("bench"))
	addr := closedAddrB(b)
	for _, v := range []struct {
		name string
		rt   http.RoundTripper
	}{
		{"httptrace", httptrace.WrapRoundTripper(&http.Transport{})},
		{"ddx", middleware.Transport(&http.Transport{})},
	} {
		b.Run(v.name, func(b *testing.B) {
			req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/x", nil)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.rt.RoundTrip(req); err == nil {
					b.Fatal("no error")
				}
			}
		})
	}
}

func closedAddrB(b *testing.B) string {
	b.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close()
	return addr
}

// BenchmarkJob compares RunJob (span, recovery, Kind rules, one log line
// through ddx.NewHandler to io.Discard) with a bare span around the same
// function, for a job that succeeds and one that fails.
func BenchmarkJob(b *testing.B) {
	testagent.StartDiscarding(b, tracer.WithService("bench"))
	logger := middleware.WithLogger(slog.New(ddx.NewHandler(io.Discard, nil)))
	fail := errors.E(errors.Op("billing.Sweep"), errors.Unavailable, "db down")
	for _, outcome := range []struct {
		name string
		fn   func(context.Context) error
	}{
		{"ok", func(context.Context) error { return nil }},
		{"error", func(context.Context) error { return fail }},
	} {
		b.Run(outcome.name+"/span", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				span, ctx := tracer.StartSpanFromContext(context.Background(), "job.run", tracer.ResourceName("sweep"))
				err := outcome.fn(ctx)
				span.Finish(tracer.WithError(err))
			}
		})
		b.Run(outcome.name+"/ddx", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = middleware.RunJob(context.Background(), "sweep", outcome.fn, logger)
			}
		})
	}
}

// interleave runs anchor and ddx alternately, swapping their order every
// iteration, and reports ddx's total time over anchor's: on a shared,
// noisy machine the two see the same disturbances, so the ratio is steadier
// than two separate benchmarks' times.
func interleave(b *testing.B, anchor, ddx func()) {
	b.Helper()
	var ta, td time.Duration
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			t0 := time.Now()
			anchor()
			t1 := time.Now()
			ddx()
			ta, td = ta+t1.Sub(t0), td+time.Since(t1)
		} else {
			t0 := time.Now()
			ddx()
			t1 := time.Now()
			anchor()
			td, ta = td+t1.Sub(t0), ta+time.Since(t1)
		}
	}
	if ta > 0 {
		b.ReportMetric(float64(td)/float64(ta), "ddx/anchor")
	}
}

// BenchmarkClientRatio is Transport over httptrace.WrapRoundTripper,
// interleaved, for a 200 and for a refused connection.
func BenchmarkClientRatio(b *testing.B) {
	testagent.StartDiscarding(b, tracer.WithService("bench"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"id":42}`)
	}))
	b.Cleanup(srv.Close)
	refused := closedAddrB(b)
	for _, target := range []struct{ name, url string }{
		{"ok", srv.URL + "/users/42"},
		{"refused", "http://" + refused + "/users/42"},
	} {
		b.Run(target.name, func(b *testing.B) {
			call := func(rt http.RoundTripper) func() {
				c := &http.Client{Transport: rt}
				req, _ := http.NewRequest(http.MethodGet, target.url, nil)
				return func() {
					if resp, err := c.Do(req); err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
			}
			a, d := &http.Transport{}, &http.Transport{}
			b.Cleanup(a.CloseIdleConnections)
			b.Cleanup(d.CloseIdleConnections)
			interleave(b, call(httptrace.WrapRoundTripper(a)), call(middleware.Transport(d)))
		})
	}
}

// BenchmarkJobRatio is RunJob over a bare span around the same function,
// interleaved.
func BenchmarkJobRatio(b *testing.B) {
	testagent.StartDiscarding(b, tracer.WithService("bench"))
	logger := middleware.WithLogger(slog.New(ddx.NewHandler(io.Discard, nil)))
	fail := errors.E(errors.Op("billing.Sweep"), errors.Unavailable, "db down")
	for _, outcome := range []struct {
		name string
		fn   func(context.Context) error
	}{
		{"ok", func(context.Context) error { return nil }},
		{"error", func(context.Context) error { return fail }},
	} {
		b.Run(outcome.name, func(b *testing.B) {
			interleave(b, func() {
				span, ctx := tracer.StartSpanFromContext(context.Background(), "job.run", tracer.ResourceName("sweep"))
				span.Finish(tracer.WithError(outcome.fn(ctx)))
			}, func() {
				_ = middleware.RunJob(context.Background(), "sweep", outcome.fn, logger)
			})
		})
	}
}
