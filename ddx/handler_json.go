package ddx

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"time"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/jsonbuf"
)

// maxDepth bounds group nesting, which a LogValuer returning a group that
// contains itself would otherwise make infinite.
const maxDepth = 32

// encoder appends one record's attributes as JSON. It lives on the stack
// of Handle or WithAttrs.
type encoder struct {
	attrState
	buf []byte
}

// withAttrsJSON pre-formats WithAttrs attributes into h, a clone.
func (h *handler) withAttrsJSON(as []slog.Attr) {
	e := encoder{attrState: h.attrState()}
	if len(h.groups) == 0 {
		e.buf = h.root
		for _, a := range as {
			e.attr(a, true)
		}
		h.root, h.errTaken = e.buf, e.errTaken
		return
	}
	// Inside groups: the first error still goes to the root.
	skip := -1
	if !e.errTaken {
		for i, a := range as {
			if e.claimsError(a) {
				e.buf = h.root
				e.attr(a, true)
				skip = i
				h.root, h.errTaken = e.buf, e.errTaken
				break
			}
		}
	}
	e.buf = h.nested
	if len(h.pending) > 0 {
		e.buf = appendSep(e.buf)
		e.buf = append(e.buf, h.pending...)
	}
	mark := len(e.buf)
	for i, a := range as {
		if i != skip {
			e.attr(a, false)
		}
	}
	if len(e.buf) > mark {
		h.nested = e.buf
		h.nOpen += h.nPending
		h.pending, h.nPending = nil, 0
	}
}

// appendJSON appends r as one line of JSON.
func (h *handler) appendJSON(buf []byte, ctx context.Context, r slog.Record) []byte {
	e := encoder{attrState: h.attrState(), buf: append(buf, '{')}
	if h.replace != nil {
		e.builtinsReplaced(r, h.addSource)
	} else {
		if !r.Time.IsZero() {
			e.buf = append(e.buf, `"`+keyTime+`":`...)
			e.buf = jsonbuf.AppendTime(e.buf, r.Time)
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, `"`+keyLevel+`":`...)
		e.buf = appendLevel(e.buf, r.Level)
		e.buf = append(e.buf, `,"`+keyMessage+`":`...)
		e.buf = jsonbuf.AppendString(e.buf, r.Message)
		if h.addSource {
			e.source(keySource, r.Source())
		}
	}
	e.buf = h.appendTraceID(e.buf, ctx)
	if len(h.root) > 0 {
		e.buf = appendSep(e.buf)
		e.buf = append(e.buf, h.root...)
	}
	grouped := len(h.nested) > 0 || len(h.pending) > 0
	if len(h.nested) > 0 {
		e.buf = appendSep(e.buf)
		e.buf = append(e.buf, h.nested...)
	}
	closing, rootErr := h.nOpen, -1
	if r.NumAttrs() > 0 {
		mark := len(e.buf)
		if len(h.pending) > 0 {
			e.buf = appendSep(e.buf)
			e.buf = append(e.buf, h.pending...)
		}
		wrote, i := false, 0
		r.Attrs(func(a slog.Attr) bool {
			if grouped && rootErr < 0 && !e.errTaken && e.claimsError(a) {
				// The record's first error goes to the root, after
				// the groups close.
				rootErr = i
				i++
				return true
			}
			if e.attr(a, !grouped) {
				wrote = true
			}
			i++
			return true
		})
		if wrote {
			closing += h.nPending
		} else {
			e.buf = e.buf[:mark]
		}
	}
	for range closing {
		e.buf = append(e.buf, '}')
	}
	if rootErr >= 0 {
		i := 0
		r.Attrs(func(a slog.Attr) bool {
			if i == rootErr {
				e.attr(a, true)
				return false
			}
			i++
			return true
		})
	}
	return append(e.buf, '}', '\n')
}

// builtinsReplaced writes the built-in attributes through ReplaceAttr.
func (e *encoder) builtinsReplaced(r slog.Record, addSource bool) {
	groups := e.groups
	e.groups = nil // built-ins are not in a group
	if !r.Time.IsZero() {
		e.builtin(slog.Time(slog.TimeKey, r.Time.Round(0)), slog.TimeKey, keyTime)
	}
	e.builtin(slog.Any(slog.LevelKey, r.Level), slog.LevelKey, keyLevel)
	e.builtin(slog.String(slog.MessageKey, r.Message), slog.MessageKey, keyMessage)
	if addSource {
		e.builtin(slog.Any(slog.SourceKey, r.Source()), slog.SourceKey, keySource)
	}
	e.groups = groups
}

func (e *encoder) builtin(a slog.Attr, slogKey, ddKey string) {
	a = e.replace(nil, a)
	if a.Key == slogKey {
		a.Key = ddKey
	}
	v := a.Value.Resolve()
	switch {
	case a.Key == ddKey && slogKey == slog.TimeKey && v.Kind() == slog.KindTime:
		e.buf = appendSep(e.buf)
		e.buf = jsonbuf.AppendKey(e.buf, a.Key)
		e.buf = jsonbuf.AppendTime(e.buf, v.Time())
	case v.Kind() == slog.KindAny && isLevel(v.Any()):
		e.buf = appendSep(e.buf)
		e.buf = jsonbuf.AppendKey(e.buf, a.Key)
		e.buf = appendLevel(e.buf, v.Any().(slog.Level))
	default:
		// ReplaceAttr has had its say: do not call it a second time, and
		// the built-ins are not the caller's attributes to redact.
		err, _ := errorOf(v)
		replace := e.replace
		e.replace = nil
		e.write(slog.Attr{Key: a.Key, Value: v}, err, false)
		e.replace = replace
	}
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
	if e.replace == nil && !e.secret && a.Key != "" && isScalar(a.Value.Kind()) {
		// Most attributes: a keyed scalar, nothing to resolve, redacted
		// by its key alone.
		if !e.secrets.Extended() {
			if enc, ok := knownKey(a.Key); ok {
				e.buf = append(appendSep(e.buf), enc...)
				e.value(a.Value)
				return true
			}
		}
		v := a.Value
		if e.secrets.Match(a.Key) {
			v = redactedValue
		}
		key := a.Key
		if top {
			key = unreserved(key)
		}
		e.buf = appendSep(e.buf)
		e.buf = jsonbuf.AppendKey(e.buf, key)
		e.value(v)
		return true
	}
	a, err := e.prepare(a, true)
	return e.write(a, err, top)
}

// knownKey returns the encoded `"key":` of attr.Known, the names ddx's
// integrations put on every line they write. None of them is a secret by the default list, a
// reserved key or in need of escaping (TestKnownKeys checks all three), so
// a handler without extra RedactKeys writes them without asking the
// matcher, whose walk of the key bytes was a fifth of an access line's
// cost.
func knownKey(key string) (string, bool) {
	switch key {
	case attr.HTTPMethod:
		return `"http.method":`, true
	case attr.HTTPStatusCode:
		return `"http.status_code":`, true
	case attr.HTTPURLPath:
		return `"http.url_details.path":`, true
	case attr.HTTPRoute:
		return `"http.route":`, true
	case attr.HTTPUserAgent:
		return `"http.useragent":`, true
	case attr.HTTPRequestID:
		return `"http.request_id":`, true
	case attr.ClientIP:
		return `"network.client.ip":`, true
	case attr.Duration:
		return `"duration":`, true
	case attr.GRPCMethod:
		return `"grpc.method":`, true
	case attr.GRPCCode:
		return `"grpc.code":`, true
	case attr.GRPCTarget:
		return `"grpc.target":`, true
	case attr.JobName:
		return `"job.name":`, true
	case attr.MessagingSystem:
		return `"messaging.system":`, true
	case attr.MessagingDestination:
		return `"messaging.destination.name":`, true
	case attr.MessagingOperation:
		return `"messaging.operation.name":`, true
	case attr.MessagingMessageID:
		return `"messaging.message.id":`, true
	case attr.KafkaPartition:
		return `"messaging.kafka.partition":`, true
	case attr.KafkaOffset:
		return `"messaging.kafka.offset":`, true
	case attr.KafkaGroup:
		return `"messaging.kafka.consumer.group":`, true
	case attr.KafkaSettlement:
		return `"messaging.kafka.settlement":`, true
	case attr.KafkaAttempts:
		return `"messaging.kafka.attempts":`, true
	case attr.PubsubAck:
		return `"pubsub.ack":`, true
	case attr.PubsubDeliveryAttempt:
		return `"pubsub.delivery_attempt":`, true
	}
	return "", false
}

// isScalar reports whether a value of kind k is written as it is.
func isScalar(k slog.Kind) bool {
	switch k {
	case slog.KindString, slog.KindInt64, slog.KindUint64, slog.KindFloat64, slog.KindBool, slog.KindDuration, slog.KindTime:
		return true
	}
	return false
}

// write appends a prepared attribute; err is the error it holds, if any.
func (e *encoder) write(a slog.Attr, err error, top bool) bool {
	if top {
		a.Key = unreserved(a.Key)
	}
	if err != nil {
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
	v := a.Value
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
	lv, complete := errorLogValue(err)
	e.buf = append(e.buf, '{')
	var kind string
	var has errorFields // the fields the error's own group wrote
	if lv.Kind() == slog.KindGroup && e.depth < maxDepth {
		e.depth++
		for _, a := range lv.Group() {
			f := errorField(a.Key)
			if !e.errorMember(a, f) {
				continue
			}
			has |= f
			if f == fieldKind {
				kind = a.Value.String()
			}
		}
		e.depth--
	}
	if has&fieldKind == 0 {
		kind = errors.KindOf(err).String()
		e.buf = appendSep(e.buf)
		e.buf = append(e.buf, `"`+errors.KeyKind+`":`...)
		e.buf = jsonbuf.AppendString(e.buf, kind)
	}
	if has&fieldMessage == 0 {
		e.buf = appendSep(e.buf)
		e.buf = append(e.buf, `"`+errors.KeyMessage+`":`...)
		e.buf = jsonbuf.AppendString(e.buf, errors.Message(err))
	}
	if !complete && has&fieldStack == 0 {
		if st := errors.Stack(err); st != "" {
			e.buf = appendSep(e.buf)
			e.buf = append(e.buf, `"`+errors.KeyStack+`":`...)
			e.buf = jsonbuf.AppendString(e.buf, st)
		}
	}
	if has&fieldType == 0 {
		if t := errors.TypeName(err); t != kind && t != "" {
			e.buf = appendSep(e.buf)
			e.buf = append(e.buf, `"type":`...)
			e.buf = jsonbuf.AppendString(e.buf, t)
		}
	}
	e.buf = append(e.buf, '}')
}

// errorLogValue returns the group err logs as. complete reports a group
// made by errors.LogValue, which already holds the stack when there is
// one. An error with its own LogValue method gives that group.
func errorLogValue(err error) (v slog.Value, complete bool) {
	if lv, ok := err.(slog.LogValuer); ok {
		if _, own := err.(*errors.Error); !own {
			return slog.AnyValue(lv).Resolve(), false
		}
	}
	return errors.LogValue(err), true
}

// errorMember appends a member of an error's group. The error object's
// own fields (f != 0) are not attributes and are not redacted: "code" is
// an error code there, not an OAuth code.
func (e *encoder) errorMember(a slog.Attr, f errorFields) bool {
	if f == 0 {
		return e.attr(a, false)
	}
	a, err := e.prepare(a, false)
	return e.write(a, err, false)
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
