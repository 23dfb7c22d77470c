package ddx_test

import (
	"fmt"
	"io"
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

// TestTracesLostAreCounted: traces the Agent refuses are counted as they
// are lost, and the count is in the line that ends the outage. The real
// tracer's own "lost N traces" messages arrive a minute later, aggregated,
// with the first N only: the count must not depend on them.
// With DD_TRACE_SEND_RETRIES the tracer sends each payload again before it
// drops it: a payload counts once, at its last attempt.
// The local view, on, sends the Agent a copy of each payload: the count
// must not depend on which request reaches the Agent.
func TestTracesLostAreCounted(t *testing.T) {
	for _, retries := range []string{"", "2"} {
		for _, view := range []bool{false, true} {
			t.Run(fmt.Sprintf("retries=%s/view=%v", retries, view), func(t *testing.T) { testTracesLost(t, retries, view) })
		}
	}
}

func testTracesLost(t *testing.T, retries string, view bool) {
	quietEnv(t)
	t.Setenv("DD_TRACE_SEND_RETRIES", retries)
	agent := testagent.Start(t)
	agent.SetMode(testagent.Fail)
	var out testlog.Buffer
	rt := ddx.Start(ddx.WithAgentURL(agent.URL()), ddx.WithLogWriter(&out), ddx.WithLogFormat("json"),
		ddx.WithProfiling(false), ddx.WithLocalView(view), ddx.WithViewWriter(io.Discard))
	for range 16 {
		tracer.StartSpan("lost.work").Finish() // 16 traces of one span
	}
	sends := 1
	if retries != "" {
		sends = 3 // the first attempt and two more
	}
	require.Eventually(t, func() bool { return agent.Requests("/v0.4/traces") >= sends }, 10*time.Second, 20*time.Millisecond,
		"the tracer sends the traces, and the Agent answers 500")
	require.Eventually(t, func() bool { return len(withMessage(out.Objects(t), "not reachable")) > 0 },
		5*time.Second, 20*time.Millisecond, "the outage is explained")

	agent.SetMode(testagent.Healthy)
	tracer.StartSpan("kept.work").Finish()
	rt.Stop()

	var again []map[string]any
	for _, l := range out.Objects(t) {
		if m, _ := l["message"].(string); strings.Contains(m, "reachable again") {
			again = append(again, l)
		}
	}
	require.Len(t, again, 1, "the Agent's return is reported once")
	assert.EqualValues(t, 16, again[0]["traces_lost"])
	_, found := testagent.Find(agent.Spans(), func(s testagent.Span) bool { return s.Name == "kept.work" })
	assert.True(t, found)
}
