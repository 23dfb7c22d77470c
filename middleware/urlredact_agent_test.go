package middleware_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware"
)

// The query parameters ddx's list names secrets are redacted on the span's
// http.url, server and client side, with the real tracer: dd-trace-go's
// obfuscator knows only its own list.
func TestURLQuerySecretsRedactedRealTracer(t *testing.T) {
	agent := testagent.Start(t)
	testagent.StartTracer(t, agent, tracer.WithService("url-test"))

	const query = "?session=abc&key=k&code=c&otp=1&pin=2&sid=3&sig=4&X-Amz-Credential=x&jwt=notajwt&ok=1"
	secrets := []string{"session", "key", "code", "otp", "pin", "sid", "sig", "X-Amz-Credential", "jwt"}
	srv := httptest.NewServer(middleware.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok")
	})))
	t.Cleanup(srv.Close)
	resp, err := middleware.NewClient().Get(srv.URL + "/search" + query)
	require.NoError(t, err)
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	srv.Close()
	tracer.Flush()
	tracer.Stop()

	spans := agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) >= 2 })
	kinds := map[string]bool{}
	for _, s := range spans {
		kinds[s.Meta["span.kind"]] = true
		raw := s.Meta["http.url"]
		_, q, ok := strings.Cut(raw, "?")
		require.True(t, ok, "%s span: http.url %q keeps its query", s.Meta["span.kind"], raw)
		var clear []string
		for _, part := range strings.Split(q, "&") {
			name, value, _ := strings.Cut(part, "=")
			if value != "[REDACTED]" && !strings.Contains(part, "redacted") {
				clear = append(clear, part)
			}
			for _, sec := range secrets {
				if n, _ := url.QueryUnescape(name); n == sec {
					assert.NotEqual(t, "", value, "%s span: %s", s.Meta["span.kind"], raw)
				}
			}
		}
		assert.Equal(t, []string{"ok=1"}, clear, "%s span: only ok=1 is unredacted in %q", s.Meta["span.kind"], raw)
		for _, v := range []string{"abc", "=k", "=c&", "notajwt", "=x&"} {
			assert.NotContains(t, raw, v, "%s span", s.Meta["span.kind"])
		}
	}
	assert.Equal(t, map[string]bool{"server": true, "client": true}, kinds, "a server and a client span")
}

// Headers with harmless names that carry URLs keep no query secret in
// their span tags, and http.url loses the shapes of secret parameters that
// leaked (issue 21, item 10), with the real tracer and
// DD_TRACE_HEADER_TAGS.
func TestURLShapesAndURLHeadersRedactedRealTracer(t *testing.T) {
	agent := testagent.Start(t)
	t.Setenv("DD_TRACE_HEADER_TAGS", "Referer:referer,X-Original-URL:original_url,X-Tenant:tenant")
	testagent.StartTracer(t, agent, tracer.WithService("url-test"))

	const secret = "Zq7s3cr3t"
	srv := httptest.NewServer(middleware.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok")
	})))
	t.Cleanup(srv.Close)
	q := "?key[]=" + secret + "&sid%5B%5D=" + secret + "&a=1;session=" + secret +
		"&next=" + url.QueryEscape("/cb?token="+secret) + "&page=2"
	req, err := http.NewRequest("GET", srv.URL+"/search"+q, nil)
	require.NoError(t, err)
	req.Header.Set("Referer", "https://shop.example/cart?session="+secret+"&item=3")
	req.Header.Set("X-Original-URL", "/admin?api_key="+secret)
	req.Header.Set("X-Tenant", "acme")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	srv.Close()
	tracer.Flush()
	tracer.Stop()

	spans := agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) >= 1 })
	require.Len(t, spans, 1)
	s := spans[0]
	for k, v := range s.Meta {
		assert.NotContains(t, v, secret, "span tag %s", k)
	}
	assert.Equal(t, "https://shop.example/cart?session=[REDACTED]&item=3", s.Meta["referer"])
	assert.Equal(t, "/admin?api_key=[REDACTED]", s.Meta["original_url"])
	assert.Equal(t, "acme", s.Meta["tenant"])
	assert.Contains(t, s.Meta["http.url"], "page=2", "the harmless parameters stay")
}
