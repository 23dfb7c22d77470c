package ddx

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	slogmulti "github.com/samber/slog-multi"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/jsonbuf"
	"github.com/ddx-go/ddx/internal/redact"
)

// newTextHandler returns the handler Start installs when a person reads the
// output: stdout is a terminal, or DDX_LOG_FORMAT=text. One line per record,
//
//	15:04:05.000 INFO  order paid order=42 http.method=GET dd.trace_id=6789... dd.span_id=1234
//
// local time, padded level, message, key=value pairs with group names
// joined by dots, the first error as error.kind=... error.message=...
// followed by its stack on indented lines, then the trace ids. dd.service,
// dd.env and dd.version are left out: they never change on a terminal.
// Redaction, levels and ReplaceAttr work as in [NewHandler].
func newTextHandler(w io.Writer, opts *HandlerOptions) slog.Handler {
	var o HandlerOptions
	if opts != nil {
		o = *opts
	}
	h := &textHandler{
		w:         w,
		mu:        new(sync.Mutex),
		level:     o.Level,
		addSource: o.AddSource,
		replace:   o.ReplaceAttr,
		trace128:  trace128FromEnv(),
	}
	if h.level == nil {
		h.level = slog.LevelInfo
	}
	return slogmulti.Pipe(redactMiddleware(redact.New(o.RedactKeys...))).Handler(h)
}

type textHandler struct {
	w         io.Writer
	mu        *sync.Mutex
	level     slog.Leveler
	addSource bool
	replace   func([]string, slog.Attr) slog.Attr
	trace128  bool

	pre     []byte   // pre-formatted WithAttrs pairs, each with a leading space
	stack   string   // stack of an error claimed by WithAttrs
	errSeen bool     // WithAttrs claimed the error.* fields
	prefix  string   // "G.H." for the groups in effect
	groups  []string // the same, for ReplaceAttr
}

var _ slog.Handler = (*textHandler)(nil)

func (h *textHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *textHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	h2.groups = append(clip(h.groups), name)
	return &h2
}

func (h *textHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	h2 := *h
	e := textEncoder{buf: clip(h.pre), replace: h.replace, groups: h.groups, prefix: h.prefix, errTaken: h.errSeen}
	for _, a := range as {
		e.attr(a, true)
	}
	h2.pre, h2.errSeen = e.buf, e.errTaken
	if e.stack != "" {
		h2.stack = e.stack
	}
	return &h2
}

func (h *textHandler) Handle(ctx context.Context, r slog.Record) error {
	bp := jsonbuf.Get()
	e := textEncoder{buf: *bp, replace: h.replace, groups: clip(h.groups), errTaken: h.errSeen, stack: h.stack}
	if !r.Time.IsZero() {
		e.buf = r.Time.AppendFormat(e.buf, "15:04:05.000")
		e.buf = append(e.buf, ' ')
	}
	lvl := r.Level.String()
	e.buf = append(e.buf, lvl...)
	for i := len(lvl); i < 5; i++ {
		e.buf = append(e.buf, ' ')
	}
	e.buf = append(e.buf, ' ')
	e.buf = appendMessage(e.buf, r.Message)
	if h.addSource {
		if src := r.Source(); src != nil && src.File != "" {
			e.buf = append(e.buf, " source="...)
			e.buf = append(e.buf, src.File...)
			e.buf = append(e.buf, ':')
			e.buf = strconv.AppendInt(e.buf, int64(src.Line), 10)
		}
	}
	e.buf = append(e.buf, h.pre...)
	e.prefix = h.prefix
	r.Attrs(func(a slog.Attr) bool {
		e.attr(a, true)
		return true
	})
	if span, ok := tracer.SpanFromContext(ctx); ok {
		sc := span.Context()
		if id := sc.TraceIDBytes(); id != ([16]byte{}) {
			e.buf = append(e.buf, " "+keyTraceID+"="...)
			if h.trace128 {
				e.buf = jsonbuf.AppendHex(e.buf, id[:])
			} else {
				e.buf = strconv.AppendUint(e.buf, sc.TraceIDLower(), 10)
			}
			e.buf = append(e.buf, " "+keySpanID+"="...)
			e.buf = strconv.AppendUint(e.buf, sc.SpanID(), 10)
		}
	}
	e.buf = append(e.buf, '\n')
	if e.stack != "" {
		for line := range strings.Lines(e.stack) {
			e.buf = append(e.buf, "    "...)
			e.buf = append(e.buf, strings.TrimRight(line, "\n")...)
			e.buf = append(e.buf, '\n')
		}
	}
	h.mu.Lock()
	_, err := h.w.Write(e.buf)
	h.mu.Unlock()
	*bp = e.buf
	jsonbuf.Free(bp)
	return err
}

// textEncoder appends key=value pairs, each with a leading space.
type textEncoder struct {
	buf      []byte
	replace  func([]string, slog.Attr) slog.Attr
	groups   []string
	prefix   string
	errTaken bool
	stack    string
	depth    int
}

func (e *textEncoder) attr(a slog.Attr, top bool) {
	v := a.Value
	_, isErr := errorOf(v)
	if !isErr {
		v = v.Resolve()
	}
	if e.replace != nil && v.Kind() != slog.KindGroup {
		a = e.replace(e.groups, slog.Attr{Key: a.Key, Value: v})
		v = a.Value
		if _, isErr = errorOf(v); !isErr {
			v = v.Resolve()
		}
	}
	if isErr {
		err, _ := errorOf(v)
		if top && !e.errTaken {
			e.errTaken = true
			e.errorFields(err)
			return
		}
		e.pair(a.Key, slog.StringValue(errorText(err)))
		return
	}
	switch v.Kind() {
	case slog.KindGroup:
		e.group(a.Key, v.Group(), top)
		return
	case slog.KindAny:
		switch x := v.Any().(type) {
		case nil:
			if a.Key == "" {
				return
			}
		case *slog.Source:
			if x != nil && x.File != "" {
				e.pair(a.Key, slog.StringValue(x.File+":"+strconv.Itoa(x.Line)))
			}
			return
		}
	}
	e.pair(a.Key, v)
}

func (e *textEncoder) group(key string, as []slog.Attr, top bool) {
	if len(as) == 0 {
		return
	}
	if e.depth >= maxDepth {
		e.pair(key, slog.StringValue("!DEPTH"))
		return
	}
	prefix, groups := e.prefix, e.groups
	if key != "" {
		e.prefix += key + "."
		if e.replace != nil {
			e.groups = append(clip(e.groups), key)
		}
		top = false
	}
	e.depth++
	for _, m := range as {
		e.attr(m, top)
	}
	e.depth--
	e.prefix, e.groups = prefix, groups
}

// errorFields writes the error's log value (kind, message, attributes) as
// error.* pairs at the root, whatever the groups in effect, and keeps the
// stack for the lines after the record.
func (e *textEncoder) errorFields(err error) {
	prefix, groups := e.prefix, e.groups
	e.prefix, e.groups = keyError+".", nil
	defer func() {
		if r := recover(); r != nil { // a typed nil, say
			e.pair("message", slog.StringValue(panicText(err, r)))
		}
		e.prefix, e.groups = prefix, groups
	}()
	_, v, _ := errorLogValue(err)
	if v.Kind() != slog.KindGroup {
		e.pair("message", slog.StringValue(errorText(err)))
		return
	}
	for _, a := range v.Group() {
		switch a.Key {
		case errors.KeyStack:
			e.stack = a.Value.String()
			continue
		case errors.KeyFingerprint:
			continue // the code again: Datadog's, not a reader's
		}
		e.attr(a, false)
	}
}

// errorText is err.Error(), or what a panicking Error method said.
func errorText(err error) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = panicText(err, r)
		}
	}()
	return err.Error()
}

func (e *textEncoder) pair(key string, v slog.Value) {
	e.buf = append(e.buf, ' ')
	quote := e.prefix == "" && key == "" ||
		e.prefix != "" && needsQuoting(e.prefix) ||
		key != "" && needsQuoting(key)
	if quote {
		e.buf = strconv.AppendQuote(e.buf, e.prefix+key)
	} else {
		e.buf = append(e.buf, e.prefix...)
		e.buf = append(e.buf, key...)
	}
	e.buf = append(e.buf, '=')
	switch v.Kind() {
	case slog.KindString:
		e.buf = appendText(e.buf, v.String())
	case slog.KindInt64:
		e.buf = strconv.AppendInt(e.buf, v.Int64(), 10)
	case slog.KindUint64:
		e.buf = strconv.AppendUint(e.buf, v.Uint64(), 10)
	case slog.KindFloat64:
		e.buf = strconv.AppendFloat(e.buf, v.Float64(), 'g', -1, 64)
	case slog.KindBool:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case slog.KindTime:
		e.buf = v.Time().AppendFormat(e.buf, time.RFC3339Nano)
	case slog.KindAny:
		e.buf = appendText(e.buf, anyText(v.Any()))
	default:
		e.buf = appendText(e.buf, v.String())
	}
}

// anyText formats x with %+v, recovering from panicking String methods.
func anyText(x any) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = panicText(x, r)
		}
	}()
	if err, ok := x.(error); ok {
		return errorText(err)
	}
	return fmt.Sprintf("%+v", x)
}

// appendText appends s, quoted when a reader could not tell where it ends.
func appendText(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		if r == utf8.RuneError || r == '=' || r == '"' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
	}
	return false
}

// appendMessage appends the message as is, unless a control character or
// invalid UTF-8 would break the line: then quoted.
func appendMessage(b []byte, s string) []byte {
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return strconv.AppendQuote(b, s)
		}
	}
	return append(b, s...)
}
