// Package localview is the local trace view: it shows a person running the
// service on a laptop what Datadog would show, with no Datadog account: each
// finished trace as an indented tree of its spans, with durations, status
// and errors.
//
// It reads the real tracer's output. The Agent transport of package ddx
// calls one [Hook] with every request: the hook hands the body of every
// /v0.4/traces request to the [View] before sending it, so a span the view
// shows is a span the Agent gets, tags and all. When no Agent answers, the
// hook answers the trace requests itself, so the tracer neither retries nor
// reports lost traces for what the view has shown.
//
// When the view is off, the hook's only work is one atomic pointer load per
// request; no payload is read or decoded.
//
// Where it writes is the caller's choice (package ddx: stderr, never the
// log writer, so that "every line on stdout is one JSON object" holds
// whatever the view does). It writes the tree as text when a person reads,
// and otherwise one JSON object per trace, a log line with status INFO, the
// trace's dd.trace_id and the spans as an array, under the log handler's
// own key names ([Keys]), so that a collector still gets one JSON object
// per line.
package localview

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ddx-go/ddx/internal/jsonbuf"
	"github.com/ddx-go/ddx/internal/tracepayload"
)

// Keys are the log handler's names for the attributes the JSON form writes,
// so that its lines read as the handler's: package ddx passes its own.
type Keys struct {
	Time, Level, Message  string // timestamp, status, message
	TraceID               string // dd.trace_id
	Service, Env, Version string // dd.service, dd.env, dd.version
}

// Options configure a [View].
type Options struct {
	// Text draws each trace as a tree for people; else one JSON object per
	// trace.
	Text bool
	// Service, Env and Version are the JSON form's dd.* values; empty ones
	// are omitted.
	Service, Env, Version string
	// Keys are the JSON form's key names.
	Keys Keys
}

// New returns a view that writes to w.
func New(w io.Writer, o Options) *View {
	return &View{w: w, o: o}
}

// View renders traces to w. Its methods are safe for concurrent use.
type View struct {
	w io.Writer
	o Options

	mu sync.Mutex // one trace at a time, so trees never interleave
}

// Text reports whether v draws trees for people rather than JSON.
func (v *View) Text() bool { return v.o.Text }

// Show decodes a v0.4 payload and writes its traces. A payload it cannot
// decode is reported in one line rather than dropped silently; Show never
// panics.
func (v *View) Show(payload []byte) {
	traces, err := tracepayload.DecodeV04(payload)
	var buf bytes.Buffer
	if err != nil {
		if v.o.Text {
			fmt.Fprintf(&buf, "ddx local view: could not read a trace payload (%v)\n", err)
		} else {
			v.jsonLine(&buf, time.Now(), "WARN", "ddx local view: could not read a trace payload: "+err.Error(), "", nil)
		}
	}
	for _, t := range traces {
		if len(t) == 0 {
			continue
		}
		tr := buildTree(t)
		if v.o.Text {
			tr.writeText(&buf)
		} else {
			tr.writeJSON(v, &buf)
		}
	}
	if buf.Len() == 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.w.Write(buf.Bytes()) //nolint:errcheck // nothing to do about a broken stderr
}

// tree is one trace chunk as the view shows it: spans in depth-first order
// with their depth, children sorted by start.
type tree struct {
	rows    []row
	start   int64 // earliest start, Unix ns
	end     int64 // latest end, Unix ns
	errors  int
	service string // the first root's service
	traceID string
	// remote: a root's parent is not in the chunk. The tracer sends a
	// process's part of a trace as one chunk, so that parent is in another
	// process, the service that called this one (partial flushing aside).
	remote bool
}

// maxViewDepth bounds the drawing's depth: deeper spans are drawn at this
// depth, so a pathological chain of spans costs linear, not quadratic, output.
const maxViewDepth = 32

type row struct {
	span  tracepayload.Span
	depth int
	last  []bool // for each level 0..depth: whether this branch is its parent's last child
	kids  bool
}

func buildTree(spans []tracepayload.Span) *tree {
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	byID := make(map[uint64]int, len(spans))
	for i, s := range spans {
		byID[s.SpanID] = i
	}
	children := make(map[uint64][]int, len(spans))
	var roots []int
	remote := false
	for i, s := range spans {
		if _, ok := byID[s.ParentID]; ok && s.ParentID != s.SpanID {
			children[s.ParentID] = append(children[s.ParentID], i)
		} else {
			roots = append(roots, i)
			remote = remote || (!ok && s.ParentID != 0)
		}
	}
	t := &tree{start: spans[0].Start, traceID: spans[0].TraceID128(), remote: remote}
	visited := make([]bool, len(spans))
	var walk func(i int, last []bool)
	walk = func(i int, last []bool) {
		if visited[i] {
			return
		}
		visited[i] = true
		s := spans[i]
		kids := children[s.SpanID]
		t.rows = append(t.rows, row{span: s, depth: len(last) - 1, last: last, kids: len(kids) > 0})
		for k, c := range kids {
			next := last
			if len(last) < maxViewDepth {
				next = append(append([]bool(nil), last...), k == len(kids)-1)
			}
			walk(c, next)
		}
	}
	for k, r := range roots {
		walk(r, []bool{k == len(roots)-1})
	}
	// Spans caught in a parent cycle (only a corrupt payload has one) are
	// shown as roots rather than lost.
	for i := range spans {
		if !visited[i] {
			walk(i, []bool{true})
		}
	}
	for _, s := range spans {
		t.start = min(t.start, s.Start)
		t.end = max(t.end, s.Start+s.Duration)
		if s.Error != 0 {
			t.errors++
		}
	}
	if len(roots) > 0 {
		t.service = spans[roots[0]].Service
	}
	return t
}

// writeText writes the tree for a person:
//
//	17:27:55.818 trace 6a0f3c2e00000000a1b2c3d4e5f60718  users  12.4ms  3 spans, 1 error
//	GET /users/{id} (http.request)  12.4ms  503  ERROR
//	│ ! Unavailable *errors.Error: users.Get: load user 7: connection refused
//	├─ SELECT users (db.query)  3.1ms  at +0.3ms
//	└─ POST /charge (http.request, payments)  8.0ms  at +4.0ms  503
//
// A chunk whose parent span is in another process says so on its first
// line ("1 span, parent in another process"): the same trace id is then
// on the other service's terminal too. The JSON form has parent_id.
func (t *tree) writeText(b *bytes.Buffer) {
	counts := t.counts()
	if t.remote {
		counts += ", parent in another process"
	}
	fmt.Fprintf(b, "%s trace %s  %s  %s  %s\n", time.Unix(0, t.start).Format("15:04:05.000"),
		t.traceID, clean(t.service), formatDuration(t.end-t.start), counts)
	for _, r := range t.rows {
		s := r.span
		indent := r.indent()
		b.WriteString(indent)
		b.WriteString(clean(label(s, t.service)))
		b.WriteString("  " + formatDuration(s.Duration))
		if r.depth > 0 || s.Start != t.start {
			b.WriteString("  at +" + formatDuration(s.Start-t.start))
		}
		if st := spanStatus(s); st != "" {
			b.WriteString("  " + clean(st))
		}
		if s.Error != 0 {
			b.WriteString("  ERROR")
		} else if k := s.Meta["error.kind"]; k != "" {
			// An expected outcome (a 404, a canceled request): named, not
			// flagged, as Datadog does not count it as an error either.
			b.WriteString("  " + clean(k))
		}
		b.WriteByte('\n')
		if msg := errorSummary(s); msg != "" && (s.Error != 0 || msg != s.Meta["error.kind"]) {
			b.WriteString(r.continuation())
			b.WriteString("! " + clean(msg) + "\n")
		}
	}
}

// clean makes a value from a span safe to print on a terminal. Resources,
// URLs and error messages carry client input: a raw ESC could set the
// terminal's title or clear its screen, a newline forge a line, and a bidi
// override (U+202E) make text read backwards. Such runes are written as
// Go escapes (\x1b, \u202e), invalid UTF-8 as U+FFFD.
func clean(s string) string {
	safe := true
	for _, r := range s {
		if unsafeRune(r) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteRune(utf8.RuneError)
		case !unsafeRune(r):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// unsafeRune reports a control character (C0, DEL, C1) or a bidi control.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == utf8.RuneError
}

func (t *tree) counts() string {
	s := strconv.Itoa(len(t.rows)) + " span"
	if len(t.rows) != 1 {
		s += "s"
	}
	switch t.errors {
	case 0:
	case 1:
		s += ", 1 error"
	default:
		s += ", " + strconv.Itoa(t.errors) + " errors"
	}
	return s
}

// indent is the tree drawing before a span: a bar for every ancestor
// branch that continues below, then the span's own connector.
func (r row) indent() string {
	if r.depth == 0 {
		return ""
	}
	var b strings.Builder
	for lvl := 1; lvl < r.depth; lvl++ {
		if r.last[lvl] {
			b.WriteString("   ")
		} else {
			b.WriteString("│  ")
		}
	}
	if r.last[r.depth] {
		b.WriteString("└─ ")
	} else {
		b.WriteString("├─ ")
	}
	return b.String()
}

// continuation is the tree drawing for a line under the span's own: the
// bars that continue past it, and one for its children if it has any.
func (r row) continuation() string {
	var b strings.Builder
	for lvl := 1; lvl <= r.depth; lvl++ {
		if r.last[lvl] {
			b.WriteString("   ")
		} else {
			b.WriteString("│  ")
		}
	}
	if r.kids {
		b.WriteString("│ ")
	} else {
		b.WriteString("  ")
	}
	return b.String()
}

// label is what the span did: its resource and operation name, and its
// service when that is not the trace's.
func label(s tracepayload.Span, service string) string {
	var b strings.Builder
	inner := s.Name
	if s.Service != "" && s.Service != service {
		inner += ", " + s.Service
	}
	if s.Resource != "" && s.Resource != s.Name {
		b.WriteString(oneLine(s.Resource, 120))
		b.WriteString(" (" + inner + ")")
	} else {
		b.WriteString(inner)
	}
	return b.String()
}

// spanStatus is the HTTP status or the gRPC code the span recorded.
func spanStatus(s tracepayload.Span) string {
	if c := s.Meta["http.status_code"]; c != "" {
		return c
	}
	if c, ok := s.Metrics["http.status_code"]; ok {
		return strconv.FormatFloat(c, 'f', -1, 64)
	}
	if c := s.Meta["grpc.code"]; c != "" {
		return "grpc " + c
	}
	return ""
}

// errorSummary is the error a span carries, on one line: kind, type and
// message, without the stack.
func errorSummary(s tracepayload.Span) string {
	kind, typ, msg := s.Meta["error.kind"], s.Meta["error.type"], s.Meta["error.message"]
	if kind == "" && typ == "" && msg == "" {
		return ""
	}
	head := kind
	if typ != "" && typ != kind { // ddx's own errors are typed by their kind
		head = strings.TrimSpace(head + " " + typ)
	}
	switch {
	case msg == "":
		return head
	case head == "":
		return oneLine(msg, 240)
	}
	return head + ": " + oneLine(msg, 240)
}

// oneLine keeps a value on one line of at most n bytes (cut at a rune
// boundary), so a multi-line message cannot break the tree.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// formatDuration prints ns with three significant digits: 850ns, 12.4µs,
// 3.10ms, 1.25s.
func formatDuration(ns int64) string {
	if ns < 0 {
		ns = 0
	}
	d := float64(ns)
	var unit string
	switch {
	case ns < 1_000:
		return strconv.FormatInt(ns, 10) + "ns"
	case ns < 1_000_000:
		d, unit = d/1e3, "µs"
	case ns < 1_000_000_000:
		d, unit = d/1e6, "ms"
	case ns < 60_000_000_000:
		d, unit = d/1e9, "s"
	default:
		return time.Duration(ns).Round(time.Second).String()
	}
	prec := 0
	switch {
	case d < 10:
		prec = 2
	case d < 100:
		prec = 1
	}
	return strconv.FormatFloat(d, 'f', prec, 64) + unit
}

// viewSpan is one span of the JSON form.
type viewSpan struct {
	Depth       int               `json:"depth"`
	Name        string            `json:"name"`
	Resource    string            `json:"resource,omitempty"`
	Service     string            `json:"service,omitempty"`
	SpanID      string            `json:"span_id"`
	ParentID    string            `json:"parent_id,omitempty"`
	StartOffset int64             `json:"start_offset"` // ns after the trace's first span started
	Duration    int64             `json:"duration"`     // ns, as Datadog's duration attribute
	Status      string            `json:"status,omitempty"`
	Error       map[string]string `json:"error,omitempty"`
}

// writeJSON writes the trace as one log line.
func (t *tree) writeJSON(v *View, b *bytes.Buffer) {
	spans := make([]viewSpan, 0, len(t.rows))
	for _, r := range t.rows {
		s := r.span
		vs := viewSpan{
			Depth: r.depth, Name: s.Name, Resource: s.Resource, Service: s.Service,
			SpanID: strconv.FormatUint(s.SpanID, 10), StartOffset: s.Start - t.start, Duration: s.Duration,
			Status: spanStatus(s),
		}
		if s.ParentID != 0 {
			vs.ParentID = strconv.FormatUint(s.ParentID, 10)
		}
		if s.Error != 0 || errorSummary(s) != "" {
			vs.Error = map[string]string{}
			for _, k := range [...]string{"kind", "type", "message"} {
				if val := s.Meta["error."+k]; val != "" {
					vs.Error[k] = val
				}
			}
		}
		spans = append(spans, vs)
	}
	root := "trace"
	if len(t.rows) > 0 {
		root = "trace " + label(t.rows[0].span, t.service)
	}
	msg := root + " " + formatDuration(t.end-t.start) + " (" + t.counts() + ")"
	v.jsonLine(b, time.Unix(0, t.end), "INFO", msg, t.traceID, map[string]any{"duration": t.end - t.start, "spans": spans})
}

// jsonLine writes one log line in the log handler's shape, under its keys.
func (v *View) jsonLine(b *bytes.Buffer, at time.Time, status, msg, traceID string, trace map[string]any) {
	k := &v.o.Keys
	start := b.Len()
	o := object{b: b}
	o.field(k.Time, at.UTC().Format("2006-01-02T15:04:05.000Z"), false)
	o.field(k.Level, status, false)
	o.field(k.Message, msg, false)
	o.field("logger.name", "ddx.localview", false)
	o.field(k.TraceID, traceID, traceID == "")
	o.field(k.Service, v.o.Service, v.o.Service == "")
	o.field(k.Env, v.o.Env, v.o.Env == "")
	o.field(k.Version, v.o.Version, v.o.Version == "")
	o.field("trace", trace, len(trace) == 0)
	if o.err != nil {
		b.Truncate(start)
		fmt.Fprintf(b, `{"status":"WARN","message":%q,"logger.name":"ddx.localview"}`+"\n", "ddx local view: "+o.err.Error())
		return
	}
	if o.n == 0 {
		b.WriteByte('{')
	}
	b.WriteString("}\n")
}

// object writes one JSON object's fields as encoding/json writes a struct's
// (HTML characters unescaped).
type object struct {
	b   *bytes.Buffer
	n   int
	err error
}

// field writes "key":value unless omit.
func (o *object) field(key string, value any, omit bool) {
	if omit || o.err != nil {
		return
	}
	if o.n == 0 {
		o.b.WriteByte('{')
	} else {
		o.b.WriteByte(',')
	}
	o.n++
	if o.err = encode(o.b, key); o.err != nil {
		return
	}
	o.b.WriteByte(':')
	o.err = encode(o.b, value)
}

// encode writes v as encoding/json does, HTML characters unescaped.
func encode(b *bytes.Buffer, v any) error {
	out, err := jsonbuf.AppendMarshal(b.AvailableBuffer(), v)
	b.Write(out)
	return err
}
