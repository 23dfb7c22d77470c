package ddx_test

import (
	"context"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
)

// TestStartAfterStopThatHitItsBound: a Stop that gave up on a hanging
// Agent leaves dd-trace-go's Stop running; the next Start must not have
// its tracer stopped by it. Every span of the second Runtime reaches the
// second Agent, cycle after cycle.
func TestStartAfterStopThatHitItsBound(t *testing.T) {
	quietEnv(t)
	hanging := testagent.Start(t)
	hanging.SetMode(testagent.Hang)
	healthy := testagent.Start(t)
	for cycle := range 3 {
		rt := ddx.Start(ddx.WithAgentURL(hanging.URL()), ddx.WithLogWriter(&testlog.Buffer{}),
			ddx.WithStopTimeout(150*time.Millisecond))
		for range 10 {
			span, _ := tracer.StartSpanFromContext(context.Background(), "lost")
			span.Finish()
		}
		rt.Stop() // gives up at its bound

		healthy.Reset()
		rt = ddx.Start(ddx.WithAgentURL(healthy.URL()), ddx.WithLogWriter(&testlog.Buffer{}),
			ddx.WithProfiling(false), ddx.WithStopTimeout(5*time.Second))
		time.Sleep(300 * time.Millisecond) // time for the first Stop's leftovers to act
		for range 10 {
			span, _ := tracer.StartSpanFromContext(context.Background(), "kept")
			span.Finish()
		}
		rt.Stop()
		spans := healthy.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) >= 10 })
		kept := 0
		for _, s := range spans {
			if s.Name == "kept" {
				kept++
			}
		}
		if kept != 10 {
			t.Fatalf("cycle %d: %d of 10 spans reached the second Agent", cycle, kept)
		}
	}
}
