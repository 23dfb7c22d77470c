package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/errors"
)

// TestMain checks that no test leaves a goroutine behind: run starts the
// server and the job, and must stop both.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// dd-trace-go's process-wide telemetry client has no stop in its API.
		goleak.IgnoreTopFunction("github.com/DataDog/dd-trace-go/v2/internal/telemetry/internal.NewTicker.func1"),
	)
}

// The tests below run under the real tracer (ddxtest): they check what
// Datadog will show, not only what the client gets. ddxtest tests must not
// call t.Parallel: the tracer is process-wide.

func TestItems(t *testing.T) {
	rec := ddxtest.Start(t, ddx.WithService("template-test"))
	srv := httptest.NewServer(newService(newMemoryStore()).handler())
	defer srv.Close()

	tests := []struct {
		name, path string
		code       int
		body       string // the body, or the problem's detail for errors
		level      string // of the access-log line
		kind       string // error.kind in the log line, "" for none
		spanError  bool   // does the request count in the error rate?
	}{
		{name: "found", path: "/items/1", code: 200, body: `{"id":1,"name":"keyboard"}` + "\n", level: "INFO"},
		{name: "not found is expected", path: "/items/9", code: 404, body: "item 9 not found", level: "WARN", kind: "NotFound"},
		{name: "bad id is expected", path: "/items/x", code: 400, body: "item id must be a number", level: "WARN", kind: "Invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec.Reset()
			code, body := get(t, srv.URL+tc.path)
			if code != tc.code {
				t.Fatalf("status %d, want %d (body %s)", code, tc.code, body)
			}
			if tc.kind != "" {
				var p struct{ Detail, TraceID string }
				if err := json.Unmarshal([]byte(body), &p); err != nil {
					t.Fatalf("the error answer is not a problem document: %v: %s", err, body)
				}
				body = p.Detail
			}
			if body != tc.body {
				t.Errorf("body %q, want %q", body, tc.body)
			}

			span := rec.RequireSpan(t, ddxtest.Resource("GET /items/{id}"), ddxtest.HTTPStatus(tc.code))
			if span.Error != tc.spanError {
				t.Errorf("span error flag %v, want %v: expected kinds must not count as errors", span.Error, tc.spanError)
			}
			matchers := []ddxtest.Matcher{ddxtest.Message("http request"), ddxtest.Level(tc.level), ddxtest.TraceID(span.TraceID)}
			if tc.kind != "" {
				matchers = append(matchers, ddxtest.Kind(tc.kind))
			}
			rec.RequireLog(t, matchers...)
		})
	}
}

func TestProbesAreQuiet(t *testing.T) {
	rec := ddxtest.Start(t)
	svc := newService(newMemoryStore())
	srv := httptest.NewServer(svc.handler())
	defer srv.Close()

	if code, _ := get(t, srv.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz before the service is ready: %d, want 503", code)
	}
	svc.ready.Store(true)
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _ := get(t, srv.URL+path); code != http.StatusOK {
			t.Errorf("%s: %d, want 200", path, code)
		}
	}
	rec.RequireNoSpan(t)
	if logs := rec.Logs(ddxtest.Message("http request")); len(logs) != 0 {
		t.Errorf("probes wrote access-log lines: %v", logs)
	}
}

// downStore fails like a database that is unreachable.
type downStore struct{}

func (downStore) Get(context.Context, int) (item, error) {
	return item{}, errors.E(errors.Op("db.Query"), errors.Unavailable, "dial tcp 10.0.0.7:5432: connect: connection refused")
}

func (downStore) Count(ctx context.Context) (int, error) {
	_, err := downStore{}.Get(ctx, 0)
	return 0, err
}

func TestStoreDown(t *testing.T) {
	rec := ddxtest.Start(t)
	srv := httptest.NewServer(newService(downStore{}).handler())
	defer srv.Close()

	code, body := get(t, srv.URL+"/items/1")
	if code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", code)
	}
	if strings.Contains(body, "10.0.0.7") || strings.Contains(body, "db.Query") {
		t.Errorf("the client sees internal details: %s", body)
	}
	span := rec.RequireSpan(t, ddxtest.Resource("GET /items/{id}"), ddxtest.IsError())
	line := rec.RequireLog(t, ddxtest.Level("ERROR"), ddxtest.Kind("Unavailable"), ddxtest.TraceID(span.TraceID))
	msg, _ := line.Value("error.message")
	if want := "items.Get: load item 1: db.Query: dial tcp 10.0.0.7:5432"; !strings.HasPrefix(msg.(string), want) {
		t.Errorf("error.message %q, want it to start with %q: the whole chain, down to the cause", msg, want)
	}
}

// TestRun runs the service as main does: it serves, runs its job, and on
// cancellation (SIGTERM) fails /readyz, drains, and stops everything.
func TestRun(t *testing.T) {
	rec := ddxtest.Start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config{shutdownTimeout: 5 * time.Second, drainDelay: 300 * time.Millisecond, jobInterval: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, ln, newService(newMemoryStore())) }()
	base := "http://" + ln.Addr().String()

	rec.RequireLog(t, ddxtest.Message("listening"))
	if code, _ := get(t, base+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz while serving: %d, want 200", code)
	}
	if code, _ := get(t, base+"/items/2"); code != http.StatusOK {
		t.Errorf("/items/2: %d, want 200", code)
	}
	job := rec.RequireSpan(t, ddxtest.Name("job.run"), ddxtest.Resource("items.refresh"))
	if job.Error {
		t.Errorf("the job failed: %v", job)
	}
	rec.RequireLog(t, ddxtest.Message("job run"), ddxtest.Attr("job.name", "items.refresh"), ddxtest.TraceID(job.TraceID))

	cancel() // what SIGTERM does in main
	rec.RequireLog(t, ddxtest.Message("shutting down"))
	if code, _ := get(t, base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz while draining: %d, want 503 so the load balancer stops sending", code)
	}
	if code, _ := get(t, base+"/items/1"); code != http.StatusOK {
		t.Errorf("/items/1 while draining: %d, want 200: requests still arriving are served", code)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
	rec.RequireLog(t, ddxtest.Message("stopped"))
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the port still accepts connections after run returned")
	}
}

// TestRunServerFails: a server that cannot serve ends run with an error,
// and the job stops with it.
func TestRunServerFails(t *testing.T) {
	rec := ddxtest.Start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_ = ln.Close() // Serve fails at once
	cfg := config{shutdownTimeout: time.Second, jobInterval: time.Hour}
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), cfg, ln, newService(newMemoryStore())) }()
	select {
	case err := <-done:
		if errors.KindOf(err) != errors.Unavailable {
			t.Errorf("run: %v (kind %v), want an Unavailable error", err, errors.KindOf(err))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after the server failed")
	}
	rec.RequireNoLog(t, ddxtest.Message("job run"))
}

func TestConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		want    config
		wantErr []string // parts of the error text, nil for no error
	}{
		{
			name: "defaults",
			want: config{addr: ":8080", shutdownTimeout: 15 * time.Second, jobInterval: time.Minute, sqlitePath: "items.db"},
		},
		{
			name: "all set",
			env: map[string]string{"PORT": "9000", "SHUTDOWN_TIMEOUT": "20s", "DRAIN_DELAY": "5s", "JOB_INTERVAL": "30s",
				"DATABASE_URL": "postgres://app@db/items", "SQLITE_PATH": "/data/items.db"},
			want: config{addr: ":9000", shutdownTimeout: 20 * time.Second, drainDelay: 5 * time.Second, jobInterval: 30 * time.Second,
				databaseURL: "postgres://app@db/items", sqlitePath: "/data/items.db"},
		},
		{
			name:    "every mistake is reported",
			env:     map[string]string{"PORT": "http", "SHUTDOWN_TIMEOUT": "15", "JOB_INTERVAL": "0s"},
			wantErr: []string{`PORT="http"`, `SHUTDOWN_TIMEOUT="15"`, `JOB_INTERVAL="0s"`},
		},
		{
			name:    "port out of range",
			env:     map[string]string{"PORT": "70000"},
			wantErr: []string{`PORT="70000" is not a port number`},
		},
		{
			name:    "negative drain",
			env:     map[string]string{"DRAIN_DELAY": "-1s"},
			wantErr: []string{`DRAIN_DELAY="-1s"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := loadConfig(func(k string) string { return tc.env[k] })
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("loadConfig: %v", err)
				}
				if got != tc.want {
					t.Errorf("loadConfig = %+v, want %+v", got, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("loadConfig succeeded with %v", tc.env)
			}
			if k := errors.KindOf(err); k != errors.Invalid {
				t.Errorf("kind %v, want Invalid", k)
			}
			for _, part := range tc.wantErr {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not mention %q", err, part)
				}
			}
		})
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
