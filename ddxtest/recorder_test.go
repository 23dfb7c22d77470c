package ddxtest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

// The headline: a request whose dependency is down logs an ERROR of kind
// Unavailable, joined to an error span, and health checks leave no trace.
func TestRequestThroughMiddleware(t *testing.T) {
	rec := ddxtest.Start(t, ddx.WithService("users"), ddx.WithEnv("test"))
	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if r.PathValue("id") == "7" {
			return errors.E(errors.Op("users.Get"), errors.Unavailable, "load user 7",
				fmt.Errorf("dial tcp 10.0.0.5:5432: connect: connection refused"))
		}
		_, err := io.WriteString(w, "ok\n")
		return err
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(middleware.Wrap(mux))
	defer srv.Close()

	for _, path := range []string{"/users/7", "/users/8", "/healthz"} {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
	}

	failed := rec.RequireSpan(t, ddxtest.Resource("GET /users/{id}"), ddxtest.IsError(), ddxtest.HTTPStatus(503))
	assert.Equal(t, "users", failed.Service)
	assert.Equal(t, "Unavailable", failed.Meta["error.kind"])
	line := rec.RequireLog(t, ddxtest.Level("ERROR"), ddxtest.Kind("Unavailable"), ddxtest.TraceID(failed.TraceID))
	assert.Equal(t, failed.TraceID, line.TraceID(), "the log line joins the trace")
	assert.Contains(t, fmt.Sprint(line["error"]), "connection refused")

	ok := rec.RequireSpan(t, ddxtest.Resource("GET /users/{id}"), ddxtest.Not(ddxtest.IsError()), ddxtest.HTTPStatus(200))
	rec.RequireLog(t, ddxtest.Level("INFO"), ddxtest.TraceID(ok.TraceID), ddxtest.HTTPStatus(200))
	rec.RequireNoSpan(t, ddxtest.Attr("http.url", srv.URL+"/healthz"))
	rec.RequireNoLog(t, ddxtest.Attr("http.url_details.path", "/healthz"))
}

func TestSpansAndLogsOfOwnCode(t *testing.T) {
	rec := ddxtest.Start(t)
	root, ctx := tracer.StartSpanFromContext(context.Background(), "job.run", tracer.ResourceName("sync.users"))
	child, cctx := tracer.StartSpanFromContext(ctx, "db.query", tracer.ResourceName("SELECT users"))
	slog.InfoContext(cctx, "synced", slog.Int("users", 42))
	child.Finish()
	root.Finish()

	spans := rec.WaitSpans(t, 2)
	require.Len(t, spans, 2)
	parent := rec.RequireSpan(t, ddxtest.Name("job.run"))
	kid := rec.RequireSpan(t, ddxtest.ChildOf(parent))
	assert.Equal(t, "SELECT users", kid.Resource)
	assert.Positive(t, kid.Duration)
	assert.False(t, kid.Start.IsZero())

	line := rec.RequireLog(t, ddxtest.Message("synced"), ddxtest.InSpan(kid), ddxtest.Attr("users", 42))
	assert.Equal(t, "INFO", line.Level())
	assert.Equal(t, root.Context().TraceID(), line.TraceID())
	assert.Len(t, rec.Logs(ddxtest.MessageContains("ddx started")), 1)

	rec.Reset()
	assert.Empty(t, rec.Spans())
	assert.Empty(t, rec.Logs())
	rec.RequireNoSpan(t)
}

func TestFlushDeliversEverySpanFinished(t *testing.T) {
	rec := ddxtest.Start(t)
	const n = 200
	for i := range n {
		s := tracer.StartSpan("tick", tracer.ResourceName(fmt.Sprint(i)))
		s.Finish()
	}
	rec.Flush(t)
	assert.Len(t, rec.Spans(ddxtest.Name("tick")), n, "after Flush, every finished span is at the Agent")
}

// fakeTB records failures instead of failing the real test. Fatalf ends the
// goroutine, as testing.T's does; run calls fn on its own goroutine for that.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	msgs     []string
	failed   bool
	cleanups []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
	f.failed = true
}
func (f *fakeTB) Log(args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, fmt.Sprint(args...))
}
func (f *fakeTB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

// run calls fn with f as its TB, then f's cleanups, and returns what was
// reported.
func (f *fakeTB) run(fn func(tb testing.TB)) string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	f.cleanups = nil
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.msgs, "\n")
}

func TestFailureMessagesListWhatWasSeen(t *testing.T) {
	tests := []struct {
		name string
		do   func(rec *ddxtest.Recorder, tb testing.TB)
		want []string
	}{
		{
			name: "no such span",
			do: func(rec *ddxtest.Recorder, tb testing.TB) {
				tracer.StartSpan("web.request", tracer.ResourceName("GET /a")).Finish()
				settle(rec, tb)
				rec.RequireSpan(tb, ddxtest.Resource("GET /a"), ddxtest.IsError())
			},
			want: []string{`no span matched Resource("GET /a"), IsError() within 300ms; 1 spans received`,
				`web.request "GET /a" service=`, "fails IsError()"},
		},
		{
			name: "no such log line",
			do: func(rec *ddxtest.Recorder, tb testing.TB) {
				slog.Warn("disk almost full", slog.Int("free_mb", 12))
				rec.RequireLog(tb, ddxtest.Level("ERROR"), ddxtest.Kind("Unavailable"))
			},
			want: []string{`no log line matched Level("ERROR"), Kind("Unavailable") within 300ms`,
				`"message":"disk almost full"`, `fails Level("ERROR")`,
				// On failure the whole log is shown with the test's output.
				"log lines were written"},
		},
		{
			name: "unexpected span",
			do: func(rec *ddxtest.Recorder, tb testing.TB) {
				tracer.StartSpan("web.request", tracer.ResourceName("GET /healthz")).Finish()
				rec.RequireNoSpan(tb, ddxtest.Resource("GET /healthz"))
			},
			want: []string{`RequireNoSpan: 1 spans matched Resource("GET /healthz"), want none`, `"GET /healthz"`},
		},
		{
			name: "unexpected log line",
			do: func(rec *ddxtest.Recorder, tb testing.TB) {
				slog.Error("boom")
				rec.RequireNoLog(tb, ddxtest.Level("ERROR"))
			},
			want: []string{`RequireNoLog: 1 log lines matched Level("ERROR"), want none`, `"message":"boom"`},
		},
		{
			name: "too few spans",
			do: func(rec *ddxtest.Recorder, tb testing.TB) {
				tracer.StartSpan("only").Finish()
				settle(rec, tb)
				rec.WaitSpans(tb, 2)
			},
			want: []string{"WaitSpans: 1 spans received within 300ms, want at least 2", "only"},
		},
		{
			name: "log matcher on spans",
			do: func(rec *ddxtest.Recorder, tb testing.TB) {
				rec.RequireSpan(tb, ddxtest.Resource("x"), ddxtest.Level("ERROR"))
			},
			want: []string{`RequireSpan: Level("ERROR") applies to log lines, not spans`},
		},
		{
			name: "span matcher on logs",
			do: func(rec *ddxtest.Recorder, tb testing.TB) {
				rec.RequireLog(tb, ddxtest.IsError())
			},
			want: []string{`RequireLog: IsError() applies to spans, not log lines`},
		},
		{
			name: "zero matcher",
			do: func(rec *ddxtest.Recorder, tb testing.TB) {
				rec.RequireNoLog(tb, ddxtest.Matcher{}, ddxtest.LogFunc("custom", nil))
			},
			want: []string{`"" (a zero or nil-func Matcher)`, `"LogFunc(custom, nil)" (a zero or nil-func Matcher)`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeTB{TB: t}
			got := f.run(func(tb testing.TB) {
				rec := ddxtest.Start(tb)
				rec.SetTimeout(300 * time.Millisecond)
				tc.do(rec, tb)
				tb.Errorf("the assertion did not fail")
			})
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
			assert.NotContains(t, got, "did not fail")
		})
	}
}

// settle waits, with the default timeout, until the spans finished so far
// have arrived, so that a failure message lists them even on a slow
// machine; then it restores the test's short timeout.
func settle(rec *ddxtest.Recorder, tb testing.TB) {
	rec.SetTimeout(0)
	rec.Flush(tb)
	rec.SetTimeout(300 * time.Millisecond)
}

func TestStartRefusesMisuse(t *testing.T) {
	t.Run("two recorders", func(t *testing.T) {
		f := &fakeTB{TB: t}
		got := f.run(func(tb testing.TB) {
			ddxtest.Start(tb)
			ddxtest.Start(tb)
		})
		assert.Contains(t, got, "while the Recorder of TestStartRefusesMisuse/two_recorders is still running")
	})
	t.Run("ddx started elsewhere", func(t *testing.T) {
		rt := ddx.Start(ddx.WithLogWriter(io.Discard), ddx.WithTracing(false), ddx.WithProfiling(false), ddx.WithMemoryLimitRatio(0))
		defer rt.Stop()
		f := &fakeTB{TB: t}
		got := f.run(func(tb testing.TB) { ddxtest.Start(tb) })
		assert.Contains(t, got, "while ddx is already running: something called ddx.Start")
	})
	t.Run("parallel", func(t *testing.T) {
		t.Run("inner", func(t *testing.T) {
			t.Parallel()
			f := &fakeTB{TB: t}
			got := f.run(func(tb testing.TB) { ddxtest.Start(tb) })
			assert.Contains(t, got, "ddxtest: Start in a parallel test")
			assert.Contains(t, got, "must not call t.Parallel")
		})
	})
	// After each refusal the next Start works: nothing was left running.
	rec := ddxtest.Start(t)
	tracer.StartSpan("after").Finish()
	rec.RequireSpan(t, ddxtest.Name("after"))
}

func TestOptionsOverrideDefaults(t *testing.T) {
	rec := ddxtest.Start(t, ddx.WithService("billing"), ddx.WithVersion("9.9.9"), ddx.WithLogLevel(slog.LevelDebug))
	slog.Debug("visible at debug")
	tracer.StartSpan("x").Finish()
	line := rec.RequireLog(t, ddxtest.Message("visible at debug"), ddxtest.Service("billing"))
	assert.Equal(t, "9.9.9", line["dd.version"])
	rec.RequireSpan(t, ddxtest.Name("x"), ddxtest.Service("billing"))
	assert.Same(t, rec.Logger(), slog.Default())
}
