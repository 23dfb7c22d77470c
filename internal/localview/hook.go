package localview

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ddx-go/ddx/internal/tracepayload"
)

// Reports is told what became of the tracer's requests to the Agent, and
// when the view starts showing traces. Package ddx's tracer logger
// implements it: it explains an absent Agent once and its return.
type Reports interface {
	// Delivered: the Agent took a trace payload.
	Delivered()
	// Failed: the Agent did not take a request (what is "METHOD /path"),
	// and lost traces are gone with it.
	Failed(what string, lost int, err error)
	// Showing: the view shows every trace from now on; auto means it
	// turned on because no Agent could be dialled.
	Showing(auto bool)
}

// Hook is the one thing the Agent transport calls: it sees every request
// to the Agent (RoundTrip) and is told of each outcome (Delivered, Failed),
// which it passes on to its [Reports]. Its methods are safe for concurrent
// use.
type Hook struct {
	reports Reports

	// view, when set, is shown every trace payload. Off, it costs
	// RoundTrip one atomic load.
	view atomic.Pointer[View]
	// auto, when set, becomes view the first time the Agent cannot be
	// dialled.
	auto     *View
	autoOnce sync.Once
}

// NewHook returns the transport's hook. now is shown every trace from the
// start; else auto, when not nil, is from the first time no Agent can be
// dialled. Both nil: the view is off and the hook only passes outcomes on.
func NewHook(r Reports, now, auto *View) *Hook {
	h := &Hook{reports: r, auto: auto}
	if now != nil {
		h.view.Store(now)
		r.Showing(false)
	}
	return h
}

// On reports whether the view shows traces now.
func (h *Hook) On() bool { return h.view.Load() != nil }

// RoundTrip sends req to the Agent with agent and returns what the tracer
// gets. While the view is on it shows each trace payload before sending it
// (so the view never waits on a slow Agent), answers trace payloads itself
// when no Agent can be dialled, and keeps the tracer on the v0.4 protocol
// the view decodes. Off, it is agent.RoundTrip(req) after one atomic load:
// no payload is read.
func (h *Hook) RoundTrip(req *http.Request, agent http.RoundTripper) (*http.Response, error) {
	v := h.view.Load()
	if v == nil {
		return agent.RoundTrip(req)
	}
	path := req.URL.Path
	switch {
	case strings.HasSuffix(path, "/v0.4/traces"):
		body, err := readBody(req)
		if err != nil {
			return nil, err
		}
		v.Show(body)
		fwd := &forward{}
		out := req.Clone(context.WithValue(req.Context(), forwardKey{}, fwd))
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		resp, err := agent.RoundTrip(out)
		if err != nil && fwd.noAgent.Load() {
			return localAnswer(req), nil
		}
		return resp, err
	case strings.HasSuffix(path, "/info"):
		resp, err := agent.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			return resp, err
		}
		return withV04Only(resp), nil
	}
	return agent.RoundTrip(req)
}

// forward marks a trace payload the view showed on its way to the Agent:
// if no Agent can be dialled the view answers for it, and the failure is
// not reported.
type forward struct{ noAgent atomic.Bool }

type forwardKey struct{}

// Delivered is the transport's report that the Agent took the trace
// payload req.
func (h *Hook) Delivered(*http.Request) { h.reports.Delivered() }

// Failed is the transport's report that the Agent did not take req, and
// that lost traces are gone with it. The transport does not call it for
// requests it abandoned at Stop.
func (h *Hook) Failed(req *http.Request, lost int, err error) {
	noAgent := isDialError(err)
	if noAgent && h.auto != nil {
		h.autoOnce.Do(h.startAuto)
	}
	if fwd, _ := req.Context().Value(forwardKey{}).(*forward); fwd != nil && noAgent {
		fwd.noAgent.Store(true) // the view answers for it
		return
	}
	h.reports.Failed(req.Method+" "+req.URL.Path, lost, err)
}

// startAuto switches the view on when the Agent turned out to be absent.
func (h *Hook) startAuto() {
	h.view.Store(h.auto)
	h.reports.Showing(true)
}

func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil {
		return nil, nil
	}
	defer req.Body.Close()
	return io.ReadAll(io.LimitReader(req.Body, tracepayload.MaxPayload))
}

// localAnswer is what an Agent answers to a trace payload: it keeps the
// tracer from retrying, or counting as lost, the traces the view showed.
func localAnswer(req *http.Request) *http.Response {
	const body = `{"rate_by_service":{}}`
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// withV04Only removes /v1.0/traces from the Agent's /info answer, so the
// tracer keeps sending the v0.4 payloads the view decodes, and turns off
// client-side dropping of unsampled traces, so the view sees every trace.
// Both are local-view-only changes: with the view off, /info passes as is.
// An answer it cannot parse is passed on unchanged.
func withV04Only(resp *http.Response) *http.Response {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	out := raw
	var info map[string]any
	if err == nil && json.Unmarshal(raw, &info) == nil && info != nil {
		if eps, ok := info["endpoints"].([]any); ok {
			kept := eps[:0]
			for _, e := range eps {
				if s, _ := e.(string); !strings.HasPrefix(s, "/v1.0/traces") {
					kept = append(kept, e)
				}
			}
			info["endpoints"] = kept
		}
		if _, ok := info["client_drop_p0s"]; ok {
			info["client_drop_p0s"] = false
		}
		if b, err := json.Marshal(info); err == nil {
			out = b
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Del("Content-Length")
	return resp
}

// isDialError reports whether err means the Agent could not be reached at
// all (nothing listening, no such host, no socket file), as opposed to an
// Agent that was reached and misbehaved.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
