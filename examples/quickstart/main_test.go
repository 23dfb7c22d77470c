package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
)

// TestMain lets TestMainProcess run this test binary as the real program.
func TestMain(m *testing.M) {
	if os.Getenv("QUICKSTART_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// internals are strings of the service's insides that no client may see.
var internals = []string{"127.0.0.1:1", "connection refused", "orders.Get", "users.Get", "main.go", "goroutine", "panic", "strconv", "something went very wrong"}

func TestRoutes(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Buffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(ddx.NewHandler(logs, nil)))
	defer slog.SetDefault(prev)

	srv := httptest.NewServer(newHandler())
	defer srv.Close()

	tests := []struct {
		path     string
		code     int
		body     string // exact body, or "" to skip
		detail   string // problem detail, "" when no problem is expected
		logLevel string // "" means no access-log line
		resource string // of the server span, "" means no span
	}{
		{path: "/hello", code: 200, body: "hello\n", logLevel: "INFO", resource: "GET /hello"},
		{path: "/users/1", code: 200, body: `{"id":1,"name":"Ada"}` + "\n", logLevel: "INFO", resource: "GET /users/{id}"},
		{path: "/users/2", code: 200, body: `{"id":2,"name":"Grace"}` + "\n", logLevel: "INFO", resource: "GET /users/{id}"},
		{path: "/users/3", code: 200, body: `{"id":3,"name":"Margaret"}` + "\n", logLevel: "INFO", resource: "GET /users/{id}"},
		{path: "/users/4", code: 404, detail: "user 4 not found", logLevel: "WARN", resource: "GET /users/{id}"},
		{path: "/users/0", code: 404, detail: "user 0 not found", logLevel: "WARN", resource: "GET /users/{id}"},
		{path: "/users/-7", code: 404, detail: "user -7 not found", logLevel: "WARN", resource: "GET /users/{id}"},
		{path: "/users/abc", code: 400, detail: "user id must be a number", logLevel: "WARN", resource: "GET /users/{id}"},
		{path: "/users/99999999999999999999", code: 400, detail: "user id must be a number", logLevel: "WARN", resource: "GET /users/{id}"},
		{path: "/orders/7", code: 503, detail: "service unavailable", logLevel: "ERROR", resource: "GET /orders/{id}"},
		{path: "/panic", code: 500, detail: "internal error", logLevel: "ERROR", resource: "GET /panic"},
		{path: "/healthz", code: 200, body: "ok\n"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			mt.Reset()
			logs.Reset()
			resp, err := srv.Client().Get(srv.URL + tc.path)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())

			assert.Equal(t, tc.code, resp.StatusCode)
			if tc.body != "" {
				assert.Equal(t, tc.body, string(body))
			}
			if tc.detail != "" {
				assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
				var p struct {
					Type, Title, Detail string
					Status              int
					TraceID             string `json:"trace_id"`
				}
				require.NoError(t, json.Unmarshal(body, &p))
				assert.Equal(t, "about:blank", p.Type)
				assert.Equal(t, tc.code, p.Status)
				assert.Equal(t, tc.detail, p.Detail)
				assert.Len(t, p.TraceID, 32, "a trace id to quote to support")
			}
			for _, s := range internals {
				assert.NotContains(t, string(body), s, "internal text leaked to the client")
			}

			// The access-log line is written before the response completes,
			// but the client may read the answer first: wait for it.
			var lines []map[string]any
			if tc.logLevel != "" {
				require.Eventually(t, func() bool { return len(logs.Objects(t)) > 0 }, 2*time.Second, 5*time.Millisecond)
			} else {
				time.Sleep(50 * time.Millisecond) // give a wrong line the time to appear
			}
			lines = logs.Objects(t)
			if tc.logLevel == "" {
				assert.Empty(t, lines, "no access log for a health check")
				assert.Empty(t, mt.FinishedSpans(), "no span for a health check")
				return
			}
			require.Len(t, lines, 1, "one access-log line per request")
			assert.Equal(t, tc.logLevel, lines[0]["status"])
			assert.Equal(t, float64(tc.code), lines[0]["http.status_code"])
			assert.NotEmpty(t, lines[0]["dd.trace_id"], "correlated to the trace")
			if tc.code >= 400 {
				e, ok := lines[0]["error"].(map[string]any)
				require.True(t, ok, "the error object for Error Tracking")
				assert.NotEmpty(t, e["kind"])
				assert.NotEmpty(t, e["stack"])
			}
			require.Eventually(t, func() bool {
				for _, s := range mt.FinishedSpans() {
					if s.Tag("span.kind") == "server" {
						return true
					}
				}
				return false
			}, 2*time.Second, 5*time.Millisecond)
			for _, s := range mt.FinishedSpans() {
				if s.Tag("span.kind") == "server" {
					assert.Equal(t, tc.resource, s.Tag("resource.name"))
				}
			}
		})
	}
}

func TestOrdersErrorIsConcrete(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Buffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(ddx.NewHandler(logs, nil)))
	defer slog.SetDefault(prev)

	rec := httptest.NewRecorder()
	newHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/orders/7", nil))
	require.Equal(t, 503, rec.Code)
	lines := logs.Objects(t)
	require.Len(t, lines, 1)
	e := lines[0]["error"].(map[string]any)
	msg, _ := e["message"].(string)
	for _, part := range []string{"orders.Get", "load payment of order 7", "127.0.0.1:1", "connection refused"} {
		assert.Contains(t, msg, part, "the log says what broke")
	}
	assert.Equal(t, "Unavailable", e["kind"])
	assert.Equal(t, "7", e["order.id"], "the error's attributes travel with it")

	var client bool
	for _, s := range mt.FinishedSpans() {
		if s.Tag("span.kind") == "client" {
			client = true
			assert.Equal(t, "GET /payments/{id}", s.Tag("resource.name"))
		}
	}
	assert.True(t, client, "the call to the dependency has its own span")
}

func TestServeFinishesInFlightRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, h) }()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel() // SIGTERM, as far as serve knows
	select {
	case err := <-served:
		t.Fatalf("serve returned %v with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	_, err = net.DialTimeout("tcp", ln.Addr().String(), time.Second)
	assert.Error(t, err, "no new connections once shutting down")
	close(release)
	assert.Equal(t, "finished", <-got, "the request in flight completes")
	assert.NoError(t, <-served)
}

func TestServeReportsListenerFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, ln.Close())
	assert.Error(t, serve(context.Background(), ln, http.NotFoundHandler()))
}

// TestMainProcess runs the program itself against a test Agent: it serves,
// its spans reach the Agent with route resources, its stdout is JSON only,
// and SIGTERM makes it shut down and exit 0.
func TestMainProcess(t *testing.T) {
	agent := testagent.Start(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		"QUICKSTART_RUN_MAIN=1",
		"PORT=0", // any free port; the "listening" line says which
		"DD_TRACE_AGENT_URL=http://"+agent.Addr(),
		"DD_SERVICE=quickstart-test",
		"DD_PROFILING_ENABLED=false",
		"DD_INSTRUMENTATION_TELEMETRY_ENABLED=false",
	)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill() }()

	addr := make(chan string, 1)
	var mu sync.Mutex
	var out []string
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			out = append(out, line)
			mu.Unlock()
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["message"] == "listening" {
				addr <- strings.TrimPrefix(m["addr"].(string), "http://")
			}
		}
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case <-time.After(15 * time.Second):
		t.Fatalf("the program did not start; stderr: %s", stderr.String())
	}

	for _, p := range []string{"/hello", "/users/2", "/users/9", "/healthz"} {
		resp, err := http.Get(base + p)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	// A client's spare connection, made and not used yet: http.Server's
	// Shutdown alone waits five seconds for it (it did, 5.3 s in every
	// run); middleware.Serve does not.
	spare, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer spare.Close()
	time.Sleep(50 * time.Millisecond)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	signalled := time.Now()
	waited := make(chan error, 1)
	go func() { <-readDone; waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		require.NoError(t, err, "exit 0 after SIGTERM; stderr: %s", stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatal("the program did not exit after SIGTERM")
	}
	assert.Less(t, time.Since(signalled), 4*time.Second, "a quiet connection held the shutdown")

	mu.Lock()
	defer mu.Unlock()
	for _, l := range out {
		assert.True(t, json.Valid([]byte(l)), "stdout line is not JSON: %s", l)
	}
	joined := strings.Join(out, "\n")
	assert.Contains(t, joined, `"message":"shutting down"`)
	assert.NotContains(t, joined, `"/healthz"`, "no access log for the health check")

	// Stop flushed the spans: they are at the Agent already.
	spans := agent.Spans()
	resources := map[string]bool{}
	for _, s := range spans {
		if s.Meta["span.kind"] == "server" {
			resources[s.Resource] = true
			assert.Equal(t, "quickstart-test", s.Service)
		}
	}
	assert.Equal(t, map[string]bool{"GET /hello": true, "GET /users/{id}": true}, resources,
		"route resources, and no span for /healthz")
}
