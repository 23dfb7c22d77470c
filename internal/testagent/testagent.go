// Package testagent is a Datadog Agent for tests: an HTTP server on a real
// 127.0.0.1 socket that answers the tracer's /info and decodes the msgpack
// payloads it posts to /v0.4/traces, so tests exercise the real tracer, its
// encoder and its transport end to end. It can also misbehave on demand
// (refuse, hang, fail, answer garbage, answer slowly, vanish and come back)
// for fault tests.
package testagent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddx-go/ddx/internal/tracepayload"
)

// Mode is how the agent answers.
type Mode int32

const (
	// Healthy answers like a real Agent.
	Healthy Mode = iota
	// Hang accepts connections and never answers (until the client gives up
	// or the agent is closed).
	Hang
	// Fail answers every request with 500.
	Fail
	// Garbage answers 200 with a body that is neither JSON nor msgpack.
	Garbage
	// Slow answers like Healthy after [Agent.SetDelay].
	Slow
)

// Span is a span as the Agent received it; TraceID128 gives the id ddx
// writes to dd.trace_id.
type Span = tracepayload.Span

// Agent is a running test agent. Its methods are safe for concurrent use.
type Agent struct {
	addr string

	mode    atomic.Int32
	delay   atomic.Int64
	discard atomic.Bool

	mu       sync.Mutex
	spans    []Span
	payloads int // trace payloads decoded
	requests map[string]int
	ln       net.Listener
	srv      *http.Server
	closed   chan struct{} // closed by Close: releases hanging handlers
	changed  chan struct{} // closed and replaced on every new payload
}

// Start starts an agent on 127.0.0.1 and closes it when the test ends.
func Start(tb testing.TB) *Agent {
	tb.Helper()
	a, err := New()
	if err != nil {
		tb.Fatalf("testagent: %v", err)
	}
	tb.Cleanup(a.Close)
	return a
}

// New starts an agent on a free 127.0.0.1 port. Call Close when done.
func New() (*Agent, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &Agent{
		addr:     ln.Addr().String(),
		requests: map[string]int{},
		closed:   make(chan struct{}),
		changed:  make(chan struct{}),
	}
	a.serve(ln)
	return a, nil
}

func (a *Agent) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(a.handle), ReadHeaderTimeout: 5 * time.Second}
	a.mu.Lock()
	a.ln, a.srv = ln, srv
	a.mu.Unlock()
	go srv.Serve(ln) //nolint:errcheck // returns on Close/Down
}

// Addr is host:port, for tracer.WithAgentAddr or DD_AGENT_HOST/DD_TRACE_AGENT_PORT.
func (a *Agent) Addr() string { return a.addr }

// URL is the agent's base URL, for DD_TRACE_AGENT_URL.
func (a *Agent) URL() string { return "http://" + a.addr }

// SetMode changes how the agent answers from now on.
func (a *Agent) SetMode(m Mode) { a.mode.Store(int32(m)) }

// SetDiscard makes the agent read trace payloads and drop them without
// decoding: for benchmarks, where decoding and keeping every span in the
// service's own process would be measured as the service's cost (a real
// Agent is another process). Spans then stays empty; Payloads still counts.
func (a *Agent) SetDiscard(on bool) { a.discard.Store(on) }

// SetDelay sets how long Slow mode waits before answering.
func (a *Agent) SetDelay(d time.Duration) { a.delay.Store(int64(d)) }

// Down closes the listening socket, so connections are refused, as with an
// Agent that is not running. Up brings it back on the same port.
func (a *Agent) Down() {
	a.mu.Lock()
	srv := a.srv
	a.srv, a.ln = nil, nil
	a.mu.Unlock()
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			srv.Close()
		}
	}
}

// Up listens again on the agent's port after Down.
func (a *Agent) Up() error {
	a.mu.Lock()
	up := a.srv != nil
	a.mu.Unlock()
	if up {
		return nil
	}
	var ln net.Listener
	var err error
	// The port may linger briefly after Down; retry for a moment.
	for range 50 {
		if ln, err = net.Listen("tcp", a.addr); err == nil {
			a.serve(ln)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// Close stops the agent and releases hanging requests.
func (a *Agent) Close() {
	a.mu.Lock()
	select {
	case <-a.closed:
	default:
		close(a.closed)
	}
	srv := a.srv
	a.srv, a.ln = nil, nil
	a.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Spans returns every span received so far.
func (a *Agent) Spans() []Span {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Span(nil), a.spans...)
}

// Changed returns a channel that is closed when the next trace payload has
// been decoded, for waiting loops that also do work of their own (such as
// flushing the tracer) between checks.
func (a *Agent) Changed() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.changed
}

// Payloads returns how many trace payloads have been decoded so far.
func (a *Agent) Payloads() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.payloads
}

// Requests returns how many requests each path has received.
func (a *Agent) Requests(path string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests[path]
}

// Reset forgets the spans received so far.
func (a *Agent) Reset() {
	a.mu.Lock()
	a.spans = nil
	a.mu.Unlock()
}

// WaitFor waits until cond holds for the spans received so far and returns
// them; it fails the test after timeout.
func (a *Agent) WaitFor(tb testing.TB, timeout time.Duration, cond func([]Span) bool) []Span {
	tb.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		a.mu.Lock()
		spans := append([]Span(nil), a.spans...)
		changed := a.changed
		a.mu.Unlock()
		if cond(spans) {
			return spans
		}
		select {
		case <-changed:
		case <-deadline.C:
			tb.Fatalf("testagent: condition not met after %v; %d spans received: %s", timeout, len(spans), summary(spans))
			return nil
		}
	}
}

// Find returns the first span received for which match is true.
func Find(spans []Span, match func(Span) bool) (Span, bool) {
	for _, s := range spans {
		if match(s) {
			return s, true
		}
	}
	return Span{}, false
}

func summary(spans []Span) string {
	var b bytes.Buffer
	for i, s := range spans {
		if i == 10 {
			fmt.Fprintf(&b, " ...")
			break
		}
		fmt.Fprintf(&b, " [%s %q error=%d]", s.Name, s.Resource, s.Error)
	}
	return b.String()
}

func (a *Agent) handle(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.requests[r.URL.Path]++
	a.mu.Unlock()

	mode := Mode(a.mode.Load())
	if mode == Hang || mode == Fail || mode == Garbage {
		// Read the payload first, as the Agent's HTTP server does: a
		// handler that never reads does not notice the client giving up,
		// and would pile up until Close.
		io.Copy(io.Discard, r.Body) //nolint:errcheck
	}
	switch mode {
	case Hang:
		select {
		case <-r.Context().Done():
		case <-a.closed:
		}
		return
	case Fail:
		http.Error(w, "agent: internal error", http.StatusInternalServerError)
		return
	case Garbage:
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("\x00\xff<html>not an agent</html>")) //nolint:errcheck
		return
	case Slow:
		select {
		case <-time.After(time.Duration(a.delay.Load())):
		case <-r.Context().Done():
			return
		case <-a.closed:
			return
		}
	}

	switch r.URL.Path {
	case "/info":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{ //nolint:errcheck
			"version":   "7.70.0",
			"endpoints": []string{"/v0.4/traces"},
			"config":    map[string]any{"statsd_port": 0},
		})
	case "/v0.4/traces":
		if a.discard.Load() {
			io.Copy(io.Discard, r.Body) //nolint:errcheck
			a.mu.Lock()
			a.payloads++
			a.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"rate_by_service":{}}`)) //nolint:errcheck
			return
		}
		traces, err := tracepayload.ReadV04(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		for _, t := range traces {
			a.spans = append(a.spans, t...)
		}
		a.payloads++
		close(a.changed)
		a.changed = make(chan struct{})
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"rate_by_service":{}}`)) //nolint:errcheck
	default:
		// Telemetry, profiles, stats, remote config: accept and drop.
		io.Copy(io.Discard, r.Body) //nolint:errcheck
		w.WriteHeader(http.StatusOK)
	}
}
