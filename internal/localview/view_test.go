package localview

import (
	"bufio"
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	b, err := tracepayload.EncodeV04(traces...)
	require.NoError(t, err)
	return b
}

// handlerKeys are package ddx's handler keys, as it passes them.
var handlerKeys = Keys{Time: "timestamp", Level: "status", Message: "message", TraceID: "dd.trace_id",
	Service: "dd.service", Env: "dd.env", Version: "dd.version"}

func TestLocalViewText(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	New(&out, Options{Text: true}).Show(encodeTraces(t, sampleTrace(),
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

// TestLocalViewTextRemoteParent: a chunk whose root's parent is not in it
// continues a trace of another process, and its first line says so.
func TestLocalViewTextRemoteParent(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	New(&out, Options{Text: true}).Show(encodeTraces(t, []tracepayload.Span{
		{Name: "kafka.consume", Resource: "Consume Topic orders", Service: "worker", TraceID: 7, SpanID: 2, ParentID: 99, Start: t0, Duration: 2_000_000},
		{Name: "http.request", Resource: "GET shop", Service: "worker", TraceID: 7, SpanID: 3, ParentID: 2, Start: t0 + 100_000, Duration: 1_000_000},
	}))
	at := time.Unix(0, t0).Format("15:04:05.000")
	assert.Equal(t, at+` trace 00000000000000000000000000000007  worker  2.00ms  2 spans, parent in another process
Consume Topic orders (kafka.consume)  2.00ms
└─ GET shop (http.request)  1.00ms  at +100µs
`, out.String())
}

func TestLocalViewJSON(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	New(&out, Options{Service: "users", Env: "dev", Version: "1.2.3", Keys: handlerKeys}).Show(encodeTraces(t, sampleTrace()))
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
			New(&out, Options{Text: true}).Show(tc.payload)
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

func FuzzLocalView(f *testing.F) {
	f.Add(encodeTraces(f, sampleTrace()), true)
	f.Add(encodeTraces(f, sampleTrace()), false)
	f.Add([]byte{0x91, 0x91, 0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa1, '\n'}, false)
	f.Add([]byte("\x91\x92\x80\x80"), true)
	f.Fuzz(func(t *testing.T, payload []byte, text bool) {
		var out bytes.Buffer
		New(&out, Options{Text: text, Keys: handlerKeys}).Show(payload)
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

func TestLocalViewDeepTraceStaysLinear(t *testing.T) {
	t.Parallel()
	const n = 5000
	chain := make([]tracepayload.Span, n)
	for i := range chain {
		chain[i] = tracepayload.Span{Name: "s", TraceID: 1, SpanID: uint64(i + 1), ParentID: uint64(i), Start: t0 + int64(i)}
	}
	var out bytes.Buffer
	New(&out, Options{Text: true}).Show(encodeTraces(t, chain))
	assert.Equal(t, n+1, strings.Count(out.String(), "\n"), "every span shown")
	assert.Less(t, out.Len(), n*(maxViewDepth*4+40), "indentation is bounded")
}

// The JSON form's bytes, exactly: the log handler's keys in its order,
// HTML characters unescaped, empty values omitted.
func TestLocalViewJSONBytes(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	v := New(&out, Options{Service: "users", Env: "dev", Version: "1.2.3", Keys: handlerKeys})
	tr := sampleTrace()
	tr[0].Resource = "POST /charge?a=<b>&c=\u2028"
	v.Show(encodeTraces(t, tr, []tracepayload.Span{{Name: "job.run", Resource: "sync", TraceID: 7, SpanID: 9, Start: t0, Duration: 850}}))
	v.Show([]byte("<html>"))
	got := regexp.MustCompile(`"timestamp":"[^"]*","status":"WARN"`).ReplaceAllString(out.String(), `"timestamp":"…","status":"WARN"`)
	want := "{\"timestamp\":\"2026-05-28T20:26:40.012Z\",\"status\":\"INFO\",\"message\":\"trace GET /users/{id} (http.request) 12.4ms (4 spans, 2 errors)\",\"logger.name\":\"ddx.localview\",\"dd.trace_id\":\"0123456789abcdef00000000000000aa\",\"dd.service\":\"users\",\"dd.env\":\"dev\",\"dd.version\":\"1.2.3\",\"trace\":{\"duration\":12400000,\"spans\":[{\"depth\":0,\"name\":\"http.request\",\"resource\":\"GET /users/{id}\",\"service\":\"users\",\"span_id\":\"1\",\"start_offset\":0,\"duration\":12400000,\"status\":\"503\",\"error\":{\"kind\":\"Unavailable\",\"message\":\"users.Get: load user 7: dial tcp 10.0.0.5:5432: connect: connection refused\",\"type\":\"*errors.Error\"}},{\"depth\":1,\"name\":\"db.query\",\"resource\":\"SELECT users\",\"service\":\"users\",\"span_id\":\"2\",\"parent_id\":\"1\",\"start_offset\":300000,\"duration\":3100000},{\"depth\":2,\"name\":\"pgx.connect\",\"service\":\"users\",\"span_id\":\"3\",\"parent_id\":\"2\",\"start_offset\":400000,\"duration\":1000000,\"error\":{\"message\":\"dial tcp 10.0.0.5:5432:\\nconnect: connection refused\",\"type\":\"*net.OpError\"}},{\"depth\":1,\"name\":\"http.request\",\"resource\":\"POST /charge?a=<b>&c=\\u2028\",\"service\":\"payments\",\"span_id\":\"4\",\"parent_id\":\"1\",\"start_offset\":4000000,\"duration\":8000000,\"status\":\"503\"}]}}\n{\"timestamp\":\"2026-05-28T20:26:40.000Z\",\"status\":\"INFO\",\"message\":\"trace sync (job.run) 850ns (1 span)\",\"logger.name\":\"ddx.localview\",\"dd.trace_id\":\"00000000000000000000000000000007\",\"dd.service\":\"users\",\"dd.env\":\"dev\",\"dd.version\":\"1.2.3\",\"trace\":{\"duration\":850,\"spans\":[{\"depth\":0,\"name\":\"job.run\",\"resource\":\"sync\",\"span_id\":\"9\",\"start_offset\":0,\"duration\":850}]}}\n{\"timestamp\":\"2026-12-01T20:47:41.901Z\",\"status\":\"WARN\",\"message\":\"ddx local view: could not read a trace payload: decode traces: payload is not an array\",\"logger.name\":\"ddx.localview\",\"dd.service\":\"users\",\"dd.env\":\"dev\",\"dd.version\":\"1.2.3\"}\n"
	assert.Equal(t, strings.Replace(want, `"timestamp":"2026-12-01T20:47:41.901Z","status":"WARN"`, `"timestamp":"…","status":"WARN"`, 1), got)

	out.Reset()
	New(&out, Options{Keys: handlerKeys}).Show(encodeTraces(t, []tracepayload.Span{{Name: "x", TraceID: 7, SpanID: 9, Start: t0, Duration: 850}}))
	assert.Equal(t, "{\"timestamp\":\"2026-05-28T20:26:40.000Z\",\"status\":\"INFO\",\"message\":\"trace x 850ns (1 span)\",\"logger.name\":\"ddx.localview\",\"dd.trace_id\":\"00000000000000000000000000000007\",\"trace\":{\"duration\":850,\"spans\":[{\"depth\":0,\"name\":\"x\",\"span_id\":\"9\",\"start_offset\":0,\"duration\":850}]}}\n", out.String(), "no dd.service, dd.env or dd.version when they are empty")
}

// TestLocalViewTextEscapesTerminalControls: client input in resources,
// statuses and error messages cannot reach the terminal as escape
// sequences, forged lines or reversed text.
func TestLocalViewTextEscapesTerminalControls(t *testing.T) {
	t.Parallel()
	evil := "/u/\x1b]0;PWNED\x07\x1b[2J\u202etxt.exe\u009b1m\x00\xff"
	var out bytes.Buffer
	New(&out, Options{Text: true}).Show(encodeTraces(t, []tracepayload.Span{{
		Name: "http.request", Resource: "GET " + evil, Service: "web\x1b[31m", TraceID: 9, SpanID: 11, Start: t0, Duration: 1_000_000, Error: 1,
		Meta: map[string]string{"http.status_code": "500\x1b[0m", "error.kind": "Internal",
			"error.type": "*errors.Error", "error.message": "bad path " + evil}}}))
	got := out.String()
	for _, r := range got {
		if r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)) {
			t.Fatalf("raw control %U in the view:\n%q", r, got)
		}
	}
	for _, want := range []string{`GET /u/\x1b]0;PWNED\x07\x1b[2J\u202etxt.exe\u009b1m\x00� (http.request)`, `bad path /u/\x1b]0;PWNED`, `web\x1b[31m`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 3 {
		t.Errorf("%d lines, want 3:\n%s", n, got)
	}
}
