package middleware_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
)

// TestClientAndJobsRealTracer runs a job that calls a dependency through
// Transport under the real tracer, whose payloads a test Agent on 127.0.0.1
// decodes: the job span is the parent of the client spans, the down
// dependency's error is on both with its Kind and stack, a 404 answer is
// not an error, secrets in the query stay out, and the job's log line
// carries the job span's ids.
func TestClientAndJobsRealTracer(t *testing.T) {
	agent := testagent.Start(t)
	testagent.StartTracer(t, agent, tracer.WithService("jobs-test"))

	dep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	}))
	t.Cleanup(dep.Close)
	down := closedAddr(t)
	client := &http.Client{Transport: middleware.Transport(dep.Client().Transport)}

	out := &testlog.Buffer{}
	logger := slog.New(ddx.NewHandler(out, nil))
	err := middleware.RunJob(context.Background(), "sync.users", func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(middleware.WithRoute(ctx, "/users/{id}"), http.MethodGet, dep.URL+"/users/7?api_key=k3y", nil)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		// A 404 is an answer here; the down dependency below is the failure.
		req, _ = http.NewRequestWithContext(ctx, http.MethodPost, "http://"+down+"/sync?token=s3cret", nil)
		resp, err = client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return errors.E(errors.Op("users.Sync"), err)
	}, middleware.WithLogger(logger))
	if errors.KindOf(err) != errors.Unavailable {
		t.Fatalf("job error %v, kind %v", err, errors.KindOf(err))
	}
	tracer.Flush()
	tracer.Stop()

	spans := agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) >= 3 })
	job, ok := testagent.Find(spans, func(s testagent.Span) bool { return s.Name == "job.run" })
	if !ok {
		t.Fatal("no job span")
	}
	found, ok := testagent.Find(spans, func(s testagent.Span) bool { return s.Name == "http.request" && s.Resource == "GET /users/{id}" })
	if !ok {
		t.Fatal("no client span named by its route")
	}
	failed, ok := testagent.Find(spans, func(s testagent.Span) bool { return s.Name == "http.request" && s.Resource == "POST "+down })
	if !ok {
		t.Fatal("no client span for the down dependency")
	}

	if job.Resource != "sync.users" || job.Type != "worker" || job.Service != "jobs-test" || job.Error != 1 || job.Meta["error.kind"] != "Unavailable" {
		t.Errorf("job span %+v", job)
	}
	if !strings.Contains(job.Meta["error.stack"], "TestClientAndJobsRealTracer") || !strings.Contains(job.Meta["error.message"], "connection refused") {
		t.Errorf("job span error.stack/message: %q\n%s", job.Meta["error.message"], job.Meta["error.stack"])
	}
	for _, c := range []testagent.Span{found, failed} {
		if c.ParentID != job.SpanID || c.TraceID != job.TraceID {
			t.Errorf("client span %s is not the job's child", c.Resource)
		}
		for _, secret := range []string{"k3y", "s3cret"} {
			if strings.Contains(c.Meta["http.url"], secret) || strings.Contains(c.Meta["error.message"], secret) {
				t.Errorf("client span has %q: %v", secret, c.Meta)
			}
		}
	}
	if found.Error != 0 || found.Meta["http.status_code"] != "404" || found.Meta["http.route"] != "/users/{id}" {
		t.Errorf("404 client span: error %d meta %v", found.Error, found.Meta)
	}
	wantOp := "POST " + down + "/sync: "
	if failed.Error != 1 || failed.Meta["error.kind"] != "Unavailable" || !strings.HasPrefix(failed.Meta["error.message"], wantOp) ||
		failed.Meta["error.stack"] == "" {
		t.Errorf("failed client span: error %d meta %v", failed.Error, failed.Meta)
	}

	var line map[string]any
	for _, l := range out.Objects(t) {
		if l["job.name"] == "sync.users" {
			line = l
		}
	}
	if line == nil {
		t.Fatal("no job log line")
	}
	if line["status"] != "ERROR" || line["dd.trace_id"] != job.TraceID128() || line["dd.span_id"] != strconv.FormatUint(job.SpanID, 10) {
		t.Errorf("job log line %v not joined to span %s/%d", line, job.TraceID128(), job.SpanID)
	}
	if e, _ := line["error"].(map[string]any); e["kind"] != "Unavailable" || e["stack"] == nil {
		t.Errorf("job log line error: %v", line["error"])
	}
}
