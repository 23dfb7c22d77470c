package middleware_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"

	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/outcome"
)

// FuzzWrap serves arbitrary paths, queries, methods and headers: Wrap never
// panics, answers a valid status, logs exactly one line (none for health
// checks), never names a resource after the raw path, never lets internal
// text reach the client, and never logs a credential header's value.
func FuzzWrap(f *testing.F) {
	seeds := []struct{ method, path, query, name, value string }{
		{"GET", "/ok", "", "User-Agent", "curl/8"},
		{"GET", "/users/1", "", "X-Request-Id", "abc"},
		{"GET", "/users/%41", "password=x", "Authorization", "Bearer x"},
		{"PUT", "/docs/1", "", "If-Match", `"v1"`},
		{"GET", "/panic", "", "Cookie", "session=1"},
		{"GET", "/healthz", "verbose", "", ""},
		{"DELETE", "//..//users/../x", "a=%zz", "X-Api-Key", "k"},
		{"GET", "", "", "X-Forwarded-For", "1.2.3.4"},
		{"BREW", "/teapot", "", "Content-Type", "text/plain"},
		{"GET", "/orders/\x00", "", "X-Tenant", "\xff"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.name, s.value)
	}
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Records{}
	h := middleware.Wrap(testMux(), middleware.WithLogger(slog.New(logs)))

	f.Fuzz(func(t *testing.T, method, path, query, name, value string) {
		mt.Reset()
		logs.Reset()
		if method == "" || strings.ContainsAny(method, " \t\r\n") {
			method = "GET"
		}
		r := &http.Request{
			Method:     method,
			URL:        &url.URL{Path: path, RawQuery: query},
			Header:     http.Header{},
			RemoteAddr: "192.0.2.7:4242",
			Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		}
		if name != "" {
			r.Header[http.CanonicalHeaderKey(name)] = []string{value}
		}
		r = r.WithContext(t.Context())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)

		if rec.Code < 100 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
		body := rec.Body.String()
		if strings.Contains(body, "hunter2") || strings.Contains(body, ".go:") {
			t.Fatalf("internal text reached the client: %q", body)
		}
		lines := logs.Lines()
		health := map[string]bool{"/healthz": true, "/readyz": true, "/livez": true, "/ping": true}[path]
		if health {
			if len(lines) != 0 || len(mt.FinishedSpans()) != 0 {
				t.Fatalf("health check %q logged %d lines, %d spans", path, len(lines), len(mt.FinishedSpans()))
			}
			return
		}
		if len(lines) != 1 {
			t.Fatalf("%d log lines for %s %q", len(lines), method, path)
		}
		spans := mt.FinishedSpans()
		if len(spans) != 1 {
			t.Fatalf("%d spans", len(spans))
		}
		// The method of a resource is one HTTP defines, or the one bucket
		// of the others (testMux routes no method of its own).
		m := outcome.HTTPMethod(method, "")
		res := fmt.Sprint(spans[0].Tag(ext.ResourceName))
		if res != m && !testRoutes[strings.TrimPrefix(res, m+" ")] {
			t.Fatalf("resource %q for %s %q is not a route", res, method, path)
		}
		if len(res) > 64 {
			t.Fatalf("resource %q: a route is short, whatever the client sends", res)
		}
		// A value the request also carries in its path, query or method
		// is logged there, as the request's own, not as the header's.
		inRequest := strings.Contains(path, value) || strings.Contains(query, value) || strings.Contains(method, value)
		if value != "" && len(value) > 3 && secretHeader(name) && !inRequest {
			for k, v := range lines[0].Attrs {
				if k != "error" && strings.Contains(v.String(), value) {
					t.Fatalf("credential header %s reached log attribute %s", name, k)
				}
			}
		}
	})
}

// testRoutes are the routes of testMux.
var testRoutes = map[string]bool{
	"/ok": true, "/users/{id}": true, "/orders/{id}": true, "/plain": true, "/panic": true, "/panic-error": true,
	"/docs/{id}": true, "/teapot": true, "/raw500": true, "/throttle": true, "/unimplemented": true, "/slow": true,
	"/empty": true, "/healthz": true,
}

// secretHeader lists headers the test knows carry credentials.
func secretHeader(name string) bool {
	switch strings.ToLower(name) {
	case "authorization", "cookie", "set-cookie", "x-api-key", "proxy-authorization":
		return true
	}
	return false
}
