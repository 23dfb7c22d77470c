package ddx_test

import (
	"log/slog"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testlog"
)

func TestLogOutputChoices(t *testing.T) {
	quietEnv(t)
	url := closedPort(t)
	base := []ddx.Option{ddx.WithAgentURL(url), ddx.WithTracing(false), ddx.WithProfiling(false)}

	t.Run("DDX_LOG_FORMAT=text is for people", func(t *testing.T) {
		t.Setenv("DDX_LOG_FORMAT", "text")
		var out testlog.Buffer
		rt := ddx.Start(append(base, ddx.WithLogWriter(&out))...)
		slog.Info("hello", "password", "hunter2")
		rt.Stop()
		text := out.String()
		assert.Contains(t, text, "hello")
		assert.NotContains(t, text, "hunter2", "redaction applies to text too")
		assert.False(t, strings.HasPrefix(strings.TrimSpace(text), "{"), "not JSON: %s", text)
	})

	t.Run("DDX_LOG_LEVEL filters and the level changes at run time", func(t *testing.T) {
		t.Setenv("DDX_LOG_LEVEL", "warn")
		var out testlog.Buffer
		var lv slog.LevelVar
		lv.Set(slog.LevelWarn)
		rt := ddx.Start(append(base, ddx.WithLogWriter(&out), ddx.WithLogLevel(&lv))...)
		slog.Info("hidden")
		lv.Set(slog.LevelDebug)
		slog.Debug("shown")
		rt.Stop()
		lines := out.Objects(t)
		assert.Empty(t, withMessage(lines, "hidden"))
		assert.Len(t, withMessage(lines, "shown"), 1)
	})

	t.Run("extra sinks get every record", func(t *testing.T) {
		var out testlog.Buffer
		var sink testlog.Records
		rt := ddx.Start(append(base, ddx.WithLogWriter(&out), ddx.WithLogHandlers(&sink, nil))...)
		slog.Info("to both")
		rt.Stop()
		assert.Len(t, withMessage(out.Objects(t), "to both"), 1)
		var msgs []string
		for _, r := range sink.Lines() {
			msgs = append(msgs, r.Message)
		}
		assert.Contains(t, msgs, "to both")
	})
}

func TestMemoryLimit(t *testing.T) {
	quietEnv(t)
	url := closedPort(t)
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })

	t.Run("GOMEMLIMIT set by the person wins", func(t *testing.T) {
		t.Setenv("GOMEMLIMIT", "1GiB")
		var out testlog.Buffer
		rt := ddx.Start(ddx.WithAgentURL(url), ddx.WithTracing(false), ddx.WithProfiling(false), ddx.WithLogWriter(&out))
		rt.Stop()
		assert.Contains(t, out.String(), `"memory_limit":"GOMEMLIMIT=`)
		assert.Contains(t, out.String(), "from the environment")
	})
	t.Run("disabled by option", func(t *testing.T) {
		var out testlog.Buffer
		rt := ddx.Start(ddx.WithAgentURL(url), ddx.WithTracing(false), ddx.WithProfiling(false), ddx.WithLogWriter(&out),
			ddx.WithMemoryLimitRatio(0))
		rt.Stop()
		assert.Contains(t, out.String(), "disabled by option")
	})
	t.Run("from the container when unset", func(t *testing.T) {
		var out testlog.Buffer
		rt := ddx.Start(ddx.WithAgentURL(url), ddx.WithTracing(false), ddx.WithProfiling(false), ddx.WithLogWriter(&out))
		rt.Stop()
		started := withMessage(out.Objects(t), "ddx started")
		require.Len(t, started, 1)
		// This machine may or may not run in a memory-limited cgroup; either
		// way the line says what was decided.
		got := started[0]["memory_limit"].(string)
		assert.True(t, strings.Contains(got, "of the container limit") || strings.Contains(got, "no container memory limit") ||
			strings.HasPrefix(got, "not set ("), got)
	})
}
