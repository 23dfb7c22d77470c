package ddx

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ddx-go/ddx/errors"
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
	return newHandler(w, &o, true)
}

// withAttrsText pre-formats WithAttrs pairs into h, a clone.
func (h *handler) withAttrsText(as []slog.Attr) {
	e := textEncoder{attrState: h.attrState(), buf: h.root, prefix: h.prefix}
	for _, a := range as {
		e.attr(a, true)
	}
	h.root, h.errTaken = e.buf, e.errTaken
	if e.stack != "" {
		h.stack = e.stack
	}
}

// appendText appends r as one line for a person, then the stack of its
// error, if any, on indented lines.
func (h *handler) appendText(buf []byte, ctx context.Context, r slog.Record) []byte {
	e := textEncoder{attrState: h.attrState(), buf: buf, stack: h.stack}
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
	e.buf = append(e.buf, h.root...)
	e.prefix = h.prefix
	r.Attrs(func(a slog.Attr) bool {
		e.attr(a, true)
		return true
	})
	e.buf = h.appendTraceID(e.buf, ctx)
	e.buf = append(e.buf, '\n')
	if e.stack != "" {
		for line := range strings.Lines(e.stack) {
			e.buf = append(e.buf, "    "...)
			e.buf = append(e.buf, strings.TrimRight(line, "\n")...)
			e.buf = append(e.buf, '\n')
		}
	}
	return e.buf
}

// textEncoder appends key=value pairs, each with a leading space.
type textEncoder struct {
	attrState
	buf    []byte
	prefix string
	stack  string
}

func (e *textEncoder) attr(a slog.Attr, top bool) {
	a, err := e.prepare(a, true)
	e.write(a, err, top)
}

// write appends a prepared attribute; err is the error it holds, if any.
func (e *textEncoder) write(a slog.Attr, err error, top bool) {
	if err != nil {
		if top && !e.errTaken {
			e.errTaken = true
			e.errorFields(err)
			return
		}
		e.pair(a.Key, slog.StringValue(errorText(err)))
		return
	}
	v := a.Value
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
// stack for the lines after the record when the kind is unexpected: a
// person reading a 404 wants to know what was not found, not where; the
// JSON for Datadog keeps every stack.
func (e *textEncoder) errorFields(err error) {
	prefix, groups := e.prefix, e.groups
	e.prefix, e.groups = keyError+".", nil
	defer func() {
		if r := recover(); r != nil { // a typed nil, say
			e.pair("message", slog.StringValue(panicText(err, r)))
		}
		e.prefix, e.groups = prefix, groups
	}()
	v, _ := errorLogValue(err)
	if v.Kind() != slog.KindGroup {
		e.pair("message", slog.StringValue(errorText(err)))
		return
	}
	for _, a := range v.Group() {
		switch f := errorField(a.Key); f {
		case fieldStack:
			if !errors.KindOf(err).Expected() {
				e.stack = a.Value.String()
			}
		case fieldFingerprint:
			// the code again: Datadog's, not a reader's
		case 0:
			e.attr(a, false)
		default: // the error's own fields are not redacted
			a, err := e.prepare(a, false)
			e.write(a, err, false)
		}
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

// appendMessage appends the message as is, unless it has a rune that does
// not print (control characters, invalid UTF-8, and format characters such
// as the bidi override U+202E, which would make the terminal show the rest
// of the line reversed): then quoted, escaped as values are. Spaces other
// than the ASCII one are escaped too: a reader cannot tell them apart.
func appendMessage(b []byte, s string) []byte {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return strconv.AppendQuote(b, s)
		}
	}
	return append(b, s...)
}
