package ddx

import (
	"io"
	"testing"
	"time"

	"github.com/ddx-go/ddx/internal/testagent"
)

func TestReady(t *testing.T) {
	clearEnv(t)
	select {
	case <-(*Runtime)(nil).Ready():
	default:
		t.Fatal("a nil Runtime's Ready is not closed")
	}
	agent := testagent.Start(t)
	rt := Start(WithAgentURL(agent.URL()), WithLogWriter(io.Discard), WithProfiling(false), WithRuntimeMetrics(false), WithMemoryLimitRatio(0))
	defer rt.Stop()
	select {
	case <-rt.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("Ready not closed 10s after Start")
	}
}
