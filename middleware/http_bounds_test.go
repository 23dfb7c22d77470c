package middleware_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
)

// TestClientControlledSizesAreBounded: a client cannot make a resource per
// method it invents, nor an access line or a span tag of its size (issue
// 21, item 13): unknown methods are one bucket, "_OTHER" (OpenTelemetry's
// name), and a User-Agent is cut at 512 bytes on a rune boundary.
func TestClientControlledSizesAreBounded(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Buffer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/any", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("PROPFIND /dav", func(http.ResponseWriter, *http.Request) {}) // a method the service routes is its own
	h := middleware.Wrap(mux, middleware.WithLogger(slog.New(ddx.NewHandler(logs, nil))))
	plain := middleware.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		middleware.WithLogger(slog.New(ddx.NewHandler(logs, nil))))

	ua := strings.Repeat("é", 250*1024) // 500 KiB, two bytes a rune
	resources := map[string]bool{}
	for i := range 50 {
		method := strings.Repeat("X", 10_000) + string(rune('A'+i%26)) + string(rune('A'+i/26))
		for _, hh := range []http.Handler{h, plain} {
			req := httptest.NewRequest("GET", "/any", nil)
			req.Method = method
			req.Header.Set("User-Agent", ua)
			hh.ServeHTTP(httptest.NewRecorder(), req)
		}
	}
	req := httptest.NewRequest("PROPFIND", "/dav", nil)
	h.ServeHTTP(httptest.NewRecorder(), req)

	spans := mt.FinishedSpans()
	require.Len(t, spans, 101)
	for _, s := range spans[:100] {
		resources[s.Tag(ext.ResourceName).(string)] = true
		assert.Equal(t, "_OTHER", s.Tag(ext.HTTPMethod))
		assert.LessOrEqual(t, len(s.Tag(ext.HTTPRequestMethodOriginal).(string)), 64+3)
		got := s.Tag(ext.HTTPUserAgent).(string)
		assert.LessOrEqual(t, len(got), 512+3, "the span's user agent is bounded")
		assert.True(t, utf8.ValidString(got), "no rune is split")
	}
	assert.Equal(t, map[string]bool{"_OTHER /any": true, "_OTHER": true}, resources, "one resource per route for every unknown method")
	assert.Equal(t, "PROPFIND /dav", spans[100].Tag(ext.ResourceName))
	assert.Equal(t, "PROPFIND", spans[100].Tag(ext.HTTPMethod))

	lines := logs.Objects(t)
	require.Len(t, lines, 101)
	for _, l := range lines[:100] {
		assert.Equal(t, "_OTHER", l["http.method"])
		got, _ := l["http.useragent"].(string)
		assert.LessOrEqual(t, len(got), 512+3, "the line's user agent is bounded")
		assert.True(t, strings.HasPrefix(ua, strings.TrimSuffix(got, "...")), "a prefix of the real one")
	}
	assert.Less(t, len(logs.String()), 101*2048, "no line is the size of what the client sent")
	assert.Equal(t, "PROPFIND", lines[100]["http.method"])
}
