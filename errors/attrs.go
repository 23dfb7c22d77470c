package errors

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// Keys of the group that an error logs as. Under slog's JSON handler,
// slog.Any("error", err) becomes error.kind, error.message and error.stack,
// the attributes Datadog's Error Tracking reads.
const (
	KeyKind    = "kind"
	KeyMessage = "message"
	KeyStack   = "stack"
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
	for ; err != nil && depth < maxChain; depth++ {
		switch x := err.(type) {
		case *Error:
			if x == nil {
				return n
			}
			n += len(x.Attrs)
			err = x.Err
		case interface{ Unwrap() error }:
			err = x.Unwrap()
		case interface{ Unwrap() []error }:
			for _, b := range x.Unwrap() {
				n += countAttrs(b, depth+1)
			}
			return n
		default:
			return n
		}
	}
	return n
}

func collectAttrs(dst []slog.Attr, err error, depth int) []slog.Attr {
	for ; err != nil && depth < maxChain; depth++ {
		switch x := err.(type) {
		case *Error:
			if x == nil {
				return dst
			}
			dst = append(dst, x.Attrs...)
			err = x.Err
		case interface{ Unwrap() error }:
			err = x.Unwrap()
		case interface{ Unwrap() []error }:
			for _, b := range x.Unwrap() {
				dst = collectAttrs(dst, b, depth+1)
			}
			return dst
		default:
			return dst
		}
	}
	return dst
}

// LogValue implements [slog.LogValuer]: an *Error logs as a group with the
// keys [KeyKind] (the name of [KindOf]), [KeyMessage] (the text of
// [Error.Error] without the bracketed attributes, since they follow as
// attributes of their own), [KeyStack] (from [Stack]; left out when there is
// none) and then the attributes of every layer, outermost first. An
// attribute whose key was already used (by an outer layer, or one of the
// three keys above) is dropped so that the group has unique keys, and the
// values of keys naming secrets are replaced by [REDACTED].
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
// all. Their message is their Error text, which for an *Error behind such a
// wrapper includes its bracketed attributes (the wrapper's text was made
// with them). For nil it returns an empty group, which handlers leave out.
func LogValue(err error) slog.Value {
	if err == nil {
		return slog.GroupValue()
	}
	var msg string
	if e, ok := err.(*Error); ok && e != nil {
		var buf [256]byte
		msg = string(e.appendText(buf[:0], false))
	} else {
		msg = err.Error()
	}
	stack := Stack(err)
	attrs := Attrs(err)
	group := make([]slog.Attr, 0, 3+len(attrs))
	group = append(group, slog.String(KeyKind, KindOf(err).String()), slog.String(KeyMessage, msg))
	if stack != "" {
		group = append(group, slog.String(KeyStack, stack))
	}
	for i, a := range attrs {
		if isEmptyAttr(a) || a.Key == KeyKind || a.Key == KeyMessage || a.Key == KeyStack || seenKey(attrs[:i], a.Key) {
			continue
		}
		group = append(group, redactAttr(a))
	}
	return slog.GroupValue(group...)
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
			s = fmt.Sprint(v.Any())
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
