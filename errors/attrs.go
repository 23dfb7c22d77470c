package errors

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ddx-go/ddx/internal/redact"
)

// Keys of the group that an error logs as. Under slog's JSON handler,
// slog.Any("error", err) becomes error.kind, error.message and error.stack,
// the attributes Datadog's Error Tracking reads.
const (
	KeyKind        = "kind"
	KeyMessage     = "message"
	KeyStack       = "stack"
	KeyCode        = "code"        // the error's Code, when it has one
	KeyFingerprint = "fingerprint" // Error Tracking's grouping key: the Code
)

// Attrs returns the attributes of every layer of err, outermost first,
// seeing through fmt.Errorf's %w and [Join] (branches in order). It returns
// nil when there are none. The slice is new; changing it changes no error.
func Attrs(err error) []slog.Attr {
	n := countAttrs(err, 0)
	if n == 0 {
		return nil
	}
	return collectAttrs(make([]slog.Attr, 0, n), err, 0)
}

func countAttrs(err error, depth int) int {
	n := 0
	for w := walk(err, depth); w.ok(); w.next() {
		switch x := w.err.(type) {
		case *Error:
			n += len(x.Attrs)
		case interface{ Unwrap() []error }:
			for _, b := range x.Unwrap() {
				n += countAttrs(b, w.depth+1)
			}
		}
	}
	return n
}

func collectAttrs(dst []slog.Attr, err error, depth int) []slog.Attr {
	for w := walk(err, depth); w.ok(); w.next() {
		switch x := w.err.(type) {
		case *Error:
			dst = append(dst, x.Attrs...)
		case interface{ Unwrap() []error }:
			for _, b := range x.Unwrap() {
				dst = collectAttrs(dst, b, w.depth+1)
			}
		}
	}
	return dst
}

// LogValue implements [slog.LogValuer]: an *Error logs as a group with the
// keys [KeyKind] (the name of [KindOf]), [KeyMessage] (the text of
// [Error.Error] without the bracketed attributes, since they follow as
// attributes of their own), [KeyStack] (from [Stack]; left out when there is
// none), [KeyCode] and [KeyFingerprint] (the [Code], when there is one)
// and then the attributes of every layer, outermost first. An
// attribute whose key was already used (by an outer layer, or one of the
// three keys above) is dropped so that the group has unique keys, and the
// values of keys naming secrets are replaced by [REDACTED]; a value that is
// a map, a struct, a slice or a header with such keys or fields inside is
// replaced by a copy with those redacted, for any slog handler.
//
// Under slog's JSON handler, slog.Any("error", err) therefore yields
//
//	"error":{"kind":"NotFound","message":"orders.Get: order 42 not found","stack":"...","order_id":42}
func (e *Error) LogValue() slog.Value {
	if e == nil {
		return slog.GroupValue()
	}
	return LogValue(e)
}

// LogValue returns the value err logs as, the group described at
// [Error.LogValue], for any error: a log handler can call it for errors that
// hide an *Error behind fmt.Errorf's %w, or that are not this package's at
// all. Their message is [Message]: their Error text with the bracketed
// attributes of any *Error inside taken out, since those follow as
// attributes of their own. When the chain has a [Code] ([CodeOf]), the group
// also holds [KeyCode] and [KeyFingerprint] with it. For nil it returns an
// empty group, which handlers leave out.
func LogValue(err error) slog.Value {
	if err == nil {
		return slog.GroupValue()
	}
	msg := Message(err)
	stack := Stack(err)
	code := CodeOf(err)
	attrs := Attrs(err)
	group := make([]slog.Attr, 0, 5+len(attrs))
	group = append(group, slog.String(KeyKind, KindOf(err).String()), slog.String(KeyMessage, msg))
	if stack != "" {
		group = append(group, slog.String(KeyStack, stack))
	}
	if code != "" {
		group = append(group, slog.String(KeyCode, string(code)), slog.String(KeyFingerprint, string(code)))
	}
	for i, a := range attrs {
		if isEmptyAttr(a) || isGroupKey(a.Key) || seenKey(attrs[:i], a.Key) {
			continue
		}
		group = append(group, redactAttr(a))
	}
	return slog.GroupValue(group...)
}

// isGroupKey reports whether key is one that LogValue writes itself.
func isGroupKey(key string) bool {
	switch key {
	case KeyKind, KeyMessage, KeyStack, KeyCode, KeyFingerprint:
		return true
	}
	return false
}

// Message returns the text that logs and spans carry as error.message: the
// chain of operations and messages down to the root cause, as
// [Error.Error] writes it, without the bracketed attribute values.
//
// Two occurrences of one problem therefore read the same whatever the
// request's values were (an order id, a user's address), which is what
// Datadog's Error Tracking groups by, and no personal data rides along in
// the message; the values are logged as attributes of their own. Error
// keeps them, for a person reading one error.
//
// For an *Error hidden behind fmt.Errorf's %w or [Join], the attributes
// are taken out of the wrapper's text too. An Error method that panics
// gives fmt's "%!v(PANIC=Error method: ...)" instead of a panic.
// Message(nil) is "".
func Message(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := err.(*Error); ok {
		if e == nil {
			return "<nil>"
		}
		var buf [256]byte
		return string(e.appendText(buf[:0], false))
	}
	msg := textOf(err)
	return stripAttrs(msg, err, 0)
}

// stripAttrs removes from msg, the text of a wrapper, the bracketed
// attributes of the first *Error of each branch under it.
func stripAttrs(msg string, err error, depth int) string {
	for w := walk(err, depth); w.ok(); w.next() {
		switch x := w.err.(type) {
		case *Error:
			// Any attribute down the chain counts: one below a foreign
			// wrapper is in x's text too, through the wrapper's.
			if countAttrs(x, w.depth) == 0 {
				return msg
			}
			full := x.Error()
			var buf [256]byte
			bare := string(x.appendText(buf[:0], false))
			if i := strings.Index(msg, full); i >= 0 {
				return msg[:i] + bare + msg[i+len(full):]
			}
			return msg
		case interface{ Unwrap() []error }:
			for _, b := range x.Unwrap() {
				msg = stripAttrs(msg, b, w.depth+1)
			}
		}
	}
	return msg
}

// seenKey reports whether one of attrs has key. An empty key is never seen:
// it marks a group whose attributes are inlined.
func seenKey(attrs []slog.Attr, key string) bool {
	if key == "" {
		return false
	}
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}

// redactAttr returns a with the values of secret keys replaced, at any depth
// of groups, including groups that a slog.LogValuer resolves to. It
// allocates only when a group holds something to replace.
func redactAttr(a slog.Attr) slog.Attr {
	r, _ := redactAttrChanged(a)
	return r
}

// redactAttrChanged is redactAttr, also reporting whether it replaced
// anything. (slog.Value.Equal cannot tell: it panics on values such as
// slices.)
func redactAttrChanged(a slog.Attr) (slog.Attr, bool) {
	if isSecretKey(a.Key) {
		return slog.String(a.Key, redacted), true
	}
	if a.Value.Kind() == slog.KindLogValuer {
		a.Value = a.Value.Resolve()
	}
	if a.Value.Kind() == slog.KindAny {
		// A map, struct or header holding a secret, for a handler that
		// writes it field by field; an error logs itself.
		x := a.Value.Any()
		if _, isErr := x.(error); !isErr {
			if r, changed := redact.Redact(x); changed {
				return slog.Any(a.Key, r), true
			}
		}
		return a, false
	}
	if a.Value.Kind() != slog.KindGroup {
		return a, false
	}
	g := a.Value.Group()
	for i, m := range g {
		r, changed := redactAttrChanged(m)
		if !changed {
			continue
		}
		out := make([]slog.Attr, len(g))
		copy(out, g[:i])
		out[i] = r
		for j := i + 1; j < len(g); j++ {
			out[j] = redactAttr(g[j])
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}, true
	}
	return a, false
}

// isEmptyAttr reports whether a is the zero Attr, which slog handlers leave
// out. It does not compare values: that panics on some.
func isEmptyAttr(a slog.Attr) bool {
	return a.Key == "" && a.Value.Kind() == slog.KindAny && a.Value.Any() == nil
}

// appendTextAttrs appends " [k=v ...]" with the attributes of e and of the
// *Error values directly nested in it, outermost first, each key once.
func appendTextAttrs(b []byte, e *Error) []byte {
	open := false
	depth := 0
	for cur := e; cur != nil && depth < maxChain; depth++ {
		for i, a := range cur.Attrs {
			if isEmptyAttr(a) || seenKey(cur.Attrs[:i], a.Key) || seenInLayers(e, cur, a.Key) {
				continue
			}
			before := len(b)
			if open {
				b = append(b, ' ')
			} else {
				b = append(b, " ["...)
			}
			if nb := appendTextAttr(b, "", a); len(nb) > len(b) {
				b, open = nb, true
			} else {
				b = b[:before] // a group with nothing in it
			}
		}
		next, _ := cur.Err.(*Error)
		cur = next
	}
	if open {
		b = append(b, ']')
	}
	return b
}

// seenInLayers reports whether a layer from e down to, not including, stop
// has an attribute with key.
func seenInLayers(e, stop *Error, key string) bool {
	for cur := e; cur != nil && cur != stop; {
		if seenKey(cur.Attrs, key) {
			return true
		}
		cur, _ = cur.Err.(*Error)
	}
	return false
}

// appendTextAttr appends a as key=value, flattening groups into dotted keys
// separated by spaces, the way slog's text handler does.
func appendTextAttr(b []byte, prefix string, a slog.Attr) []byte {
	key := a.Key
	if prefix != "" && key != "" {
		key = prefix + "." + key
	} else if prefix != "" {
		key = prefix
	}
	if isSecretKey(key) {
		// Unquoted although it has brackets: it is no value, and reads
		// the same as in ddx's log lines.
		b = appendString(b, key)
		b = append(b, '=')
		return append(b, redacted...)
	}
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		first := true
		for _, m := range v.Group() {
			if isEmptyAttr(m) {
				continue
			}
			before := len(b)
			if !first {
				b = append(b, ' ')
			}
			if nb := appendTextAttr(b, key, m); len(nb) > len(b) {
				b, first = nb, false
			} else {
				b = b[:before]
			}
		}
		return b
	}
	b = appendString(b, key)
	b = append(b, '=')
	switch v.Kind() {
	case slog.KindString:
		return appendString(b, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		return strconv.AppendFloat(b, v.Float64(), 'g', -1, 64)
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		return append(b, v.Duration().String()...)
	case slog.KindTime:
		return appendString(b, v.Time().Format(time.RFC3339Nano))
	default:
		// fmt recovers from panicking String and Error methods.
		var s string
		if err, ok := v.Any().(error); ok && err != nil {
			s = fmt.Sprint(err)
		} else {
			// fmt writes a map or a struct field by field: the secrets
			// inside are redacted first, as ddx's log handler does.
			x := v.Any()
			if r, changed := redact.Redact(x); changed {
				x = r
			}
			s = fmt.Sprint(x)
		}
		return appendString(b, s)
	}
}

// appendString appends s, quoted when it would otherwise be ambiguous.
func appendString(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// needsQuoting reports whether s is empty or has spaces, brackets, '=', '"'
// or characters that do not print.
func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '=' || c == '"' || c == '[' || c == ']' || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}
