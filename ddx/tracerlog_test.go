package ddx

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestTracerLogger(buf *bytes.Buffer) (*tracerLogger, *time.Time) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	l := slog.New(NewHandler(buf, &HandlerOptions{Level: slog.LevelDebug}))
	tl := newTracerLogger(l, "http://localhost:8126")
	tl.now = func() time.Time { return now }
	return tl, &now
}

func TestTracerMessagesBecomeRecordsAtTheirLevel(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		lvl       tracer.LogLevel
		msg       string
		wantMsg   string
		wantLevel string
	}{
		{"error", 3, "Datadog Tracer v2.12.0 ERROR: Error encoding msgpack: bad", "Error encoding msgpack: bad", "ERROR"},
		{"warn", 2, "Datadog Tracer v2.12.0 WARN: Invalid value for DD_LOGGING_RATE", "Invalid value for DD_LOGGING_RATE", "WARN"},
		{"info", 1, "Datadog Tracer v2.12.0 INFO: appsec disabled", "appsec disabled", "INFO"},
		{"debug", 0, "Datadog Tracer v2.12.0 DEBUG: a detail", "a detail", "DEBUG"},
		{"no prefix", 1, "plain message", "plain message", "INFO"},
		{"prefix without level", 1, "Datadog Tracer v2.12.0 something", "Datadog Tracer v2.12.0 something", "INFO"},
		{"empty", 1, "", "", "INFO"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			tl, _ := newTestTracerLogger(&buf)
			tl.adapter().(interface{ LogL(tracer.LogLevel, string) }).LogL(tc.lvl, tc.msg)
			lines := decodeLines(t, buf.Bytes())
			require.Len(t, lines, 1)
			assert.Equal(t, tc.wantMsg, lines[0]["message"])
			assert.Equal(t, tc.wantLevel, lines[0]["status"])
			assert.Equal(t, "dd-trace-go", lines[0]["logger.name"])
		})
	}
}

func TestAgentTroubleIsExplainedOnceThenSummarisedPerMinute(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	tl, now := newTestTracerLogger(&buf)
	refused := errors.New(`dial tcp 127.0.0.1:8126: connect: connection refused`)

	tl.Failed("GET /info", 0, refused)
	for range 50 {
		// The tracer's own count is not added: the transport's is.
		tl.log(3, "Datadog Tracer v2.12.0 ERROR: lost 2 traces: Post \"http://localhost:8126/v0.4/traces\": dial tcp 127.0.0.1:8126: connect: connection refused")
		tl.Failed("PUT /v0.4/traces", 2, refused)
	}
	lines := decodeLines(t, buf.Bytes())
	require.Len(t, lines, 1, "one explanation, no flood")
	assert.Contains(t, lines[0]["message"], "not reachable at http://localhost:8126 (connection refused")
	assert.Equal(t, "WARN", lines[0]["status"])

	*now = now.Add(61 * time.Second)
	tl.Failed("PUT /v0.4/traces", 0, refused)
	lines = decodeLines(t, buf.Bytes())
	require.Len(t, lines, 2, "a summary after a minute")
	assert.Contains(t, lines[1]["message"], "still not reachable")
	assert.EqualValues(t, 101, lines[1]["suppressed"])
	assert.EqualValues(t, 100, lines[1]["traces_lost"])

	tl.Delivered()
	tl.Delivered()
	lines = decodeLines(t, buf.Bytes())
	require.Len(t, lines, 3, "recovery is reported once")
	assert.Contains(t, lines[2]["message"], "reachable again")
	assert.Equal(t, "INFO", lines[2]["status"])

	// A new outage is explained again.
	tl.Failed("PUT /v0.4/traces", 1, refused)
	assert.Len(t, decodeLines(t, buf.Bytes()), 4)
}

func TestAgentTroubleCauses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		msg   string
		cause string // "" means: not about the Agent
	}{
		{"lost 3 traces: dial tcp 127.0.0.1:8126: connect: connection refused", "connection refused"},
		{"loading features: Get \"http://agent:8126/info\": dial tcp: lookup agent: no such host", "does not resolve"},
		{"failure sending traces (attempt 1 of 2): context deadline exceeded", "no answer in time"},
		{"Failed to upload profile: read: connection reset by peer", "closed"},
		{"decoding features: invalid character 'x'", "not as a Datadog Agent"},
		{"unexpected /info status: 500", "not as a Datadog Agent"},
		{"lost 8544 traces: <!DOCTYPE HTML><html><body><h1>Error response</h1><p>Error code: 501</p>", "did not take the traces"},
		{"loading features: Get \"http://UDS__var_run_datadog_apm.socket/info\": dial unix /var/run/datadog/apm.socket: connect: no such file or directory", "no socket file"},
		{"appsec: rules loaded", ""},
		{"Invalid value for DD_LOGGING_RATE", ""},
	}
	for _, tc := range cases {
		cause, ok := agentTrouble(tc.msg)
		if tc.cause == "" {
			assert.False(t, ok, tc.msg)
			continue
		}
		assert.True(t, ok, tc.msg)
		assert.Contains(t, cause, tc.cause, tc.msg)
	}
}

// TestQueueDropsSaidPlainly: the tracer's count of traces it could not
// queue becomes one line that says what happened, with the count.
func TestQueueDropsSaidPlainly(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	tl, _ := newTestTracerLogger(&buf)
	tl.log(3, "Datadog Tracer v2.12.0 ERROR: 158252 traces dropped through payload queue (occurred: 01 Dec 26 23:45 UTC)")
	tl.log(3, "Datadog Tracer v2.12.0 ERROR: 7 traces dropped through payload queue, 3 additional messages skipped (first occurrence: 01 Dec 26 23:45 UTC)")
	lines := decodeLines(t, buf.Bytes())
	require.Len(t, lines, 2)
	assert.Equal(t, "ERROR", lines[0]["status"])
	assert.Equal(t, "ddx: 158252 traces dropped: spans finished faster than the tracer could queue them for the Agent (a burst). "+
		"The service itself is not affected.", lines[0]["message"])
	assert.EqualValues(t, 158252, lines[0]["traces_dropped"])
	assert.EqualValues(t, 7, lines[1]["traces_dropped"])
}

// TestNoAgentIsOneLine: when the view turns on because no Agent could be
// dialled, one line says both, whichever came first: the hook reports the
// view (Showing) before the failed request, or the outage was told before.
func TestNoAgentIsOneLine(t *testing.T) {
	t.Parallel()
	refused := errors.New("dial tcp 127.0.0.1:8126: connect: connection refused")
	t.Run("view first", func(t *testing.T) {
		var buf bytes.Buffer
		tl, _ := newTestTracerLogger(&buf)
		tl.Showing(true)
		tl.Failed("GET /info", 0, refused)
		lines := decodeLines(t, buf.Bytes())
		require.Len(t, lines, 1)
		assert.Equal(t, "WARN", lines[0]["status"])
		assert.Contains(t, lines[0]["message"], "printed on stderr by the local trace view (DDX_LOCAL_VIEW=false turns it off)")
	})
	t.Run("outage first", func(t *testing.T) {
		var buf bytes.Buffer
		tl, _ := newTestTracerLogger(&buf)
		tl.Failed("GET /info", 0, refused)
		tl.Showing(true)
		lines := decodeLines(t, buf.Bytes())
		require.Len(t, lines, 2)
		assert.NotContains(t, lines[0]["message"], "local trace view")
		assert.Contains(t, lines[1]["message"], "showing each finished trace on stderr instead (local trace view)")
	})
}

func TestAgentTroubleMentionsTheLocalView(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{false, true} {
		var buf bytes.Buffer
		tl, _ := newTestTracerLogger(&buf)
		if on {
			tl.Showing(false)
		}
		tl.Failed("GET /info", 0, errors.New("dial tcp 127.0.0.1:8126: connect: connection refused"))
		lines := decodeLines(t, buf.Bytes())
		require.Len(t, lines, 1)
		if on {
			assert.Contains(t, lines[0]["message"], "printed on stderr by the local trace view")
		} else {
			assert.NotContains(t, lines[0]["message"], "local trace view")
		}
	}
}
