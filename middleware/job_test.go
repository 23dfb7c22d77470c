package middleware_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
)

// jobSpan returns the one finished job span whose resource is name.
func jobSpan(t *testing.T, mt mocktracer.Tracer, name string) *mocktracer.Span {
	t.Helper()
	var found []*mocktracer.Span
	for _, s := range mt.FinishedSpans() {
		if s.OperationName() == "job.run" && spanTag(s, ext.ResourceName) == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want 1 job span %q, got %d", name, len(found))
	}
	return found[0]
}

// jobLines returns the job log lines of name.
func jobLines(logs *testlog.Records, name string) []testlog.Record {
	var out []testlog.Record
	for _, l := range logs.Lines() {
		if v, ok := l.Attrs["job.name"]; ok && v.String() == name {
			out = append(out, l)
		}
	}
	return out
}

// panicsInJob panics from a frame of its own, which the stack must show.
func panicsInJob(v any) { panic(v) }

func TestRunJob(t *testing.T) {
	mt := mocktracer.Start()
	t.Cleanup(mt.Stop)
	logs := &testlog.Records{}
	log := middleware.WithLogger(slog.New(logs))
	sentinel := errors.New("disk full")

	cases := []struct {
		name      string
		fn        func(context.Context) error
		kind      string // "" for success
		spanError bool
		level     slog.Level
		stackHas  string // a frame error.stack must show; "" for no check
		stopped   bool   // the job's context is canceled: a shutdown
		returned  string // the kind of the error RunJob returns, when not kind
	}{
		{name: "ok", fn: func(context.Context) error { return nil }, level: slog.LevelInfo},
		{
			name: "nothing to do", fn: func(context.Context) error { return errors.E(errors.NotFound, "no pending invoices") },
			kind: "NotFound", level: slog.LevelWarn,
		},
		{
			name: "shutdown", fn: func(ctx context.Context) error { return fmt.Errorf("sweep: %w", ctx.Err()) },
			kind: "Canceled", level: slog.LevelInfo, stopped: true,
		},
		{
			// Its own context, canceled while nobody stopped the job: a
			// failure, not a shutdown. RunJob returns the job's error as it is.
			name: "own context canceled",
			fn: func(ctx context.Context) error {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return fmt.Errorf("sweep: %w", ctx.Err())
			},
			kind: "Internal", spanError: true, level: slog.LevelError, returned: "Canceled",
		},
		{
			name: "dependency down",
			fn: func(context.Context) error {
				return errors.E(errors.Op("billing.Sweep"), errors.Unavailable, errors.New("dial tcp 10.0.0.5:5432: connection refused"))
			},
			kind: "Unavailable", spanError: true, level: slog.LevelError, stackHas: "middleware_test.TestRunJob",
		},
		{
			name: "plain error", fn: func(context.Context) error { return sentinel },
			kind: "Internal", spanError: true, level: slog.LevelError,
		},
		{
			name: "panic", fn: func(context.Context) error { panicsInJob("nil map"); return nil },
			kind: "Internal", spanError: true, level: slog.LevelError, stackHas: "panicsInJob",
		},
		{
			name: "panic with error", fn: func(context.Context) error { panicsInJob(sentinel); return nil },
			kind: "Internal", spanError: true, level: slog.LevelError, stackHas: "panicsInJob",
		},
		{
			// A panic is a bug even when its value says NotFound.
			name: "panic with an expected kind", fn: func(context.Context) error { panicsInJob(errors.E(errors.NotFound, "gone")); return nil },
			kind: "Internal", spanError: true, level: slog.LevelError, stackHas: "panicsInJob",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var inner *tracer.Span
			parent, stop := context.WithCancel(context.Background())
			defer stop()
			if tc.stopped {
				stop()
			}
			err := middleware.RunJob(parent, tc.name, func(ctx context.Context) error {
				inner, _ = tracer.SpanFromContext(ctx)
				return tc.fn(ctx)
			}, log)
			if (err == nil) != (tc.kind == "") {
				t.Fatalf("RunJob = %v, want kind %q", err, tc.kind)
			}
			returned := tc.kind
			if tc.returned != "" {
				returned = tc.returned
			}
			if err != nil && errors.KindOf(err).String() != returned {
				t.Errorf("KindOf = %v, want %s", errors.KindOf(err), returned)
			}
			if tc.name == "plain error" || tc.name == "panic with error" {
				if !errors.Is(err, sentinel) {
					t.Errorf("RunJob = %v, does not wrap the job's error", err)
				}
			}

			span := jobSpan(t, mt, tc.name)
			if inner == nil || inner.Context().SpanID() != span.SpanID() {
				t.Error("fn's context does not carry the job span")
			}
			if got := spanTag(span, "job.name"); got != tc.name {
				t.Errorf("job.name tag = %q", got)
			}
			if spanIsError(span) != tc.spanError {
				t.Errorf("span error = %v, want %v; tags %v", spanIsError(span), tc.spanError, span.Tags())
			}
			if got := spanTag(span, "error.kind"); got != tc.kind {
				t.Errorf("span error.kind = %q, want %q", got, tc.kind)
			}
			if tc.stackHas != "" && !strings.Contains(spanTag(span, ext.ErrorStack), tc.stackHas) {
				t.Errorf("error.stack lacks %s:\n%s", tc.stackHas, spanTag(span, ext.ErrorStack))
			}

			lines := jobLines(logs, tc.name)
			if len(lines) != 1 {
				t.Fatalf("want 1 log line, got %d", len(lines))
			}
			l := lines[0]
			if l.Level != tc.level || l.Message != "job run" {
				t.Errorf("log line %q at %v, want \"job run\" at %v", l.Message, l.Level, tc.level)
			}
			if l.SpanID != span.SpanID() {
				t.Error("log line is not joined to the job span")
			}
			if d := l.Attrs["duration"]; d.Kind() != slog.KindInt64 || d.Int64() <= 0 {
				t.Errorf("duration = %v", d)
			}
			if e, ok := l.Attrs["error"]; (tc.kind != "") != ok {
				t.Errorf("log error attr = %v, want one: %v", e, tc.kind != "")
			}
		})
	}
}

func TestRunJobIsChildOfCaller(t *testing.T) {
	mt := mocktracer.Start()
	t.Cleanup(mt.Stop)
	parent, ctx := tracer.StartSpanFromContext(context.Background(), "http.request")
	_ = middleware.RunJob(ctx, "child job", func(context.Context) error { return nil },
		middleware.WithLogger(slog.New(&testlog.Records{})), middleware.WithService("billing-worker"))
	parent.Finish()
	span := jobSpan(t, mt, "child job")
	if span.ParentID() != parent.Context().SpanID() {
		t.Error("job span is not a child of the caller's span")
	}
	if got := spanTag(span, ext.ServiceName); got != "billing-worker" {
		t.Errorf("service = %q", got)
	}
	// nil ctx is tolerated.
	//lint:ignore SA1012 on purpose
	if err := middleware.RunJob(nil, "nil ctx", func(context.Context) error { return nil },
		middleware.WithLogger(slog.New(&testlog.Records{}))); err != nil {
		t.Error(err)
	}
}

func TestEvery(t *testing.T) {
	mt := mocktracer.Start()
	t.Cleanup(mt.Stop)
	logs := &testlog.Records{}
	ctx, cancel := context.WithCancel(context.Background())
	var runs, running, overlap atomic.Int32
	done := make(chan error, 1)
	go func() {
		done <- middleware.Every(ctx, 5*time.Millisecond, "tick", func(ctx context.Context) error {
			if running.Add(1) > 1 {
				overlap.Add(1)
			}
			defer running.Add(-1)
			n := runs.Add(1)
			time.Sleep(8 * time.Millisecond) // longer than the interval
			switch n {
			case 1:
				panicsInJob("first tick broke") // the loop goes on
			case 2:
				return errors.E(errors.Unavailable, "db down")
			}
			return nil
		}, middleware.WithLogger(slog.New(logs)))
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runs.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled { //nolint:errorlint // ctx.Err() is returned as is
			t.Errorf("Every = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Every did not return after cancel")
	}
	after := runs.Load()
	if after < 4 {
		t.Fatalf("only %d runs", after)
	}
	time.Sleep(30 * time.Millisecond)
	if runs.Load() != after {
		t.Error("a run started after Every returned")
	}
	if overlap.Load() != 0 {
		t.Error("runs overlapped")
	}
	lines := jobLines(logs, "tick")
	if len(lines) != int(after) {
		t.Errorf("%d log lines for %d runs", len(lines), after)
	}
	if lines[0].Level != slog.LevelError || lines[1].Level != slog.LevelError || lines[2].Level != slog.LevelInfo {
		t.Errorf("levels %v %v %v, want ERROR ERROR INFO", lines[0].Level, lines[1].Level, lines[2].Level)
	}
}

func TestEveryStopsAtOnceWhenCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := middleware.Every(ctx, time.Nanosecond, "never", func(context.Context) error { ran = true; return nil },
		middleware.WithLogger(slog.New(&testlog.Records{})))
	if err != context.Canceled || ran { //nolint:errorlint // ctx.Err() is returned as is
		t.Errorf("Every on a done context = %v, ran %v", err, ran)
	}
}

func TestJobProgrammerErrors(t *testing.T) {
	t.Parallel()
	fn := func(context.Context) error { return nil }
	for name, call := range map[string]func(){
		"RunJob nil fn":  func() { _ = middleware.RunJob(context.Background(), "x", nil) },
		"Every nil fn":   func() { _ = middleware.Every(context.Background(), time.Second, "x", nil) },
		"Every zero":     func() { _ = middleware.Every(context.Background(), 0, "x", fn) },
		"Every negative": func() { _ = middleware.Every(context.Background(), -time.Second, "x", fn) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				p := recover()
				if s, _ := p.(string); !strings.HasPrefix(s, "ddx/middleware: ") {
					t.Errorf("panic = %v, want a ddx/middleware message", p)
				}
			}()
			call()
		})
	}
}
