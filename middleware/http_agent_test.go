package middleware_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
)

// TestWrapRealTracer serves requests through Wrap over a real socket with
// the real tracer, whose payloads the test Agent decodes: resources are
// route patterns, the error flag follows the Kind table, error.* carry the
// creation stack, secrets stay out of spans, health checks leave nothing,
// and every access-log line carries its span's trace and span ids.
func TestWrapRealTracer(t *testing.T) {
	agent := testagent.Start(t)
	// A careless header-tag configuration: Authorization must not follow.
	t.Setenv("DD_TRACE_HEADER_TAGS", "X-Tenant:tenant,Authorization:auth_header,X-Api-Key:api_key_header")
	testagent.StartTracer(t, agent, tracer.WithService("wrap-test"))

	logs := &testlog.Buffer{}
	srv := httptest.NewServer(middleware.Wrap(testMux(), middleware.WithLogger(slog.New(ddx.NewHandler(logs, nil)))))
	t.Cleanup(srv.Close)

	type result struct {
		path    string
		code    int
		traceID string // from the problem body, when there is one
	}
	var results []result
	for _, p := range []string{"/ok", "/users/1", "/users/7", "/users/abc", "/orders/9", "/plain", "/panic", "/raw500", "/healthz",
		"/users/7?password=s3cr3t&page=2"} {
		req, err := http.NewRequest("GET", srv.URL+p, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer s3cr3t")
		req.Header.Set("X-Api-Key", "s3cr3t")
		req.Header.Set("X-Tenant", "acme")
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		r := result{path: p, code: resp.StatusCode}
		var prob struct {
			TraceID string `json:"trace_id"`
		}
		if json.Unmarshal(body, &prob) == nil {
			r.traceID = prob.TraceID
		}
		results = append(results, r)
	}
	srv.Close() // every handler has returned, so every span is finished
	tracer.Flush()
	tracer.Stop()

	spans := agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) >= len(results)-1 })
	require.Len(t, spans, len(results)-1, "one span per request, none for /healthz")
	byTrace := map[string]testagent.Span{}
	for _, s := range spans {
		byTrace[s.TraceID128()] = s
		assert.Equal(t, "wrap-test", s.Service)
		assert.Equal(t, "http.request", s.Name)
		assert.Equal(t, "web", s.Type)
		assert.Equal(t, "acme", s.Meta["tenant"], "configured header tags work")
		assert.NotContains(t, s.Meta, "auth_header", "credentials are never header tags")
		assert.NotContains(t, s.Meta, "api_key_header")
		for k, v := range s.Meta {
			assert.NotContains(t, v, "s3cr3t", "span tag %s: request secrets stay out", k)
		}
	}

	lines := logs.Objects(t)
	assert.NotContains(t, logs.String(), "s3cr3t", "request secrets stay out of the logs")
	require.Len(t, lines, len(results)-1, "one access-log line per request, none for /healthz")
	want := map[string]struct {
		resource string
		error    int32
		kind     string
		stack    string // a function the error.stack must name
	}{
		"/ok":       {"GET /ok", 0, "", ""},
		"/users/1":  {"GET /users/{id}", 0, "", ""},
		"/users/7":  {"GET /users/{id}", 0, "NotFound", ""},
		"/users/ab": {"GET /users/{id}", 0, "Invalid", ""},
		"/orders/9": {"GET /orders/{id}", 1, "Unavailable", "testMux"},
		"/plain":    {"GET /plain", 1, "Internal", "middleware.Error"},
		"/panic":    {"GET /panic", 1, "Internal", "testMux"},
		"/raw500":   {"GET /raw500", 1, "", ""},
	}
	for _, l := range lines {
		path, _ := l["http.url_details.path"].(string)
		traceID, _ := l["dd.trace_id"].(string)
		span, ok := byTrace[traceID]
		require.True(t, ok, "the log line of %s joins a span by dd.trace_id %q", path, traceID)
		assert.Equal(t, span.SpanID, parseUint(t, l["dd.span_id"]), "and by dd.span_id")
		assert.NotContains(t, l, "http.url", "the query string is not logged")
		key := path
		if path == "/users/abc" {
			key = "/users/ab"
		}
		w, ok := want[key]
		if !ok {
			continue
		}
		assert.Equal(t, w.resource, span.Resource, path)
		assert.Equal(t, w.error, span.Error, "error flag of %s", path)
		assert.Equal(t, w.kind, span.Meta["error.kind"], path)
		if w.stack != "" {
			assert.Contains(t, span.Meta["error.stack"], w.stack, "error.stack of %s", path)
			assert.NotEmpty(t, span.Meta["error.message"])
			assert.NotEmpty(t, span.Meta["error.type"])
			e, _ := l["error"].(map[string]any)
			assert.Equal(t, w.kind, e["kind"], "log error.kind of %s", path)
			assert.Contains(t, e["stack"], w.stack, "log error.stack of %s", path)
		}
		if w.error == 0 {
			assert.Empty(t, span.Meta["error.message"], "%s is not an error: no message", path)
		}
	}
	for _, r := range results {
		if r.traceID == "" {
			continue
		}
		_, ok := byTrace[r.traceID]
		assert.True(t, ok, "the trace_id quoted to the client of %s finds its trace", r.path)
	}
}

func parseUint(t *testing.T, v any) uint64 {
	t.Helper()
	s, _ := v.(string)
	var n uint64
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', "not a decimal span id: %q", s)
		n = n*10 + uint64(c-'0')
	}
	return n
}
