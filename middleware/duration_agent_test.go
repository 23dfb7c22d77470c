package middleware_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
)

// TestOneDurationRealTracer: the access line's duration and the span's, as
// the Agent receives it, are one measure, to the nanosecond, for a request
// and for a job run.
func TestOneDurationRealTracer(t *testing.T) {
	agent := testagent.Start(t)
	testagent.StartTracer(t, agent, tracer.WithService("duration-test"))

	logs := &testlog.Records{}
	log := slog.New(logs)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
	})
	mux.Handle("GET /fails", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return errors.E(errors.Unavailable, "down")
	}))
	srv := httptest.NewServer(middleware.Wrap(mux, middleware.WithLogger(log)))
	t.Cleanup(srv.Close)
	for _, p := range []string{"/slow", "/fails", "/nope"} {
		resp, err := srv.Client().Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	_ = middleware.RunJob(context.Background(), "tick", func(context.Context) error {
		time.Sleep(time.Millisecond)
		return nil
	}, middleware.WithLogger(log))
	srv.Close()
	tracer.Flush()
	tracer.Stop()

	spans := agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) >= 4 })
	lines := logs.Lines()
	if len(lines) != 4 {
		t.Fatalf("%d log lines, want 4", len(lines))
	}
	for _, l := range lines {
		s, ok := testagent.Find(spans, func(s testagent.Span) bool { return s.SpanID == l.SpanID })
		if !ok {
			t.Fatalf("no span for line %q %v", l.Message, l.Attrs)
		}
		if got := l.Attrs["duration"].Int64(); got != s.Duration || got <= 0 {
			t.Errorf("%s %s: log duration %d ns, span duration %d ns: want one measure",
				s.Resource, strconv.Quote(l.Message), got, s.Duration)
		}
	}
}
