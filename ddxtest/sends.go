package ddxtest

import (
	"bytes"
	"runtime"
	"time"
)

// senderCreator is the frame that ends the stack of every goroutine
// dd-trace-go's trace writer starts to send a payload to the Agent
// ((*agentTraceWriter).sendAsync, called by its flush). The tracer flushes
// on its one worker goroutine, in the order the spans were finished, but
// each payload is then sent on a goroutine of its own, up to 100 at a
// time: a later payload, Flush's marker among them, can reach the Agent
// before an earlier one. TestTraceSendsSeen fails if a dd-trace-go release
// starts its senders elsewhere.
var senderCreator = []byte("\ncreated by github.com/DataDog/dd-trace-go/v2/ddtrace/tracer.(*agentTraceWriter).")

// traceSends returns the ids of the goroutines sending trace payloads now,
// including those started and not yet run, each with the header line of
// its stack ("goroutine 42 [...]:").
func traceSends() map[string]bool {
	buf := make([]byte, 256<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	ids := map[string]bool{}
	for g := range bytes.SplitSeq(buf, []byte("\n\n")) {
		if !bytes.Contains(g, senderCreator) {
			continue
		}
		// "goroutine 42 [select]:": the id is the second field.
		if f := bytes.Fields(g); len(f) >= 2 && string(f[0]) == "goroutine" {
			ids[string(f[1])] = true
		}
	}
	return ids
}

// waitSends waits until every goroutine in ids has ended, that is until
// the payload each one sends has been answered (or given up), and reports
// whether that happened within timeout. Goroutine ids are never reused, so
// senders started later are not waited for.
func waitSends(ids map[string]bool, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for delay := 100 * time.Microsecond; len(ids) > 0; delay = min(2*delay, 10*time.Millisecond) {
		now := traceSends()
		for id := range ids {
			if !now[id] {
				delete(ids, id)
			}
		}
		if len(ids) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(delay)
	}
	return true
}
