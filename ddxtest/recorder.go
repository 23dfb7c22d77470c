package ddxtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
)

// DefaultTimeout bounds every wait unless [Recorder.SetTimeout] changes it:
// for the tracer to start, for a span to reach the Agent, for a log line to
// be written. Success returns as soon as the condition holds; only a
// failing test waits this long.
const DefaultTimeout = 10 * time.Second

// flushName is the operation name of the marker spans Flush sends; they
// are never returned.
const flushName = "ddxtest.flush"

// A Recorder runs ddx for one test: the real dd-trace-go tracer sending to
// a Datadog Agent on 127.0.0.1, and ddx's default logger writing JSON into
// memory. It records the spans the Agent receives and the log lines written,
// for the test to assert on. Make one with [Start]; its methods are safe for
// concurrent use.
type Recorder struct {
	test    string
	agent   *testagent.Agent
	rt      *ddx.Runtime
	logs    logBuffer
	seq     atomic.Uint64 // numbers Flush markers
	timeout atomic.Int64  // time.Duration
}

var (
	activeMu sync.Mutex
	active   *Recorder
)

// Start starts ddx with its tracer sending to a Datadog Agent on 127.0.0.1
// and its default logger writing JSON lines into the Recorder, waits until
// the tracer is up, and stops both when the test ends. opts go to
// [ddx.Start] after ddxtest's own, which are: the Agent's URL, JSON logs at
// INFO into the Recorder, tracing on, profiling and runtime metrics off, the
// local trace view off, GOMEMLIMIT left alone. Do not pass
// ddx.WithLogWriter or ddx.WithLogFormat: the Recorder reads the log lines
// from its own writer.
//
// dd-trace-go's tracer and the default slog logger are process-wide, so
// one Recorder runs at a time: a test that uses Start must not call
// t.Parallel (nor be a subtest of a test that does), and must not run
// beside code that called ddx.Start itself. Start fails the test, saying
// which, when either happens.
func Start(tb testing.TB, opts ...ddx.Option) *Recorder {
	tb.Helper()
	// t.Setenv refuses parallel tests: the guard against the misuse that
	// would otherwise mix two tests' spans.
	for _, kv := range [][2]string{
		{"DD_TRACE_ENABLED", "true"},
		{"DD_INSTRUMENTATION_TELEMETRY_ENABLED", "false"},
		{"DD_REMOTE_CONFIGURATION_ENABLED", "false"},
	} {
		if msg := setenv(tb, kv[0], kv[1]); msg != "" {
			tb.Fatalf("ddxtest: Start in a parallel test (%s): the tracer and the default logger are process-wide, "+
				"so tests that use ddxtest must not call t.Parallel, nor be subtests of a test that does", msg)
			return nil
		}
	}

	activeMu.Lock()
	if active != nil {
		other := active.test
		activeMu.Unlock()
		tb.Fatalf("ddxtest: Start in %s while the Recorder of %s is still running: one Recorder runs at a time, "+
			"because the tracer is process-wide (two Starts in one test, or a Recorder leaked from another test?)", tb.Name(), other)
		return nil
	}
	r := &Recorder{test: tb.Name()}
	r.timeout.Store(int64(DefaultTimeout))
	active = r
	activeMu.Unlock()

	agent, err := testagent.New()
	if err != nil {
		r.release()
		tb.Fatalf("ddxtest: starting the test Agent on 127.0.0.1: %v", err)
		return nil
	}
	r.agent = agent
	r.logs.changed = make(chan struct{})
	base := []ddx.Option{
		ddx.WithAgentURL(agent.URL()),
		ddx.WithLogWriter(&r.logs),
		ddx.WithLogFormat("json"),
		ddx.WithLogLevel(slog.LevelInfo),
		ddx.WithTracing(true),
		ddx.WithProfiling(false),
		ddx.WithRuntimeMetrics(false),
		ddx.WithLocalView(false),
		ddx.WithMemoryLimitRatio(0),
	}
	r.rt = ddx.Start(append(base, opts...)...)
	if len(r.Logs(Message("ddx started"))) == 0 {
		// Start returned a Runtime that was already running, with its own
		// log writer and Agent.
		agent.Close()
		r.release()
		tb.Fatalf("ddxtest: Start in %s while ddx is already running: something called ddx.Start (in TestMain, init or "+
			"another test) and did not Stop it; the tracer is process-wide, so the Recorder would not see its spans", tb.Name())
		return nil
	}
	tb.Cleanup(func() { r.stop(tb) })

	wait := time.NewTimer(DefaultTimeout)
	defer wait.Stop()
	select {
	case <-r.rt.Ready():
	case <-wait.C:
		tb.Fatalf("ddxtest: the tracer did not start within %v", DefaultTimeout)
		return nil
	}
	if bad := r.Logs(MessageContains("did not start")); len(bad) > 0 {
		tb.Fatalf("ddxtest: ddx could not start: %s", bad[0])
		return nil
	}
	return r
}

func setenv(tb testing.TB, key, value string) (refused string) {
	defer func() {
		if v := recover(); v != nil {
			refused = fmt.Sprint(v)
		}
	}()
	tb.Setenv(key, value)
	return ""
}

func (r *Recorder) release() {
	activeMu.Lock()
	if active == r {
		active = nil
	}
	activeMu.Unlock()
}

// stop stops ddx and the Agent at the end of the test, checks that every
// line written was one JSON object, and shows the log when the test failed.
func (r *Recorder) stop(tb testing.TB) {
	defer r.release()
	r.rt.Stop()
	r.agent.Close()
	_, invalid := r.logs.parse()
	for _, line := range invalid {
		tb.Errorf("ddxtest: a log line is not one JSON object: %s", clip(line, 300))
	}
	if tb.Failed() {
		lines, _ := r.logs.parse()
		const show = 50
		var b strings.Builder
		fmt.Fprintf(&b, "ddxtest: %d log lines were written", len(lines))
		if len(lines) > show {
			fmt.Fprintf(&b, " (the last %d shown)", show)
			lines = lines[len(lines)-show:]
		}
		b.WriteString(":")
		for _, l := range lines {
			b.WriteString("\n  " + clip(l.String(), 500))
		}
		tb.Log(b.String())
	}
}

// SetTimeout sets how long the Recorder's methods wait before they fail
// the test (default [DefaultTimeout]). Zero or less restores the default.
func (r *Recorder) SetTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultTimeout
	}
	r.timeout.Store(int64(d))
}

func (r *Recorder) wait() time.Duration { return time.Duration(r.timeout.Load()) }

// Logger is the logger ddx installed as slog's default; logging through
// slog.Default() or this logger is the same.
func (r *Recorder) Logger() *slog.Logger { return r.rt.Logger() }

// Spans returns the spans the Agent has received so far that meet every
// matcher (all of them without matchers), in arrival order. It does not
// wait: finished spans reach the Agent when the tracer flushes, so call
// [Recorder.Flush] first, or use [Recorder.WaitSpans] or
// [Recorder.RequireSpan], which do.
func (r *Recorder) Spans(ms ...Matcher) []Span {
	var out []Span
	for _, s := range r.agent.Spans() {
		if s.Name == flushName {
			continue
		}
		if sp := spanOf(s); sp.Matches(ms...) {
			out = append(out, sp)
		}
	}
	return out
}

// Logs returns the log lines written so far that meet every matcher (all
// of them without matchers), in order. Lines that are not JSON objects are
// left out; the test fails for them when it ends.
func (r *Recorder) Logs(ms ...Matcher) []Log {
	lines, _ := r.logs.parse()
	var out []Log
	for _, l := range lines {
		if l.Matches(ms...) {
			out = append(out, l)
		}
	}
	return out
}

// Reset forgets the spans received and the log lines written so far, for
// a test that asserts on phases. Spans still in the tracer are not
// affected: Flush before Reset to drop them too.
func (r *Recorder) Reset() {
	r.agent.Reset()
	r.logs.reset()
}

// Flush makes the tracer send every span finished so far and waits until
// the Agent has them. It fails the test if they do not arrive within the
// timeout (see [Recorder.SetTimeout]). A span finished so far is one whose
// Finish returned before Flush was called; dd-trace-go sends a trace's
// spans once all of them have finished, so the spans of a trace whose root
// is still open are not sent yet.
func (r *Recorder) Flush(tb testing.TB) {
	tb.Helper()
	// A marker span finished now follows every span finished before it
	// through the tracer's queue into the payloads the tracer flushes, in
	// order. Once the Agent has it, every earlier payload has been handed
	// to a goroutine that sends it; those are sent concurrently, so the
	// marker's may have overtaken them: wait for the senders too.
	id := strconv.FormatUint(r.seq.Add(1), 10)
	tracer.StartSpan(flushName, tracer.ResourceName(id)).Finish()
	start := time.Now()
	if !r.waitSpans(func([]Span) bool {
		for _, s := range r.agent.Spans() {
			if s.Name == flushName && s.Resource == id {
				return true
			}
		}
		return false
	}) || !waitSends(traceSends(), r.wait()-time.Since(start)) {
		tb.Fatalf("ddxtest: Flush: the tracer did not deliver its spans to the Agent within %v; %d spans received", r.wait(), len(r.Spans()))
	}
}

// WaitSpans waits until the Agent has received at least n spans and returns
// them all. It fails the test, listing what arrived, after the timeout ([Recorder.SetTimeout]).
func (r *Recorder) WaitSpans(tb testing.TB, n int) []Span {
	tb.Helper()
	var got []Span
	if !r.waitSpans(func(s []Span) bool { got = s; return len(s) >= n }) {
		tb.Fatalf("ddxtest: WaitSpans: %d spans received within %v, want at least %d%s", len(got), r.wait(), n, listSpans(got, nil))
	}
	return got
}

// RequireSpan waits until the Agent has received a span that meets every
// matcher and returns the first such span. It fails the test after the
// timeout, listing the spans received and the first matcher each one
// failed.
func (r *Recorder) RequireSpan(tb testing.TB, ms ...Matcher) Span {
	tb.Helper()
	if bad := misuse(ms, true); bad != "" {
		tb.Fatalf("ddxtest: RequireSpan: %s", bad)
		return Span{}
	}
	var found Span
	var seen []Span
	ok := r.waitSpans(func(spans []Span) bool {
		seen = spans
		for _, s := range spans {
			if s.Matches(ms...) {
				found = s
				return true
			}
		}
		return false
	})
	if !ok {
		tb.Fatalf("ddxtest: RequireSpan: no span matched %s within %v; %d spans received%s", describe(ms), r.wait(), len(seen), listSpans(seen, ms))
	}
	return found
}

// RequireNoSpan flushes the tracer (see [Recorder.Flush]) and fails the
// test if any span received meets every matcher, or if there is any span at
// all when called without matchers.
func (r *Recorder) RequireNoSpan(tb testing.TB, ms ...Matcher) {
	tb.Helper()
	if bad := misuse(ms, true); bad != "" {
		tb.Fatalf("ddxtest: RequireNoSpan: %s", bad)
		return
	}
	r.Flush(tb)
	if got := r.Spans(ms...); len(got) > 0 {
		tb.Fatalf("ddxtest: RequireNoSpan: %d spans matched %s, want none%s", len(got), describe(ms), listSpans(got, nil))
	}
}

// RequireLog waits until a log line that meets every matcher has been
// written and returns the first such line. It fails the test after the
// timeout, listing the lines written and the first matcher each one failed.
func (r *Recorder) RequireLog(tb testing.TB, ms ...Matcher) Log {
	tb.Helper()
	if bad := misuse(ms, false); bad != "" {
		tb.Fatalf("ddxtest: RequireLog: %s", bad)
		return nil
	}
	deadline := time.NewTimer(r.wait())
	defer deadline.Stop()
	for {
		changed := r.logs.changedChan()
		lines, _ := r.logs.parse()
		for _, l := range lines {
			if l.Matches(ms...) {
				return l
			}
		}
		select {
		case <-changed:
		case <-deadline.C:
			tb.Fatalf("ddxtest: RequireLog: no log line matched %s within %v; %d lines written%s", describe(ms), r.wait(), len(lines), listLogs(lines, ms))
			return nil
		}
	}
}

// RequireNoLog fails the test if a line written so far meets every
// matcher. It does not wait.
func (r *Recorder) RequireNoLog(tb testing.TB, ms ...Matcher) {
	tb.Helper()
	if bad := misuse(ms, false); bad != "" {
		tb.Fatalf("ddxtest: RequireNoLog: %s", bad)
		return
	}
	if got := r.Logs(ms...); len(got) > 0 {
		tb.Fatalf("ddxtest: RequireNoLog: %d log lines matched %s, want none%s", len(got), describe(ms), listLogs(got, nil))
	}
}

// waitSpans calls cond with the spans received (markers left out) until it
// returns true or the timeout passes, flushing the tracer between checks.
func (r *Recorder) waitSpans(cond func([]Span) bool) bool {
	deadline := time.NewTimer(r.wait())
	defer deadline.Stop()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		changed := r.agent.Changed()
		if cond(r.Spans()) {
			return true
		}
		// Flush is not synchronous with delivery (the tracer sends on
		// another goroutine), and a trace finished after this flush needs
		// the next: keep asking.
		tracer.Flush()
		select {
		case <-changed:
		case <-tick.C:
		case <-deadline.C:
			return cond(r.Spans())
		}
	}
}

// maxListed bounds the spans or lines a failure message lists.
const maxListed = 20

func listSpans(spans []Span, ms []Matcher) string {
	var b strings.Builder
	for i, s := range spans {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  ... and %d more", len(spans)-maxListed)
			break
		}
		fmt.Fprintf(&b, "\n  %s", s)
		if m, ok := firstFailSpan(s, ms); !ok && len(ms) > 0 {
			fmt.Fprintf(&b, "\n      fails %s", m.desc)
		}
	}
	return b.String()
}

func listLogs(lines []Log, ms []Matcher) string {
	var b strings.Builder
	for i, l := range lines {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  ... and %d more", len(lines)-maxListed)
			break
		}
		fmt.Fprintf(&b, "\n  %s", clip(l.String(), 300))
		if m, ok := firstFailLog(l, ms); !ok && len(ms) > 0 {
			fmt.Fprintf(&b, "\n      fails %s", m.desc)
		}
	}
	return b.String()
}

// logBuffer is the default logger's writer: it keeps every line and wakes
// up RequireLog when one arrives.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	close(b.changed)
	b.changed = make(chan struct{})
	return n, err
}

func (b *logBuffer) changedChan() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

func (b *logBuffer) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// parse returns the complete lines written so far: the JSON objects, and
// the lines that are not one.
func (b *logBuffer) parse() (lines []Log, invalid []string) {
	b.mu.Lock()
	data := bytes.Clone(b.buf.Bytes())
	b.mu.Unlock()
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break // a partial line: ddx writes each line in one Write
		}
		line := data[:i]
		data = data[i+1:]
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var l Log
		if err := json.Unmarshal(line, &l); err != nil || l == nil {
			invalid = append(invalid, string(line))
			continue
		}
		lines = append(lines, l)
	}
	return lines, invalid
}
