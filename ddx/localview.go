package ddx

import (
	"io"
	"os"
	"strings"

	"github.com/ddx-go/ddx/internal/localview"
)

// The local trace view (internal/localview) shows a person running the
// service on a laptop what Datadog would show, with no Datadog account:
// each finished trace as an indented tree of its spans. This file decides
// when it is on and wires it: the Agent transport calls one hook, a
// *localview.Hook, which shows the trace payloads and passes the outcome
// of each request on to the tracer logger.
//
// When the view is off, the transport's only extra work is one atomic
// pointer load per request; no payload is read or decoded
// (internal/localview's TestLocalViewOffNeverReadsPayloads; here
// TestLocalViewOffAllocatesNothing and BenchmarkAgentTransport).
//
// Where it writes: stderr, never the log writer, so that "every line on
// stdout is one JSON object" holds whatever the view does. On stderr it
// writes the tree as text when a person reads (the log format is text, or
// stderr is a terminal), and otherwise one JSON object per trace, in
// NewHandler's key names.

// viewSetting is whether the local trace view shows traces.
type viewSetting uint8

const (
	viewAuto viewSetting = iota // decided by DD_ENV and the Agent
	viewOn
	viewOff
)

func (s viewSetting) String() string {
	switch s {
	case viewOn:
		return "on"
	case viewOff:
		return "off"
	default:
		return "auto"
	}
}

// devEnv reports whether DD_ENV names a developer's machine ("local") or a
// development environment ("development", "dev"), which may be a laptop or
// a shared cluster.
func devEnv(env string) (local, dev bool) {
	switch strings.ToLower(env) {
	case "local":
		return true, true
	case "development", "dev":
		return false, true
	}
	return false, false
}

// newLocalView decides what the view does from the configuration: nil when
// it is off, or it is on now (now), or it turns on if the Agent cannot be
// dialled.
func (c *config) newLocalView() (v *localview.View, now bool) {
	if c.localView == viewOff || !c.tracing {
		return nil, false
	}
	w := c.viewWriter
	if w == nil {
		w = os.Stderr
	}
	watched := watchedWriter(w)
	v = localview.New(w, localview.Options{
		Text:    c.logFormat == "text" || watched,
		Service: c.service, Env: c.env, Version: c.version,
		Keys: localview.Keys{
			Time: keyTime, Level: keyLevel, Message: keyMessage, TraceID: keyTraceID,
			Service: keyService, Env: keyEnv, Version: keyVersion,
		},
	})
	local, dev := devEnv(c.env)
	switch {
	case c.localView == viewOn, local, dev && watched:
		return v, true
	case dev, watched:
		// With no Agent the view is the only place the traces can be
		// seen. A shared dev cluster with an Agent and no terminal keeps
		// the view off: its stderr is collected as logs.
		return v, false
	}
	return nil, false
}

// watchedWriter reports whether a person reads w; tests replace it.
var watchedWriter = isTerminalWriter

func isTerminalWriter(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}

// newAgentHook makes the transport's hook: the local view as configured,
// passing outcomes on to tl. It says, for the start-up line, what the view
// will do.
func (c *config) newAgentHook(tl *tracerLogger) (*localview.Hook, string) {
	v, now := c.newLocalView()
	switch {
	case v == nil:
		return localview.NewHook(tl, nil, nil), "off"
	case now:
		return localview.NewHook(tl, v, nil), "on (stderr)"
	}
	return localview.NewHook(tl, nil, v), "when no Agent answers (stderr)"
}
