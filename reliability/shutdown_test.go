package reliability_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
)

// TestShutdownUnderLoad does what a service does on SIGTERM (what
// examples/quickstart does: http.Server.Shutdown, then ddx's Stop) while
// slow requests are in flight and fast ones keep arriving. It proves that
// every request in flight completes with its full answer, that every
// request the handlers served was answered 200 to its client, and that,
// with a healthy Agent, every one of their spans is at the Agent when Stop
// returns — none lost, none twice. (examples/quickstart's TestMainProcess
// sends the program itself a real SIGTERM.)
func TestShutdownUnderLoad(t *testing.T) {
	const inFlight = 32
	agent := testagent.Start(t)
	rt, logs := startDDX(t, agent.URL(), ddx.WithStopTimeout(5*time.Second))
	// Start returns with the tracer up unless the machine is starved; the
	// test is about shutdown, so it does not race start-up on a loaded one.
	<-rt.Ready()

	var served atomic.Int64 // requests whose handler ran to the end
	entered := make(chan struct{}, inFlight)
	mux := serviceMux()
	mux.HandleFunc("GET /slow/{id}", func(w http.ResponseWriter, _ *http.Request) {
		entered <- struct{}{}
		time.Sleep(300 * time.Millisecond) // longer than Shutdown takes to start
		_, _ = io.WriteString(w, "done")
		served.Add(1)
	})
	mux.HandleFunc("GET /fast/{id}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "done")
		served.Add(1)
	})
	svc := startService(t, mux)

	// The slow requests: each must get its whole answer.
	slow := make(chan string, inFlight)
	for i := range inFlight {
		go func() {
			resp, err := svc.client.Get(fmt.Sprintf("%s/slow/%d", svc.url, i))
			if err != nil {
				slow <- err.Error()
				return
			}
			b, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				slow <- err.Error()
				return
			}
			slow <- fmt.Sprintf("%d %s", resp.StatusCode, b)
		}()
	}
	// Fast requests keep coming until the server stops accepting them:
	// those answered must be answered 200; the others fail to connect.
	var fastOK, fastOther atomic.Int64
	stopFast := make(chan struct{})
	var fast sync.WaitGroup
	for w := range 4 {
		fast.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stopFast:
					return
				default:
				}
				code, err := svc.get(context.Background(), fmt.Sprintf("/fast/%d-%d", w, i))
				switch {
				case err != nil:
					// Refused or closed: the server is going away. Not served.
				case code == http.StatusOK:
					fastOK.Add(1)
				default:
					fastOther.Add(1)
				}
			}
		})
	}

	waitFor(t, 10*time.Second, "the slow requests to be in flight", func() bool { return len(entered) == inFlight })

	// SIGTERM.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, svc.srv.Shutdown(ctx), "in-flight requests did not finish in time")
	begin := time.Now()
	rt.Stop()
	stopTook := time.Since(begin)
	close(stopFast)
	fast.Wait()

	for range inFlight {
		assert.Equal(t, "200 done", <-slow, "an in-flight request did not complete")
	}
	assert.Zero(t, fastOther.Load(), "a request was answered with something other than 200")
	assert.Equal(t, served.Load(), inFlight+fastOK.Load(), "served requests and 200 answers disagree")

	// Stop has returned: every span must be at the Agent already.
	spans := agent.Spans()
	perResource := map[string]int{}
	seen := map[uint64]bool{}
	for _, s := range spans {
		if s.Meta["span.kind"] != "server" {
			continue
		}
		perResource[s.Resource]++
		assert.False(t, seen[s.SpanID], "span %d received twice", s.SpanID)
		seen[s.SpanID] = true
	}
	assert.Equal(t, inFlight, perResource["GET /slow/{id}"], "slow-request spans at the Agent")
	assert.EqualValues(t, fastOK.Load(), perResource["GET /fast/{id}"], "fast-request spans at the Agent")
	assert.EqualValues(t, served.Load(), logs.accessLines(), "one access-log line per served request")
	assert.Less(t, stopTook, 5*time.Second, "Stop exceeded its bound")
	logs.check(t)
	t.Logf("%d slow and %d fast requests served during shutdown; %d server spans at the Agent; Stop took %v",
		inFlight, fastOK.Load(), len(seen), stopTook)
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
