package ddx_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
)

func withMessage(lines []map[string]any, substr string) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		if msg, _ := l["message"].(string); strings.Contains(msg, substr) {
			out = append(out, l)
		}
	}
	return out
}

// quietEnv keeps tests independent of the machine's DD_* variables and of
// Datadog's telemetry.
func quietEnv(t *testing.T) {
	for _, k := range []string{"DD_SERVICE", "DD_ENV", "DD_VERSION", "DD_AGENT_HOST", "DD_TRACE_AGENT_URL",
		"DD_TRACE_AGENT_PORT", "DD_PROFILING_ENABLED", "DD_TRACE_ENABLED", "DD_RUNTIME_METRICS_ENABLED",
		"DDX_LOG_LEVEL", "DDX_LOG_FORMAT", "GOMEMLIMIT"} {
		t.Setenv(k, "")
	}
	t.Setenv("DD_INSTRUMENTATION_TELEMETRY_ENABLED", "false")
	t.Setenv("DD_REMOTE_CONFIGURATION_ENABLED", "false")
}

func TestStartHealthyAgentJoinsLogToTrace(t *testing.T) {
	quietEnv(t)
	agent := testagent.Start(t)
	var out testlog.Buffer
	rt := ddx.Start(
		ddx.WithAgentURL(agent.URL()),
		ddx.WithService("checkout"), ddx.WithEnv("test"), ddx.WithVersion("1.2.3"),
		ddx.WithLogWriter(&out), ddx.WithLogFormat("json"),
	)
	span, ctx := tracer.StartSpanFromContext(context.Background(), "web.request", tracer.ResourceName("GET /hello"))
	slog.InfoContext(ctx, "hello from a request", slog.Int("order_id", 42))
	span.Finish()
	rt.Stop()

	spans := agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool {
		_, ok := testagent.Find(s, func(s testagent.Span) bool { return s.Name == "web.request" })
		return ok
	})
	got, _ := testagent.Find(spans, func(s testagent.Span) bool { return s.Name == "web.request" })
	assert.Equal(t, "checkout", got.Service)
	assert.Equal(t, "test", got.Meta["env"])
	assert.Equal(t, "1.2.3", got.Meta["version"])

	lines := out.Objects(t)
	hello := withMessage(lines, "hello from a request")
	require.Len(t, hello, 1)
	assert.Equal(t, got.TraceID128(), hello[0]["dd.trace_id"], "the log line's trace id is the trace the Agent received")
	assert.Equal(t, "checkout", hello[0]["dd.service"])
	assert.Equal(t, "test", hello[0]["dd.env"])
	assert.Equal(t, "1.2.3", hello[0]["dd.version"])

	started := withMessage(lines, "ddx started")
	require.Len(t, started, 1, "one INFO line with the effective configuration")
	assert.Equal(t, agent.URL(), started[0]["agent.url"])
	assert.Equal(t, true, started[0]["tracing"])
	assert.Empty(t, withMessage(lines, "not reachable"), "a healthy Agent is not reported")
}

func TestStopDeliversEveryFinishedSpan(t *testing.T) {
	quietEnv(t)
	agent := testagent.Start(t)
	rt := ddx.Start(ddx.WithAgentURL(agent.URL()), ddx.WithLogWriter(&testlog.Buffer{}), ddx.WithProfiling(false))
	const n = 500
	for i := range n {
		s := tracer.StartSpan("job.tick", tracer.ResourceName("tick"))
		s.SetTag("i", i)
		s.Finish()
	}
	rt.Stop()
	// Stop has returned: everything must already be at the Agent.
	count := 0
	for _, s := range agent.Spans() {
		if s.Name == "job.tick" {
			count++
		}
	}
	assert.Equal(t, n, count)
}

func TestStartAndStopAreBoundedWhateverTheAgentDoes(t *testing.T) {
	// The bounds asserted here are loose on purpose (this is a shared
	// 2-core machine): they catch the 10 s and 15–20 s blocks plain
	// dd-trace-go shows; BenchmarkStart measures the real figures.
	cases := []struct {
		name  string
		agent func(t *testing.T) string
	}{
		{"absent", func(t *testing.T) string { return closedPort(t) }},
		{"hangs", func(t *testing.T) string {
			a := testagent.Start(t)
			a.SetMode(testagent.Hang)
			return a.URL()
		}},
		{"slow", func(t *testing.T) string {
			a := testagent.Start(t)
			a.SetDelay(2 * time.Second)
			a.SetMode(testagent.Slow)
			return a.URL()
		}},
		{"fails", func(t *testing.T) string {
			a := testagent.Start(t)
			a.SetMode(testagent.Fail)
			return a.URL()
		}},
		{"garbage", func(t *testing.T) string {
			a := testagent.Start(t)
			a.SetMode(testagent.Garbage)
			return a.URL()
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			quietEnv(t)
			url := tc.agent(t)
			var out testlog.Buffer
			begin := time.Now()
			rt := ddx.Start(ddx.WithAgentURL(url), ddx.WithLogWriter(&out), ddx.WithStopTimeout(time.Second))
			assert.Less(t, time.Since(begin), time.Second, "Start waited on the Agent")

			span := tracer.StartSpan("op")
			span.Finish()
			begin = time.Now()
			rt.Stop()
			assert.Less(t, time.Since(begin), 2*time.Second, "Stop exceeded its bound")
			out.Objects(t) // every line is JSON, the tracer's included
		})
	}
}

func TestAbsentAgentIsExplainedOnce(t *testing.T) {
	quietEnv(t)
	url := closedPort(t)
	var out testlog.Buffer
	rt := ddx.Start(ddx.WithAgentURL(url), ddx.WithLogWriter(&out), ddx.WithStopTimeout(time.Second))
	for range 20 {
		s := tracer.StartSpan("op")
		s.Finish()
		tracer.Flush()
	}
	rt.Stop()
	lines := out.Objects(t)
	explained := withMessage(lines, "Datadog Agent not reachable at "+url)
	require.Len(t, explained, 1, "explained exactly once")
	msg := explained[0]["message"].(string)
	for _, want := range []string{"connection refused", "DD_AGENT_HOST", "DD_TRACE_AGENT_URL", "traces"} {
		assert.Contains(t, msg, want)
	}
	assert.Equal(t, "WARN", explained[0]["status"])
	for _, l := range lines {
		msg, _ := l["message"].(string)
		assert.NotContains(t, msg, "Datadog Tracer v2", "the tracer's prefix is stripped: the level is a field")
	}
}

func TestStartTwiceAndStopTwice(t *testing.T) {
	quietEnv(t)
	agent := testagent.Start(t)
	var out testlog.Buffer
	a := ddx.Start(ddx.WithAgentURL(agent.URL()), ddx.WithLogWriter(&out), ddx.WithProfiling(false))
	b := ddx.Start(ddx.WithAgentURL(agent.URL()), ddx.WithLogWriter(&out))
	assert.Same(t, a, b, "a second Start keeps the running configuration")
	a.Stop()
	b.Stop()
	var nilRuntime *ddx.Runtime
	nilRuntime.Stop()
	assert.Len(t, withMessage(out.Objects(t), "already running"), 1)

	// And it starts again after Stop, as tests need.
	c := ddx.Start(ddx.WithAgentURL(agent.URL()), ddx.WithLogWriter(&out), ddx.WithProfiling(false))
	assert.NotSame(t, a, c)
	c.Stop()
}

func TestStopRestoresDefaultLogger(t *testing.T) {
	quietEnv(t)
	before := slog.Default()
	rt := ddx.Start(ddx.WithAgentURL(closedPort(t)), ddx.WithLogWriter(&testlog.Buffer{}), ddx.WithTracing(false), ddx.WithProfiling(false))
	assert.NotSame(t, before, slog.Default())
	assert.Same(t, rt.Logger(), slog.Default())
	rt.Stop()
	assert.Same(t, before, slog.Default())
}

// closedPort returns the URL of a 127.0.0.1 port nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}
