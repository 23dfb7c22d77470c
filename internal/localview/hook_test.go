package localview

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reports records what the hook passes on.
type reports struct {
	mu        sync.Mutex
	failed    []string
	delivered int
	showing   []bool
}

func (r *reports) Delivered() { r.mu.Lock(); r.delivered++; r.mu.Unlock() }
func (r *reports) Failed(what string, _ int, _ error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, what)
}
func (r *reports) Showing(auto bool) { r.mu.Lock(); r.showing = append(r.showing, auto); r.mu.Unlock() }

// absentAgent fails as ddx's transport does when nothing listens: it tells
// the hook, then returns the dial error.
type absentAgent struct{ h *Hook }

func (a absentAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	err := &net.OpError{Op: "dial", Net: "unix", Err: errors.New("connect: no such file or directory")}
	a.h.Failed(req, 0, err)
	return nil, err
}

// recordingTransport stands in for the network: it records what the view
// forwards and answers like an Agent, or fails like an absent one.
type recordingTransport struct {
	mu     sync.Mutex
	bodies []io.ReadCloser
	reads  [][]byte
	info   string
	read   bool // read trace bodies into reads
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.bodies = append(rt.bodies, req.Body)
	body := `{"rate_by_service":{}}`
	if strings.HasSuffix(req.URL.Path, "/info") {
		body = rt.info
	}
	if rt.read && req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		rt.reads = append(rt.reads, b)
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{"Content-Length": {"1"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

// trackedBody is a request body that knows whether anyone read it.
type trackedBody struct {
	io.Reader
	read bool
}

func (b *trackedBody) Read(p []byte) (int, error) { b.read = true; return b.Reader.Read(p) }
func (b *trackedBody) Close() error               { return nil }

// With the view off, a trace payload goes to the Agent untouched: the very
// body the tracer made, never read or decoded on the way.
func TestLocalViewOffNeverReadsPayloads(t *testing.T) {
	t.Parallel()
	base := &recordingTransport{}
	h := NewHook(&reports{}, nil, nil)
	body := &trackedBody{Reader: bytes.NewReader(encodeTraces(t, sampleTrace()))}
	req, _ := http.NewRequest(http.MethodPost, "http://agent/v0.4/traces", body)
	resp, err := h.RoundTrip(req, base)
	require.NoError(t, err)
	resp.Body.Close()
	require.Len(t, base.bodies, 1)
	assert.Same(t, body, base.bodies[0], "the tracer's own body reaches the Agent")
	assert.False(t, body.read, "nothing read the payload on the way")
}

func TestLocalViewOnTeesPayloads(t *testing.T) {
	t.Parallel()
	base := &recordingTransport{read: true}
	var out bytes.Buffer
	h := NewHook(&reports{}, New(&out, Options{Text: true}), nil)
	payload := encodeTraces(t, sampleTrace())
	req, _ := http.NewRequest(http.MethodPost, "http://agent/v0.4/traces", bytes.NewReader(payload))
	resp, err := h.RoundTrip(req, base)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, out.String(), "GET /users/{id} (http.request)  12.4ms  503  ERROR")
	require.Len(t, base.reads, 1)
	assert.Equal(t, payload, base.reads[0], "the Agent gets the payload byte for byte")
}

func TestLocalViewKeepsTracerOnV04(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, info, want string
	}{
		{"v1 advertised", `{"version":"7.80.0","endpoints":["/v0.4/traces","/v1.0/traces","/v0.6/stats"],"client_drop_p0s":true}`,
			`{"version":"7.80.0","endpoints":["/v0.4/traces","/v0.6/stats"],"client_drop_p0s":false}`},
		{"v0.4 only", `{"endpoints":["/v0.4/traces"]}`, `{"endpoints":["/v0.4/traces"]}`},
		{"not JSON passes unchanged", `<html>`, ``},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := NewHook(&reports{}, New(io.Discard, Options{}), nil)
			req, _ := http.NewRequest(http.MethodGet, "http://agent/info", nil)
			resp, err := h.RoundTrip(req, &recordingTransport{info: tc.info})
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tc.want == "" {
				assert.Equal(t, tc.info, string(b))
				return
			}
			assert.JSONEq(t, tc.want, string(b))
			assert.Equal(t, int64(len(b)), resp.ContentLength)
			assert.Empty(t, resp.Header.Get("Content-Length"))
		})
	}
}

func TestLocalViewAnswersWhenNoAgent(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	rep := &reports{}
	h := NewHook(rep, nil, New(&out, Options{Text: true}))
	agent := absentAgent{h}
	assert.False(t, h.On())

	// /info finds no Agent: the auto view turns on, once.
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, "http://agent/info", nil)
		_, err := h.RoundTrip(req, agent)
		require.Error(t, err)
	}
	assert.Equal(t, []bool{true}, rep.showing, "told once that the view turned on by itself")
	require.True(t, h.On())

	req, _ := http.NewRequest(http.MethodPost, "http://agent/v0.4/traces", bytes.NewReader(encodeTraces(t, sampleTrace())))
	resp, err := h.RoundTrip(req, agent)
	require.NoError(t, err, "the view answers for the absent Agent")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, `{"rate_by_service":{}}`, string(b))
	assert.Contains(t, out.String(), "SELECT users (db.query)")
	assert.Equal(t, []string{"GET /info", "GET /info"}, rep.failed, "the absent Agent is reported for /info, not for traces the view showed")

	// A failure that is not a missing Agent is reported, and not answered.
	h.Failed(req, 0, errors.New("EOF"))
	assert.Equal(t, []string{"GET /info", "GET /info", "POST /v0.4/traces"}, rep.failed)
	h.Delivered(req)
	assert.Equal(t, 1, rep.delivered)
}

func TestLocalViewOnFromTheStartIsSaid(t *testing.T) {
	t.Parallel()
	rep := &reports{}
	h := NewHook(rep, New(io.Discard, Options{}), nil)
	assert.True(t, h.On())
	assert.Equal(t, []bool{false}, rep.showing)
	assert.False(t, NewHook(&reports{}, nil, nil).On())
}
