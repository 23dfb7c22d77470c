package reliability_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
)

// TestMalformedRequests writes raw requests to a real server running
// middleware.Wrap with the real tracer: invalid UTF-8, CR and LF where
// they do not belong, attempts to inject JSON into the log line or headers
// into the answer, and very large headers. For each it checks the answer
// (net/http rejects what is not HTTP before the middleware runs; the rest
// is served), that the server still serves the next request, that every
// log line is one whole JSON object, that no answer carries a header the
// request smuggled in, and that the spans of the served requests reach the
// Agent intact.
func TestMalformedRequests(t *testing.T) {
	agent := testagent.Start(t)
	rt, logs := startDDXLogs(t, agent.URL(), &jsonLines{keepAll: true}, ddx.WithStopTimeout(stopTimeout))
	mux := serviceMux()
	mux.HandleFunc("/echo/", func(w http.ResponseWriter, r *http.Request) {
		// Echo the path back in a header, the classic response-splitting
		// mistake: net/http must neutralise CR/LF in header values.
		w.Header().Set("X-Echo", r.URL.Path)
		_, _ = io.WriteString(w, "ok")
	})
	svc := startService(t, mux)
	addr := strings.TrimPrefix(svc.url, "http://")

	big := strings.Repeat("a", 512<<10) // under net/http's 1 MiB header limit
	huge := strings.Repeat("a", 2<<20)  // over it
	many := strings.Repeat("X-Many: v\r\n", 5000)
	inject := `"},"status":"EMERGENCY","message":"forged`

	cases := []struct {
		name   string
		raw    string // the request, sent as is
		status int
		served bool // the middleware saw it: one access-log line and one span
	}{
		{"invalid UTF-8 in path", "GET /echo/\xff\xfe\xfd HTTP/1.1\r\nHost: x\r\n\r\n", 200, true},
		{"percent-encoded invalid UTF-8", "GET /echo/%ff%fe%c3%28 HTTP/1.1\r\nHost: x\r\n\r\n", 200, true},
		{"percent-encoded CRLF in path", "GET /echo/a%0d%0aSet-Cookie:%20pwned=1 HTTP/1.1\r\nHost: x\r\n\r\n", 200, true},
		{"percent-encoded CRLF in unrouted path", "GET /nope%0d%0aSet-Cookie:%20pwned=1 HTTP/1.1\r\nHost: x\r\n\r\n", 404, true},
		{"JSON injection in headers", "GET /work/1 HTTP/1.1\r\nHost: x\r\nUser-Agent: " + inject + "\r\nX-Request-Id: " + inject + "\r\n\r\n", 200, true},
		{"invalid UTF-8 and escapes in headers", "GET /work/2 HTTP/1.1\r\nHost: x\r\nUser-Agent: \xff\xfe\u2028\u2029<\r\nX-Request-Id: \xc3\x28\t\"\\\r\n\r\n", 200, true},
		{"control characters in header value", "GET /work/2 HTTP/1.1\r\nHost: x\r\nUser-Agent: a\x01\x7fb\r\n\r\n", 400, false},
		{"bare CR in path", "GET /echo/a\rb HTTP/1.1\r\nHost: x\r\n\r\n", 400, false},
		{"bare CR in header value", "GET /work/3 HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\rSet-Cookie: pwned=1\r\n\r\n", 400, false},
		{"space in header name", "GET /work/4 HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n", 400, false},
		{"NUL in method", "G\x00T /work/5 HTTP/1.1\r\nHost: x\r\n\r\n", 400, false},
		{"obsolete line folding", "GET /work/6 HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\r\n b\r\n\r\n", 200, true},
		{"512 KiB header", "GET /work/7 HTTP/1.1\r\nHost: x\r\nUser-Agent: " + big + "\r\n\r\n", 200, true},
		{"5000 headers", "GET /work/8 HTTP/1.1\r\nHost: x\r\n" + many + "\r\n", 200, true},
		{"2 MiB header", "GET /work/9 HTTP/1.1\r\nHost: x\r\nUser-Agent: " + huge + "\r\n\r\n", 431, false},
	}
	served := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := rawRequest(t, addr, tc.raw)
			assert.Equal(t, tc.status, resp.StatusCode)
			for k, vs := range resp.Header {
				assert.NotEqual(t, "Set-Cookie", k, "a header was smuggled into the answer")
				for _, v := range vs {
					assert.NotContains(t, v, "\r", "header %s", k)
					assert.NotContains(t, v, "\n", "header %s", k)
				}
			}
			if tc.served {
				served++
			}
			// The server is still there.
			code, err := svc.get(context.Background(), "/work/ok")
			require.NoError(t, err)
			assert.Equal(t, 200, code)
			served++
		})
	}

	svc.close()
	rt.Stop()
	logs.check(t)
	assert.Equal(t, served, logs.accessLines(), "one access-log line per served request, and only those")
	for status := range logs.statuses() {
		assert.Contains(t, []string{"INFO", "WARN", "ERROR"}, status, "a forged status made it into a line")
	}
	assert.NotEmpty(t, logs.containing(`EMERGENCY`), "the forged text is logged, as a value")
	n := 0
	for _, s := range agent.Spans() {
		if s.Meta["span.kind"] == "server" {
			n++
		}
	}
	assert.Equal(t, served, n, "one span per served request at the Agent")
}

// rawRequest writes raw to a new connection to addr and reads one answer.
func rawRequest(t *testing.T, addr, raw string) *http.Response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	// The server may answer (431, 400) before it has read everything and
	// close the connection: a failed write is fine, a missing answer is not.
	go func() { _, _ = io.WriteString(conn, raw) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

// TestCredentialHeadersNeverReachSpansOrLogs configures dd-trace-go to tag
// spans with every header a request carries a credential in (what a broad
// DD_TRACE_HEADER_TAGS does), then sends those headers, with the names in
// any case, through middleware.Wrap: no credential reaches a span at the
// Agent or a log line, and the harmless header configured alongside does.
func TestCredentialHeadersNeverReachSpansOrLogs(t *testing.T) {
	const secret = "s3cr3t-VALUE"
	headers := []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key",
		"X-Auth-Token", "X-CSRF-Token", "X-Amz-Security-Token", "Api-Key", "X-Session-Id", "X-Client-Secret",
		"X-Password", "DD-API-KEY", "X-Signature", "X-Jwt", "X-Credential"}
	variants := func(h string) []string { return []string{h, strings.ToLower(h), strings.ToUpper(h)} }
	var tags []string
	for _, h := range headers {
		tags = append(tags, variants(h)...)
	}
	tags = append(tags, "X-Tenant")

	agent := testagent.Start(t)
	rt, logs := startDDXLogs(t, agent.URL(), &jsonLines{keepAll: true}, ddx.WithStopTimeout(stopTimeout),
		ddx.WithTracerOptions(tracer.WithHeaderTags(tags)))
	svc := startService(t, serviceMux())

	for i, h := range headers {
		for _, name := range variants(h) {
			req, err := http.NewRequest(http.MethodGet, svc.url+"/work/"+name, nil)
			require.NoError(t, err)
			// Set the header under the name as written, not canonicalised,
			// as a client in another language might send it.
			req.Header[name] = []string{secret + "-" + h}
			req.Header.Set("X-Tenant", "acme")
			resp, err := svc.client.Do(req)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			require.Equal(t, 200, resp.StatusCode, "request %d", i)
		}
	}
	svc.close()
	rt.Stop()

	spans := agent.Spans()
	tenant := 0
	for _, s := range spans {
		for k, v := range s.Meta {
			assert.NotContains(t, v, secret, "span %q tag %s", s.Resource, k)
		}
		if s.Meta["http.request.headers.x-tenant"] == "acme" {
			tenant++
		}
	}
	assert.Equal(t, 3*len(headers), tenant, "the harmless configured header is tagged on every span")
	assert.Equal(t, 3*len(headers), logs.accessLines())
	assert.Empty(t, logs.containing(secret), "a credential reached a log line")
	logs.check(t)
}
