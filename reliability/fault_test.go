package reliability_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
)

// agentFault is one way the Agent misbehaves: start puts it in that state
// and heal brings it back.
type agentFault struct {
	name  string
	start func(tb testing.TB, a *testagent.Agent)
	heal  func(tb testing.TB, a *testagent.Agent)
	// tried reports whether the tracer met the fault: the test would prove
	// nothing if no payload was ever sent while it lasted.
	tried func(a *testagent.Agent, logs *jsonLines) bool
}

func setMode(m testagent.Mode) func(testing.TB, *testagent.Agent) {
	return func(_ testing.TB, a *testagent.Agent) { a.SetMode(m) }
}

func agentDown(_ testing.TB, a *testagent.Agent) { a.Down() }

func agentUp(tb testing.TB, a *testagent.Agent) {
	if err := a.Up(); err != nil {
		tb.Fatalf("agent did not come back: %v", err)
	}
}

func triedTraces(a *testagent.Agent, _ *jsonLines) bool { return a.Requests("/v0.4/traces") > 0 }

// explained: ddx told, in one plain line, that the Agent cannot be reached.
func explained(_ *testagent.Agent, logs *jsonLines) bool {
	return len(logs.containing("Datadog Agent not reachable")) > 0
}

// agentFaults are the faults of the issue: refuse, hang, 500, garbage,
// slow. "vanishes" (down then up in the middle of the load) is run
// separately, since it starts healthy.
var agentFaults = []agentFault{
	{name: "refuses", start: agentDown, heal: agentUp, tried: explained},
	{name: "hangs", start: setMode(testagent.Hang), heal: setMode(testagent.Healthy), tried: triedTraces},
	{name: "fails", start: setMode(testagent.Fail), heal: setMode(testagent.Healthy), tried: explained},
	{name: "garbage", start: setMode(testagent.Garbage), heal: setMode(testagent.Healthy), tried: triedTraces},
	{name: "slow", start: func(_ testing.TB, a *testagent.Agent) {
		a.SetDelay(time.Second)
		a.SetMode(testagent.Slow)
	}, heal: setMode(testagent.Healthy), tried: triedTraces},
}

const (
	// faultLoad is how long the load runs under a fault: longer than the
	// tracer's 2 s flush interval, so that payloads meet the fault.
	faultLoad = 2200 * time.Millisecond
	// startBound and stopBound are loose on purpose (a shared 2-core
	// machine, -race): they catch the multi-second blocks of plain
	// dd-trace-go (10 s at start with a hanging Agent, 15-20 s at stop).
	startBound  = time.Second
	stopTimeout = 2 * time.Second
	stopBound   = stopTimeout + time.Second
	// recoverWithin is how long spans may take to reach the Agent after it
	// is back: a flush interval, plus slack for -race.
	recoverWithin = 15 * time.Second
)

// TestRequestsAnsweredWhateverTheAgentDoes runs load through
// middleware.Wrap with the real tracer while the Agent misbehaves, then
// heals it, then breaks it again and stops. It proves that
//   - Start returns within its bound with the Agent already broken;
//   - every request is answered 200, with one whole JSON access-log line;
//   - the tracer did meet the fault (it sent to the Agent, or ddx
//     explained the outage);
//   - spans reach the Agent again once it is back, without a restart;
//   - Stop returns within its bound with the Agent broken and spans pending.
func TestRequestsAnsweredWhateverTheAgentDoes(t *testing.T) {
	for _, f := range agentFaults {
		t.Run(f.name, func(t *testing.T) {
			agent := testagent.Start(t)
			f.start(t, agent)

			begin := time.Now()
			rt, logs := startDDX(t, agent.URL(), ddx.WithStopTimeout(stopTimeout))
			startTook := time.Since(begin)
			svc := startService(t, serviceMux())

			res := svc.load(8, faultLoad, 0, func(i int) string { return fmt.Sprintf("/work/%d", i) })
			assertAllAnswered(t, res)
			assert.Eventually(t, func() bool { return f.tried(agent, logs) }, 5*time.Second, 50*time.Millisecond,
				"the tracer never met the fault")

			f.heal(t, agent)
			spansFlowAgain(t, svc, agent)

			// Broken again, with spans pending, and stop as a service does:
			// the server first, then ddx.
			f.start(t, agent)
			res2 := svc.load(4, 200*time.Millisecond, 0, func(i int) string { return fmt.Sprintf("/work/%d", i) })
			assertAllAnswered(t, res2)
			svc.close()
			begin = time.Now()
			rt.Stop()
			stopTook := time.Since(begin)

			assert.Less(t, startTook, startBound, "Start waited on the Agent")
			assert.Less(t, stopTook, stopBound, "Stop exceeded its bound")
			assert.Equal(t, res.requests+res2.requests+20, logs.accessLines(), "one access-log line per request")
			logs.check(t)
			t.Logf("%d requests answered under the fault, p99 %v; Start %v, Stop %v",
				res.requests, percentile(res.latencies, 99), startTook, stopTook)
		})
	}
}

// TestAgentVanishesAndComesBackMidRun takes the Agent away in the middle of
// the load and brings it back before the load ends: every request is
// answered, ddx explains the outage, then reports the Agent back, and spans
// sent after its return arrive.
func TestAgentVanishesAndComesBackMidRun(t *testing.T) {
	agent := testagent.Start(t)
	rt, logs := startDDX(t, agent.URL(), ddx.WithStopTimeout(stopTimeout))
	svc := startService(t, serviceMux())

	// Down for longer than a flush interval, so a payload is refused, then
	// up for long enough for the next one to get through.
	flap := make(chan struct{})
	go func() {
		defer close(flap)
		time.Sleep(300 * time.Millisecond)
		agent.Down()
		time.Sleep(2300 * time.Millisecond)
		if err := agent.Up(); err != nil {
			t.Errorf("agent did not come back: %v", err)
		}
	}()
	res := svc.load(8, 3200*time.Millisecond, 0, func(i int) string { return fmt.Sprintf("/work/%d", i) })
	<-flap
	assertAllAnswered(t, res)
	spansFlowAgain(t, svc, agent)

	// Back: the tracer's next successful send makes ddx say so.
	assert.Eventually(t, func() bool { return len(logs.containing("Datadog Agent reachable again")) > 0 },
		recoverWithin, 50*time.Millisecond, "ddx never reported the Agent back")
	assert.NotEmpty(t, logs.containing("Datadog Agent not reachable"), "the outage was not explained")

	svc.close()
	begin := time.Now()
	rt.Stop()
	assert.Less(t, time.Since(begin), stopBound, "Stop exceeded its bound")
	logs.check(t)
}

// spansFlowAgain sends 20 requests to a route not used before and waits
// for their spans at the Agent.
func spansFlowAgain(t *testing.T, svc *service, agent *testagent.Agent) {
	t.Helper()
	for i := range 20 {
		code, err := svc.get(context.Background(), fmt.Sprintf("/after/%d", i))
		require.NoError(t, err)
		require.Equal(t, 200, code)
	}
	agent.WaitFor(t, recoverWithin, func(spans []testagent.Span) bool {
		n := 0
		for _, s := range spans {
			if s.Resource == "GET /after/{id}" {
				n++
			}
		}
		return n == 20
	})
}

func assertAllAnswered(t *testing.T, res loadResult) {
	t.Helper()
	require.NotZero(t, res.requests, "no load was sent")
	assert.Equal(t, res.requests, res.ok, "requests not answered 200: %s", strings.Join(res.failures, "; "))
}
