package ddx

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// agentTransport is the HTTP transport ddx gives the tracer and the profiler
// for talking to the Agent. It exists for two bounds that dd-trace-go does
// not offer on its own:
//
//   - /info, which tracer.Start asks synchronously, gets a short deadline, so
//     an Agent that accepts connections and never answers cannot hold up the
//     service's start (we measured 10 s with plain tracer.Start). The tracer
//     polls /info again later, so a slow Agent's features still arrive.
//   - abort cancels every request in flight and fails new ones at once, so
//     Stop can end within its bound even while the Agent hangs.
type agentTransport struct {
	base        http.RoundTripper
	infoTimeout time.Duration

	ctx    context.Context // canceled by abort
	cancel context.CancelFunc

	// hook is told of every request and its outcome: the local view and,
	// through it, the tracer logger (Start makes it).
	hook agentHook

	// retries is DD_TRACE_SEND_RETRIES: how many times the tracer sends a
	// trace payload again before it drops it. With retries, attempts
	// counts the failed sends of each payload in flight (the tracer sends
	// the same payload value as the body of every attempt), so that a
	// payload is counted lost once, at its last attempt.
	retries  int
	mu       sync.Mutex
	attempts map[io.ReadCloser]int
}

// agentHook is the one thing the transport tells about the tracer's
// requests. RoundTrip sends req with agent, the transport's bounded round
// trip, and returns what the tracer gets; Delivered is told of every trace
// payload the Agent took, so an outage that was reported can be reported
// over; Failed of every request the Agent did not take, as it happens (the
// tracer's own messages about it arrive up to a minute later, aggregated,
// with the count of the first only), with the number of traces that the
// failure loses, except requests abandoned at Stop. *localview.Hook
// implements it.
type agentHook interface {
	RoundTrip(req *http.Request, agent http.RoundTripper) (*http.Response, error)
	Delivered(req *http.Request)
	Failed(req *http.Request, lost int, err error)
}

func newAgentTransport(agentURL *url.URL, infoTimeout time.Duration, hook agentHook) *agentTransport {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if agentURL != nil && agentURL.Scheme == "unix" {
		// The tracer rewrites unix:// URLs to an http:// URL with a synthetic
		// host; whatever host it asks for, dial the socket.
		path := agentURL.Path
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", path)
		}
		tr.MaxIdleConnsPerHost = 100
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &agentTransport{base: tr, infoTimeout: infoTimeout, ctx: ctx, cancel: cancel, hook: hook}
	// The tracer reads the variable the same way: a bad value means none.
	if n, err := strconv.Atoi(os.Getenv("DD_TRACE_SEND_RETRIES")); err == nil && n > 0 {
		t.retries, t.attempts = n, make(map[io.ReadCloser]int)
	}
	return t
}

// client returns an http.Client over t. The tracer's usual 10 s timeout is
// applied by RoundTrip as a context deadline rather than http.Client.Timeout,
// whose timer goroutine outlives any response body the caller forgets to
// close (dd-trace-go does not close some on garbage answers).
func (t *agentTransport) client() *http.Client {
	return &http.Client{Transport: t}
}

const agentRequestTimeout = 10 * time.Second

func (t *agentTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.attempts == nil || !isTraces(req) {
		return t.hook.RoundTrip(req, (*boundedTransport)(t))
	}
	body := req.Body // the payload, the same value at every attempt
	t.mu.Lock()
	n := t.attempts[body] + 1
	t.mu.Unlock()
	// Whether this attempt is the payload's last goes with the request:
	// the hook may send another one (the local view sends a copy).
	req = req.WithContext(context.WithValue(req.Context(), retriedKey{}, n <= t.retries))
	resp, err := t.hook.RoundTrip(req, (*boundedTransport)(t))
	// What the tracer gets decides whether it sends the payload again.
	t.mu.Lock()
	if err == nil && resp.StatusCode < 400 || n > t.retries {
		delete(t.attempts, body)
	} else {
		t.attempts[body] = n
	}
	t.mu.Unlock()
	return resp, err
}

// retriedKey marks a trace payload's attempt that the tracer will follow
// with another should it fail (true), under DD_TRACE_SEND_RETRIES.
type retriedKey struct{}

func isTraces(req *http.Request) bool { return strings.HasSuffix(req.URL.Path, "/traces") }

// lost returns the number of traces lost if req, which the Agent did not
// take, was a trace payload's last attempt.
func (t *agentTransport) lost(req *http.Request) int {
	if !isTraces(req) {
		return 0
	}
	if retried, _ := req.Context().Value(retriedKey{}).(bool); retried {
		return 0
	}
	n, _ := strconv.Atoi(req.Header.Get("X-Datadog-Trace-Count"))
	return n
}

// boundedTransport is the transport without its hook's RoundTrip: what the
// hook sends with.
type boundedTransport agentTransport

func (b *boundedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return (*agentTransport)(b).roundTrip(req)
}

// roundTrip sends req to the Agent within its bounds and tells the hook
// how it went.
func (t *agentTransport) roundTrip(req *http.Request) (*http.Response, error) {
	if t.ctx.Err() != nil {
		closeBody(req)
		return nil, errAgentAborted
	}
	var ctx context.Context
	var cancel context.CancelFunc
	if t.infoTimeout > 0 && strings.HasSuffix(req.URL.Path, "/info") {
		ctx, cancel = context.WithTimeout(req.Context(), t.infoTimeout)
	} else {
		ctx, cancel = context.WithTimeout(req.Context(), agentRequestTimeout)
	}
	stop := context.AfterFunc(t.ctx, cancel)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		stop()
		cancel()
		if t.ctx.Err() != nil {
			return nil, err
		}
		t.hook.Failed(req, t.lost(req), err)
		return nil, err
	}
	// The tracer drops a trace payload on any status from 400 up.
	if resp.StatusCode >= 500 || resp.StatusCode >= 400 && isTraces(req) {
		t.hook.Failed(req, t.lost(req), fmt.Errorf("the Agent answered %s", resp.Status))
	}
	if resp.StatusCode < 300 && isTraces(req) {
		t.hook.Delivered(req)
	}
	// The context must live until the body is read: release it on Close.
	resp.Body = &cancelBody{ReadCloser: resp.Body, release: func() { stop(); cancel() }}
	return resp, nil
}

// abort cancels every request in flight, including responses whose body
// nobody closed, and refuses new ones.
func (t *agentTransport) abort() {
	t.cancel()
	if tr, ok := t.base.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}

type agentAbortedError struct{}

func (agentAbortedError) Error() string {
	return "ddx: request to the Datadog Agent abandoned: Stop's time limit was reached"
}

var errAgentAborted error = agentAbortedError{}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

type cancelBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}
