package ddx

import (
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/jsonbuf"
)

// maxDepth bounds group nesting, which a LogValuer returning a group that
// contains itself would otherwise make infinite.
const maxDepth = 32

// encoder appends one record's attributes as JSON. It lives on the stack
// of Handle or WithAttrs.
type encoder struct {
	buf      []byte
	replace  func([]string, slog.Attr) slog.Attr
	groups   []string // only maintained when replace != nil
	errTaken bool     // the root "error" key has been written
	depth    int
}

// appendSep appends the comma that separates members of an object, unless
// b is empty or just opened an object.
func appendSep(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] != '{' {
		return append(b, ',')
	}
	return b
}

// attr appends a and reports whether it wrote anything (empty attributes
// and empty groups write nothing). A top-level error attribute claims the
// root "error" key if nothing has yet.
func (e *encoder) attr(a slog.Attr, top bool) bool {
	v := a.Value
	// Errors are recognised before Resolve: an error that is also a
	// LogValuer (errors.Error) must still become the error object.
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
	if top {
		a.Key = unreserved(a.Key)
	}
	if isErr {
		err, _ := errorOf(v)
		key, root := a.Key, false
		if top && !e.errTaken {
			e.errTaken, key, root = true, keyError, true
		}
		e.buf = appendSep(e.buf)
		e.buf = jsonbuf.AppendKey(e.buf, key)
		if e.replace == nil {
			e.errorValue(err)
			return true
		}
		// ReplaceAttr sees the error's fields in the group they are
		// written in: ["error"] for the root error.
		groups := e.groups
		if root {
			e.groups = []string{key}
		} else {
			e.groups = append(clip(groups), key)
		}
		e.errorValue(err)
		e.groups = groups
		return true
	}
	switch v.Kind() {
	case slog.KindGroup:
		return e.group(a.Key, v.Group(), top)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case nil:
			if a.Key == "" {
				return false // slog.Attr{}: elided, as slog does
			}
		case *slog.Source:
			return e.source(a.Key, x)
		}
	}
	e.buf = appendSep(e.buf)
	e.buf = jsonbuf.AppendKey(e.buf, a.Key)
	e.value(v)
	return true
}

// unreserved renames a root-level attribute whose key is one of the
// built-ins', which would otherwise appear twice in the object: an
// attribute "status":200 (an HTTP status, typically) would replace the
// line's status for Datadog, and a caller's "dd.trace_id" would join the
// line to a trace it is not part of (a last-wins parser takes the forged
// one). Like logrus, the attribute keeps its value under "fields.<key>".
// A group named "dd" is renamed too: Datadog reads {"dd":{"trace_id":..}}
// as dd.trace_id. Constant strings: no allocation.
func unreserved(key string) string {
	switch key {
	case keyTime:
		return "fields." + keyTime
	case keyLevel:
		return "fields." + keyLevel
	case keyMessage:
		return "fields." + keyMessage
	case keyTraceID:
		return "fields." + keyTraceID
	case keySpanID:
		return "fields." + keySpanID
	case keyService:
		return "fields." + keyService
	case keyEnv:
		return "fields." + keyEnv
	case keyVersion:
		return "fields." + keyVersion
	case keyDD:
		return "fields." + keyDD
	}
	return key
}

// group appends a group's members under key, or inline when key is empty.
// A group that turns out empty is removed again.
func (e *encoder) group(key string, as []slog.Attr, top bool) bool {
	if len(as) == 0 {
		return false
	}
	if e.depth >= maxDepth {
		e.buf = appendSep(e.buf)
		e.buf = jsonbuf.AppendKey(e.buf, key)
		e.buf = append(e.buf, `"!DEPTH"`...)
		return true
	}
	mark := len(e.buf)
	if key != "" {
		e.buf = appendSep(e.buf)
		e.buf = jsonbuf.AppendKey(e.buf, key)
		e.buf = append(e.buf, '{')
		if e.replace != nil {
			e.groups = append(e.groups, key)
		}
		top = false
	}
	e.depth++
	wrote := false
	for _, m := range as {
		if e.attr(m, top) {
			wrote = true
		}
	}
	e.depth--
	if key != "" {
		if e.replace != nil {
			e.groups = e.groups[:len(e.groups)-1]
		}
		if wrote {
			e.buf = append(e.buf, '}')
		}
	}
	if !wrote {
		e.buf = e.buf[:mark]
	}
	return wrote
}

// source appends a *slog.Source as slog's JSONHandler does; nil or empty
// writes nothing.
func (e *encoder) source(key string, s *slog.Source) bool {
	if s == nil || (s.Function == "" && s.File == "" && s.Line == 0) {
		return false
	}
	e.buf = appendSep(e.buf)
	e.buf = jsonbuf.AppendKey(e.buf, key)
	e.buf = append(e.buf, `{"function":`...)
	e.buf = jsonbuf.AppendString(e.buf, s.Function)
	e.buf = append(e.buf, `,"file":`...)
	e.buf = jsonbuf.AppendString(e.buf, s.File)
	e.buf = append(e.buf, `,"line":`...)
	e.buf = strconv.AppendInt(e.buf, int64(s.Line), 10)
	e.buf = append(e.buf, '}')
	return true
}

// value appends a resolved, non-group value.
func (e *encoder) value(v slog.Value) {
	switch v.Kind() {
	case slog.KindString:
		e.buf = jsonbuf.AppendString(e.buf, v.String())
	case slog.KindInt64:
		e.buf = strconv.AppendInt(e.buf, v.Int64(), 10)
	case slog.KindUint64:
		e.buf = strconv.AppendUint(e.buf, v.Uint64(), 10)
	case slog.KindFloat64:
		e.buf = jsonbuf.AppendFloat(e.buf, v.Float64())
	case slog.KindBool:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case slog.KindDuration:
		// Nanoseconds, as encoding/json does and as Datadog's standard
		// "duration" attribute expects.
		e.buf = strconv.AppendInt(e.buf, int64(v.Duration()), 10)
	case slog.KindTime:
		e.buf = append(e.buf, '"')
		e.buf = v.Time().AppendFormat(e.buf, time.RFC3339Nano)
		e.buf = append(e.buf, '"')
	case slog.KindAny:
		e.any(v.Any())
	default:
		// Unreachable for resolved values; write something rather than nothing.
		e.buf = jsonbuf.AppendString(e.buf, v.String())
	}
}

// any appends an arbitrary Go value: errors as error objects, the rest
// through encoding/json. A panicking method or an encoding error is written
// as a string in place of the value.
func (e *encoder) any(x any) {
	mark := len(e.buf)
	defer func() {
		if r := recover(); r != nil {
			e.buf = jsonbuf.AppendString(e.buf[:mark], panicText(x, r))
		}
	}()
	switch x := x.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case slog.Level:
		e.buf = appendLevel(e.buf, x)
	case error:
		e.errorValue(x)
	default:
		b, err := jsonbuf.AppendMarshal(e.buf, x)
		if err != nil {
			b = jsonbuf.AppendString(e.buf, "!ERROR:"+err.Error())
		}
		e.buf = b
	}
}

// errorValue appends err as the object Datadog's Error Tracking reads:
// kind, message (the whole chain, without the attributes), stack (where
// the error was created, when it carries one) and the error's attributes,
// as errors.LogValue gives them; type is added when it says more than kind
// ("*net.OpError"). An error with its own LogValue method contributes that
// group instead, completed with the fields it lacks.
func (e *encoder) errorValue(err error) {
	mark, depth, ngroups := len(e.buf), e.depth, len(e.groups)
	defer func() {
		// Error, LogValue or the errors helpers panicked, typically on a
		// typed nil pointer: keep the line, say what happened.
		if r := recover(); r != nil {
			e.depth, e.groups = depth, e.groups[:ngroups]
			b := append(e.buf[:mark], `{"message":`...)
			b = jsonbuf.AppendString(b, panicText(err, r))
			b = append(b, `,"type":`...)
			b = jsonbuf.AppendString(b, fmt.Sprintf("%T", err))
			e.buf = append(b, '}')
		}
	}()
	inner, lv, complete := errorLogValue(err)
	e.buf = append(e.buf, '{')
	var kind, has string // has collects the first letters of the fields written
	if lv.Kind() == slog.KindGroup && e.depth < maxDepth {
		e.depth++
		for _, a := range lv.Group() {
			if !e.attr(a, false) {
				continue
			}
			switch a.Key {
			case errors.KeyKind:
				has += "k"
				kind = a.Value.String()
			case errors.KeyMessage:
				has += "m"
			case errors.KeyStack:
				has += "s"
			case "type":
				has += "t"
			}
		}
		e.depth--
	}
	if !strings.Contains(has, "k") {
		kind = errors.KindOf(inner).String()
		e.buf = appendSep(e.buf)
		e.buf = append(e.buf, `"`+errors.KeyKind+`":`...)
		e.buf = jsonbuf.AppendString(e.buf, kind)
	}
	if !strings.Contains(has, "m") {
		e.buf = appendSep(e.buf)
		e.buf = append(e.buf, `"`+errors.KeyMessage+`":`...)
		e.buf = jsonbuf.AppendString(e.buf, errors.Message(inner))
	}
	if !complete && !strings.Contains(has, "s") {
		if st := errors.Stack(inner); st != "" {
			e.buf = appendSep(e.buf)
			e.buf = append(e.buf, `"`+errors.KeyStack+`":`...)
			e.buf = jsonbuf.AppendString(e.buf, st)
		}
	}
	if !strings.Contains(has, "t") {
		if t := errors.TypeName(inner); t != kind && t != "" {
			e.buf = appendSep(e.buf)
			e.buf = append(e.buf, `"type":`...)
			e.buf = jsonbuf.AppendString(e.buf, t)
		}
	}
	e.buf = append(e.buf, '}')
}

// errorLogValue returns the error to classify (err without the redaction
// wrapper) and the group it logs as. complete reports a group made by
// errors.LogValue, which already holds the stack when there is one.
func errorLogValue(err error) (inner error, v slog.Value, complete bool) {
	if re, ok := err.(*redactedError); ok {
		return re.err, re.v, re.complete
	}
	if lv, ok := err.(slog.LogValuer); ok {
		if _, own := err.(*errors.Error); !own {
			return err, slog.AnyValue(lv).Resolve(), false
		}
	}
	return err, errors.LogValue(err), true
}

// errorOf reports whether v holds a non-nil error, unresolved.
func errorOf(v slog.Value) (error, bool) {
	if k := v.Kind(); k == slog.KindAny || k == slog.KindLogValuer {
		err, ok := v.Any().(error)
		return err, ok
	}
	return nil, false
}

// panicText describes a panic raised while formatting x. Like fmt and
// slog, a nil pointer whose method panicked prints as "<nil>".
func panicText(x any, r any) string {
	if v := reflect.ValueOf(x); v.Kind() == reflect.Pointer && v.IsNil() {
		return "<nil>"
	}
	return fmt.Sprintf("!PANIC: %v", r)
}

func isLevel(x any) bool {
	_, ok := x.(slog.Level)
	return ok
}

// appendLevel appends the level's name as a JSON string; the four standard
// levels cost a copy of a constant.
func appendLevel(b []byte, l slog.Level) []byte {
	switch l {
	case slog.LevelDebug:
		return append(b, `"DEBUG"`...)
	case slog.LevelInfo:
		return append(b, `"INFO"`...)
	case slog.LevelWarn:
		return append(b, `"WARN"`...)
	case slog.LevelError:
		return append(b, `"ERROR"`...)
	}
	return jsonbuf.AppendString(b, l.String())
}
