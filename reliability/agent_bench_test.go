package reliability_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// benchAgent is the Agent BenchmarkRequestUnderAgentFault measures
// against: it answers like internal/testagent in each fault mode, but when
// healthy it reads and drops payloads instead of decoding and keeping
// every span. The test Agent's decoding runs in the service's process and
// would make the healthy baseline the slowest case (it did: p99 ×5), while
// a real Agent is another process.
type benchAgent struct {
	addr    string
	mode    atomic.Value // string: healthy, hangs, fails, garbage, slow
	closed  chan struct{}
	mu      sync.Mutex
	srv     *http.Server
	serving sync.WaitGroup
}

func newBenchAgent() (*benchAgent, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &benchAgent{addr: ln.Addr().String(), closed: make(chan struct{})}
	a.mode.Store("healthy")
	a.serve(ln)
	return a, nil
}

func (a *benchAgent) url() string { return "http://" + a.addr }

func (a *benchAgent) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(a.handle), ReadHeaderTimeout: 5 * time.Second}
	a.mu.Lock()
	a.srv = srv
	a.mu.Unlock()
	a.serving.Go(func() { _ = srv.Serve(ln) })
}

// setMode is "healthy", "hangs", "fails", "garbage" or "slow" (1 s).
func (a *benchAgent) setMode(m string) { a.mode.Store(m) }

// down closes the listener and every connection: connections are refused.
func (a *benchAgent) down() {
	a.mu.Lock()
	srv := a.srv
	a.srv = nil
	a.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// up listens again on the same port.
func (a *benchAgent) up() error {
	a.mu.Lock()
	running := a.srv != nil
	a.mu.Unlock()
	if running {
		return nil
	}
	var err error
	for range 50 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", a.addr); err == nil {
			a.serve(ln)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

func (a *benchAgent) close() {
	close(a.closed)
	a.down()
	a.serving.Wait()
}

func (a *benchAgent) handle(w http.ResponseWriter, r *http.Request) {
	// Read the payload whatever the mode, as the Agent's HTTP server does
	// before answering; it also lets net/http notice a client that gives up.
	_, _ = io.Copy(io.Discard, r.Body)
	switch a.mode.Load().(string) {
	case "hangs":
		select {
		case <-r.Context().Done():
		case <-a.closed:
		}
		return
	case "fails":
		http.Error(w, "agent: internal error", http.StatusInternalServerError)
		return
	case "garbage":
		_, _ = w.Write([]byte("\x00\xff<html>not an agent</html>"))
		return
	case "slow":
		t := time.NewTimer(time.Second)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-a.closed:
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/info" {
		_, _ = io.WriteString(w, `{"version":"7.70.0","endpoints":["/v0.4/traces"],"config":{"statsd_port":0}}`)
		return
	}
	_, _ = io.WriteString(w, `{"rate_by_service":{}}`)
}

// flapBench takes the agent down and brings it back every period until
// the returned func is called.
func flapBench(a *benchAgent, period time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for down := false; ; down = !down {
			select {
			case <-ctx.Done():
				_ = a.up()
				return
			case <-t.C:
				if down {
					_ = a.up()
				} else {
					a.down()
				}
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}
