package ddx

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/ddx-go/ddx/internal/tracepayload"
)

const t0 = int64(1_780_000_000_000_000_000)

// sampleTrace is a failed request: a database call whose connection failed
// inside it, and a call to another service.
func sampleTrace() []tracepayload.Span {
	meta := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	const tid = 0xaa
	return []tracepayload.Span{
		// Out of order, as a chunk may be: the view sorts by start.
		{Name: "http.request", Resource: "POST /charge", Service: "payments", TraceID: tid, SpanID: 4, ParentID: 1,
			Start: t0 + 4_000_000, Duration: 8_000_000, Meta: meta("http.status_code", "503")},
		{Name: "http.request", Resource: "GET /users/{id}", Service: "users", TraceID: tid, SpanID: 1,
			Start: t0, Duration: 12_400_000, Error: 1,
			Meta: meta("_dd.p.tid", "0123456789abcdef", "http.status_code", "503", "error.kind", "Unavailable",
				"error.type", "*errors.Error", "error.message", "users.Get: load user 7: dial tcp 10.0.0.5:5432: connect: connection refused",
				"error.stack", "main.go:12")},
		{Name: "db.query", Resource: "SELECT users", Service: "users", TraceID: tid, SpanID: 2, ParentID: 1,
			Start: t0 + 300_000, Duration: 3_100_000},
		{Name: "pgx.connect", Service: "users", TraceID: tid, SpanID: 3, ParentID: 2,
			Start: t0 + 400_000, Duration: 1_000_000, Error: 1,
			Meta: meta("error.type", "*net.OpError", "error.message", "dial tcp 10.0.0.5:5432:\nconnect: connection refused")},
	}
}

func encodeTraces(t testing.TB, traces ...[]tracepayload.Span) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := msgp.NewWriter(&buf)
	require.NoError(t, w.WriteArrayHeader(uint32(len(traces))))
	for _, tr := range traces {
		require.NoError(t, w.WriteArrayHeader(uint32(len(tr))))
		for _, s := range tr {
			meta := map[string]any{}
			for k, v := range s.Meta {
				meta[k] = v
			}
			metrics := map[string]any{}
			for k, v := range s.Metrics {
				metrics[k] = v
			}
			require.NoError(t, w.WriteIntf(map[string]any{
				"name": s.Name, "service": s.Service, "resource": s.Resource, "type": s.Type,
				"trace_id": s.TraceID, "span_id": s.SpanID, "parent_id": s.ParentID,
				"start": s.Start, "duration": s.Duration, "error": s.Error, "meta": meta, "metrics": metrics,
			}))
		}
	}
	require.NoError(t, w.Flush())
	return buf.Bytes()
}

func TestLocalViewText(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	v := &localView{w: &out, text: true}
	v.show(encodeTraces(t, sampleTrace(),
		[]tracepayload.Span{{Name: "job.run", Resource: "sync", TraceID: 7, SpanID: 9, Start: t0, Duration: 850}},
		// An expected outcome: named, not flagged.
		[]tracepayload.Span{{Name: "http.request", Resource: "GET /users/{id}", Service: "web", TraceID: 8, SpanID: 10, Start: t0, Duration: 1_000_000,
			Meta: map[string]string{"http.status_code": "404", "error.kind": "NotFound"}}}))
	at := time.Unix(0, t0).Format("15:04:05.000")
	want := at + ` trace 0123456789abcdef00000000000000aa  users  12.4ms  4 spans, 2 errors
GET /users/{id} (http.request)  12.4ms  503  ERROR
│ ! Unavailable *errors.Error: users.Get: load user 7: dial tcp 10.0.0.5:5432: connect: connection refused
├─ SELECT users (db.query)  3.10ms  at +300µs
│  └─ pgx.connect  1.00ms  at +400µs  ERROR
│       ! *net.OpError: dial tcp 10.0.0.5:5432: connect: connection refused
└─ POST /charge (http.request, payments)  8.00ms  at +4.00ms  503
` + at + ` trace 00000000000000000000000000000007    850ns  1 span
sync (job.run)  850ns
` + at + ` trace 00000000000000000000000000000008  web  1.00ms  1 span
GET /users/{id} (http.request)  1.00ms  404  NotFound
`
	assert.Equal(t, want, out.String())
}

func TestLocalViewJSON(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	v := &localView{w: &out, service: "users", env: "dev", version: "1.2.3"}
	v.show(encodeTraces(t, sampleTrace()))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 1, "one JSON object per trace")
	var got struct {
		Timestamp string `json:"timestamp"`
		Status    string `json:"status"`
		Message   string `json:"message"`
		Logger    string `json:"logger.name"`
		TraceID   string `json:"dd.trace_id"`
		Service   string `json:"dd.service"`
		Env       string `json:"dd.env"`
		Trace     struct {
			Duration int64      `json:"duration"`
			Spans    []viewSpan `json:"spans"`
		} `json:"trace"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &got))
	assert.Equal(t, "INFO", got.Status)
	assert.Equal(t, "trace GET /users/{id} (http.request) 12.4ms (4 spans, 2 errors)", got.Message)
	assert.Equal(t, "ddx.localview", got.Logger)
	assert.Equal(t, "0123456789abcdef00000000000000aa", got.TraceID)
	assert.Equal(t, "users", got.Service)
	assert.Equal(t, "dev", got.Env)
	assert.Equal(t, "2026-05-28T20:26:40.012Z", got.Timestamp, "the trace's end")
	assert.Equal(t, int64(12_400_000), got.Trace.Duration)
	require.Len(t, got.Trace.Spans, 4)
	root, db, conn, charge := got.Trace.Spans[0], got.Trace.Spans[1], got.Trace.Spans[2], got.Trace.Spans[3]
	assert.Equal(t, viewSpan{Depth: 0, Name: "http.request", Resource: "GET /users/{id}", Service: "users", SpanID: "1",
		Duration: 12_400_000, Status: "503", Error: map[string]string{"kind": "Unavailable", "type": "*errors.Error",
			"message": "users.Get: load user 7: dial tcp 10.0.0.5:5432: connect: connection refused"}}, root)
	assert.Equal(t, 1, db.Depth)
	assert.Equal(t, int64(300_000), db.StartOffset)
	assert.Equal(t, "2", conn.ParentID)
	assert.Equal(t, 2, conn.Depth)
	assert.Equal(t, "payments", charge.Service)
	assert.Nil(t, db.Error)
}

func TestLocalViewOddTraces(t *testing.T) {
	t.Parallel()
	cycle := []tracepayload.Span{
		{Name: "a", TraceID: 1, SpanID: 1, ParentID: 2, Start: t0},
		{Name: "b", TraceID: 1, SpanID: 2, ParentID: 1, Start: t0 + 1},
		{Name: "self", TraceID: 1, SpanID: 3, ParentID: 3, Start: t0 + 2},
	}
	tests := []struct {
		name    string
		payload []byte
		want    []string
	}{
		{"parent cycle: every span shown once", encodeTraces(t, cycle), []string{"a  0ns", "└─ b", "self  0ns", "3 spans"}},
		{"empty trace skipped", encodeTraces(t, []tracepayload.Span{}), nil},
		{"not a payload", []byte("<html>"), []string{"ddx local view: could not read a trace payload"}},
		{"multi-line resource", encodeTraces(t, []tracepayload.Span{{Name: "sql", Resource: "SELECT 1\nFROM t", TraceID: 1, SpanID: 1}}),
			[]string{"SELECT 1 FROM t (sql)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			(&localView{w: &out, text: true}).show(tc.payload)
			if tc.want == nil {
				assert.Empty(t, out.String())
			}
			for _, w := range tc.want {
				assert.Contains(t, out.String(), w)
			}
			assert.Equal(t, 1, strings.Count(out.String(), "self  0ns")+boolInt(!strings.Contains(tc.name, "cycle")))
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ns   int64
		want string
	}{
		{-5, "0ns"}, {0, "0ns"}, {999, "999ns"}, {1_000, "1.00µs"}, {12_345, "12.3µs"}, {850_000, "850µs"},
		{3_100_000, "3.10ms"}, {12_400_000, "12.4ms"}, {999_000_000, "999ms"}, {1_250_000_000, "1.25s"},
		{59_000_000_000, "59.0s"}, {90_400_000_000, "1m30s"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, formatDuration(tc.ns), "%d ns", tc.ns)
	}
}

func TestLocalViewSetting(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		opts    []Option
		watched bool
		want    string // "now", "auto" or "off"
		text    bool
	}{
		{"production default", map[string]string{"DD_ENV": "prod"}, nil, false, "off", false},
		{"no env, not watched", nil, nil, false, "off", false},
		{"no env, a person watches", nil, nil, true, "auto", true},
		{"prod, a person watches", map[string]string{"DD_ENV": "prod"}, nil, true, "auto", true},
		{"DD_ENV=local", map[string]string{"DD_ENV": "local"}, nil, false, "now", false},
		{"DD_ENV=LOCAL", map[string]string{"DD_ENV": "LOCAL"}, nil, false, "now", false},
		// A dev environment may be a shared cluster whose stderr is
		// collected: on at once only with a person watching.
		{"DD_ENV=dev, watched", map[string]string{"DD_ENV": "dev"}, nil, true, "now", true},
		{"DD_ENV=Development, not watched", map[string]string{"DD_ENV": "Development"}, nil, false, "auto", false},
		{"DD_ENV=dev, text logs", map[string]string{"DD_ENV": "dev", "DDX_LOG_FORMAT": "text"}, nil, false, "auto", true},
		{"DDX_LOCAL_VIEW=true", map[string]string{"DD_ENV": "prod", "DDX_LOCAL_VIEW": "true"}, nil, false, "now", false},
		{"DDX_LOCAL_VIEW=false beats DD_ENV", map[string]string{"DD_ENV": "dev", "DDX_LOCAL_VIEW": "false"}, nil, true, "off", false},
		{"option beats variable", map[string]string{"DDX_LOCAL_VIEW": "false"}, []Option{WithLocalView(true)}, false, "now", false},
		{"option off", map[string]string{"DD_ENV": "local"}, []Option{WithLocalView(false)}, true, "off", false},
		{"tracing off", map[string]string{"DDX_LOCAL_VIEW": "true", "DD_TRACE_ENABLED": "false"}, nil, true, "off", false},
		{"bad variable: auto", map[string]string{"DDX_LOCAL_VIEW": "maybe", "DD_ENV": "local"}, nil, false, "now", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("DDX_LOCAL_VIEW", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			prev := watchedWriter
			watchedWriter = func(io.Writer) bool { return tc.watched }
			t.Cleanup(func() { watchedWriter = prev })
			c := loadConfig(append([]Option{withViewWriter(io.Discard)}, tc.opts...))
			v, now := c.newLocalView()
			got := "off"
			if v != nil {
				got = "auto"
				if now {
					got = "now"
				}
				assert.Equal(t, tc.text, v.text, "text form")
			}
			assert.Equal(t, tc.want, got)
			if tc.env["DDX_LOCAL_VIEW"] == "maybe" {
				assert.Contains(t, strings.Join(c.warnings, "\n"), `DDX_LOCAL_VIEW="maybe" is not true or false`)
			}
		})
	}
}

// withViewWriter sends the local view to w (tests only).
func withViewWriter(w io.Writer) Option { return optionFunc(func(c *config) { c.viewWriter = w }) }

// recordingTransport stands in for the network: it records what the view
// forwards and answers like an Agent, or fails like an absent one.
type recordingTransport struct {
	mu     sync.Mutex
	bodies []io.ReadCloser
	reads  [][]byte
	info   string
	read   bool // read trace bodies into reads
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.bodies = append(rt.bodies, req.Body)
	body := `{"rate_by_service":{}}`
	if strings.HasSuffix(req.URL.Path, "/info") {
		body = rt.info
	}
	if rt.read && req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		rt.reads = append(rt.reads, b)
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{"Content-Length": {"1"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

func newTestTransport(base http.RoundTripper) *agentTransport {
	u, _ := url.Parse("http://127.0.0.1:1")
	t := newAgentTransport(u, time.Second)
	t.base = base
	return t
}

// trackedBody is a request body that knows whether anyone read it.
type trackedBody struct {
	io.Reader
	read bool
}

func (b *trackedBody) Read(p []byte) (int, error) { b.read = true; return b.Reader.Read(p) }
func (b *trackedBody) Close() error               { return nil }

// With the view off, a trace payload goes to the Agent untouched: the very
// body the tracer made, never read or decoded on the way.
func TestLocalViewOffNeverReadsPayloads(t *testing.T) {
	t.Parallel()
	base := &recordingTransport{}
	tr := newTestTransport(base)
	defer tr.abort()
	body := &trackedBody{Reader: bytes.NewReader(encodeTraces(t, sampleTrace()))}
	req, _ := http.NewRequest(http.MethodPost, "http://agent/v0.4/traces", body)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Len(t, base.bodies, 1)
	assert.Same(t, body, base.bodies[0], "the tracer's own body reaches the Agent")
	assert.False(t, body.read, "nothing read the payload on the way")
}

func TestLocalViewOnTeesPayloads(t *testing.T) {
	t.Parallel()
	base := &recordingTransport{read: true}
	tr := newTestTransport(base)
	defer tr.abort()
	var out bytes.Buffer
	tr.view.Store(&localView{w: &out, text: true})
	payload := encodeTraces(t, sampleTrace())
	req, _ := http.NewRequest(http.MethodPost, "http://agent/v0.4/traces", bytes.NewReader(payload))
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, out.String(), "GET /users/{id} (http.request)  12.4ms  503  ERROR")
	require.Len(t, base.reads, 1)
	assert.Equal(t, payload, base.reads[0], "the Agent gets the payload byte for byte")
}

func TestLocalViewAnswersWhenNoAgent(t *testing.T) {
	t.Parallel()
	// A socket file that does not exist: nothing can listen there meanwhile.
	u, _ := url.Parse("unix://" + filepath.Join(t.TempDir(), "absent.sock"))
	const addr = "agent"
	tr := newAgentTransport(u, time.Second)
	defer tr.abort()
	var failures []string
	var mu sync.Mutex
	tr.failed = func(what string, err error) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, what)
	}
	var out bytes.Buffer
	started := 0
	tr.autoView = &localView{w: &out, text: true}
	tr.viewStarted = func() { started++ }

	// /info finds no Agent: the auto view turns on, once.
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/info", nil)
		_, err := tr.RoundTrip(req)
		require.Error(t, err)
	}
	assert.Equal(t, 1, started)
	require.NotNil(t, tr.view.Load())

	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v0.4/traces", bytes.NewReader(encodeTraces(t, sampleTrace())))
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err, "the view answers for the absent Agent")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, `{"rate_by_service":{}}`, string(b))
	assert.Contains(t, out.String(), "SELECT users (db.query)")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"GET /info", "GET /info"}, failures, "the absent Agent is reported for /info, not for traces the view showed")
}

func TestLocalViewKeepsTracerOnV04(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, info, want string
	}{
		{"v1 advertised", `{"version":"7.80.0","endpoints":["/v0.4/traces","/v1.0/traces","/v0.6/stats"],"client_drop_p0s":true}`,
			`{"version":"7.80.0","endpoints":["/v0.4/traces","/v0.6/stats"],"client_drop_p0s":false}`},
		{"v0.4 only", `{"endpoints":["/v0.4/traces"]}`, `{"endpoints":["/v0.4/traces"]}`},
		{"not JSON passes unchanged", `<html>`, ``},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := newTestTransport(&recordingTransport{info: tc.info})
			defer tr.abort()
			tr.view.Store(&localView{w: io.Discard})
			req, _ := http.NewRequest(http.MethodGet, "http://agent/info", nil)
			resp, err := tr.RoundTrip(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tc.want == "" {
				assert.Equal(t, tc.info, string(b))
				return
			}
			assert.JSONEq(t, tc.want, string(b))
			assert.Equal(t, int64(len(b)), resp.ContentLength)
			assert.Empty(t, resp.Header.Get("Content-Length"))
		})
	}
}

func FuzzLocalView(f *testing.F) {
	f.Add(encodeTraces(f, sampleTrace()), true)
	f.Add(encodeTraces(f, sampleTrace()), false)
	f.Add([]byte{0x91, 0x91, 0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa1, '\n'}, false)
	f.Add([]byte("\x91\x92\x80\x80"), true)
	f.Fuzz(func(t *testing.T, payload []byte, text bool) {
		var out bytes.Buffer
		(&localView{w: &out, text: text}).show(payload)
		if text {
			return
		}
		sc := bufio.NewScanner(&out)
		sc.Buffer(nil, 1<<26)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("not one JSON object per line: %v: %q", err, sc.Text())
			}
		}
	})
}

// BenchmarkAgentTransport measures what the view costs a trace request:
// off, it must cost what the transport costs without it.
//
//	go test -run '^$' -bench AgentTransport -benchmem -count 5 ./ddx/
func BenchmarkAgentTransport(b *testing.B) {
	payload := encodeTraces(b, sampleTrace())
	for _, bc := range []struct {
		name string
		view *localView
		rt   func(*agentTransport, *http.Request) (*http.Response, error)
	}{
		// The transport as it was before the view: no view check at all.
		{"baseline", nil, func(t *agentTransport, r *http.Request) (*http.Response, error) { return t.roundTrip(r, false) }},
		{"view=off", nil, (*agentTransport).RoundTrip},
		{"view=on", &localView{w: io.Discard, text: true}, (*agentTransport).RoundTrip},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tr := newTestTransport(nopAgent{})
			defer tr.abort()
			if bc.view != nil {
				tr.view.Store(bc.view)
			}
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodPost, "http://agent/v0.4/traces", bytes.NewReader(payload))
				resp, err := bc.rt(tr, req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
		})
	}
}

// nopAgent answers at once without reading the body, like a network that
// costs nothing: what remains is the transport's own work.
type nopAgent struct{}

func (nopAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
}

func TestLocalViewDeepTraceStaysLinear(t *testing.T) {
	t.Parallel()
	const n = 5000
	chain := make([]tracepayload.Span, n)
	for i := range chain {
		chain[i] = tracepayload.Span{Name: "s", TraceID: 1, SpanID: uint64(i + 1), ParentID: uint64(i), Start: t0 + int64(i)}
	}
	var out bytes.Buffer
	(&localView{w: &out, text: true}).show(encodeTraces(t, chain))
	assert.Equal(t, n+1, strings.Count(out.String(), "\n"), "every span shown")
	assert.Less(t, out.Len(), n*(maxViewDepth*4+40), "indentation is bounded")
}
