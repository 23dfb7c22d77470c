package ddx_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
)

// TestQueueOverflowSaidPromptly: a burst of spans that overflows the
// tracer's payload queue is said in one line with the count, within about
// a second, before Stop. It runs in a child process: dd-trace-go reads
// DD_LOGGING_RATE (0: its error lines are not held for a minute) before
// main.
func TestQueueOverflowSaidPromptly(t *testing.T) {
	if os.Getenv("DDX_TEST_QUEUE_CHILD") == "1" {
		queueOverflowChild()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestQueueOverflowSaidPromptly$")
	cmd.Env = append(os.Environ(), "DDX_TEST_QUEUE_CHILD=1", "DD_LOGGING_RATE=0",
		"DD_INSTRUMENTATION_TELEMETRY_ENABLED=false", "DD_REMOTE_CONFIGURATION_ENABLED=false")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "child: %s", stderr.String())

	var dropped, stopping map[string]any
	for _, line := range bytes.Split(stdout.Bytes(), []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(line, &m) != nil {
			continue
		}
		switch {
		case m["traces_dropped"] != nil && dropped == nil:
			dropped = m
		case m["message"] == "stopping":
			stopping = m
		}
	}
	require.NotNil(t, dropped, "no line about the dropped traces:\n%s", stdout.String())
	require.NotNil(t, stopping)
	assert.Greater(t, dropped["traces_dropped"], 0.0)
	assert.Less(t, dropped["timestamp"], stopping["timestamp"], "said before Stop, not at it")
}

func queueOverflowChild() {
	agent, err := testagent.New()
	if err != nil {
		panic(err)
	}
	defer agent.Close()
	agent.SetDiscard(true)
	rt := ddx.Start(ddx.WithAgentURL(agent.URL()), ddx.WithProfiling(false), ddx.WithLocalView(false),
		ddx.WithLogFormat("json"), ddx.WithLogWriter(os.Stdout), ddx.WithRuntimeMetrics(false))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20000 {
				tracer.StartSpan("burst").Finish()
			}
		})
	}
	wg.Wait()
	// The tracer says it on the first span finished a second after the
	// drops began.
	for range 30 {
		time.Sleep(100 * time.Millisecond)
		tracer.StartSpan("after").Finish()
	}
	slog.Info("stopping")
	rt.Stop()
}
