package ddxtest

import (
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/internal/testagent"
)

// TestTraceSendsSeen: while the Agent holds a payload, its sender is one
// of traceSends, and Flush waits for it. If dd-trace-go starts its senders
// from somewhere else, senderCreator must follow, or Flush would stop
// waiting for payloads overtaken by its marker.
func TestTraceSendsSeen(t *testing.T) {
	r := Start(t)
	r.agent.SetDelay(300 * time.Millisecond)
	r.agent.SetMode(testagent.Slow)
	tracer.StartSpan("held").Finish()
	deadline := time.Now().Add(DefaultTimeout)
	for len(traceSends()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no goroutine whose stack has %q while the Agent holds a payload", senderCreator)
		}
		tracer.Flush()
		time.Sleep(time.Millisecond)
	}
	r.Flush(t)
	if got := r.Spans(); len(got) != 1 || got[0].Name != "held" {
		t.Errorf("after Flush, spans %v, want the one held", got)
	}
	if ids := traceSends(); len(ids) > 0 {
		t.Logf("senders still running after Flush (started since): %v", ids)
	}
}
