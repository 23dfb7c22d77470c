package ddx

import (
	"context"
	"log/slog"

	slogmulti "github.com/samber/slog-multi"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/redact"
)

// redactMiddleware returns the slog-multi middleware that replaces the value
// of every attribute whose key matches m, in records and in WithAttrs, at
// any depth, with "[REDACTED]". A group whose key matches is replaced whole;
// after WithGroup with a matching name, every attribute is redacted.
//
// It is a hand-written handler rather than slogmulti.NewHandleInlineMiddleware
// because the inline middleware passes next.Handle as a method value, which
// allocates on every record; this one costs one scan of the keys and no
// allocation when nothing matches, which is nearly always.
//
// LogValuer values are resolved to look inside them; when nothing inside
// matches, the original value is passed on and the next handler resolves it
// again (LogValue runs twice). A LogValuer that is also an error stays an
// error, so that it still becomes the "error" object.
//
// Maps, structs, pointers and slices are looked into too (redact_values.go).
// Not covered: secrets inside free text (messages, error text, string
// values), and values that encode themselves (json.Marshaler).
func redactMiddleware(m *redact.Matcher) slogmulti.Middleware {
	return func(next slog.Handler) slog.Handler {
		return &redactHandler{next: next, m: m}
	}
}

type redactHandler struct {
	next slog.Handler
	m    *redact.Matcher
	all  bool // inside a group whose name matches: redact everything
}

var _ slog.Handler = (*redactHandler)(nil)

var redactedValue = slog.StringValue(redact.Value)

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.NumAttrs() == 0 || !h.recordNeeds(r) {
		return h.next.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	if h.all || h.attrsNeed(as, 0) {
		red := make([]slog.Attr, len(as))
		for i, a := range as {
			red[i] = h.redactAttr(a)
		}
		as = red
	}
	return &redactHandler{next: h.next.WithAttrs(as), m: h.m, all: h.all}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &redactHandler{next: h.next.WithGroup(name), m: h.m, all: h.all || h.m.Match(name)}
}

func (h *redactHandler) recordNeeds(r slog.Record) bool {
	if h.all {
		return true
	}
	need := false
	r.Attrs(func(a slog.Attr) bool {
		// Scalars only need their key checked: keep the common case inline.
		switch a.Value.Kind() {
		case slog.KindAny, slog.KindGroup, slog.KindLogValuer:
			need = h.attrNeeds(a, 0)
		default:
			need = h.m.Match(a.Key)
		}
		return !need
	})
	return need
}

func (h *redactHandler) attrsNeed(as []slog.Attr, depth int) bool {
	for _, a := range as {
		if h.attrNeeds(a, depth) {
			return true
		}
	}
	return false
}

// attrNeeds reports whether a, or anything inside it, must be redacted.
func (h *redactHandler) attrNeeds(a slog.Attr, depth int) bool {
	if a.Key != "" && h.m.Match(a.Key) {
		return true
	}
	if depth >= maxDepth {
		return false
	}
	v := a.Value
	if _, ok := errorOf(v); ok {
		// An error's attributes are only known once it is formatted;
		// redact them now, once, and hand the result on.
		return true
	}
	if v.Kind() == slog.KindLogValuer {
		v = v.Resolve()
	}
	switch v.Kind() {
	case slog.KindGroup:
		return h.attrsNeed(v.Group(), depth+1)
	case slog.KindAny:
		return h.valueNeeds(v.Any())
	}
	return false
}

// redactAttr returns a with every matching part redacted.
func (h *redactHandler) redactAttr(a slog.Attr) slog.Attr {
	if h.all {
		return redactAll(a)
	}
	return h.redact(a, 0)
}

// redactAll redacts every value in a, keeping empty attributes empty and
// looking inside inline (keyless) groups so that their members keep their
// keys.
func redactAll(a slog.Attr) slog.Attr {
	if a.Key != "" {
		return slog.Attr{Key: a.Key, Value: redactedValue}
	}
	v := a.Value.Resolve()
	switch {
	case v.Kind() == slog.KindGroup:
		members := v.Group()
		red := make([]slog.Attr, len(members))
		for i, m := range members {
			red[i] = redactAll(m)
		}
		return slog.Attr{Value: slog.GroupValue(red...)}
	case v.Kind() == slog.KindAny && v.Any() == nil:
		return a // slog.Attr{}: stays empty
	}
	return slog.Attr{Value: redactedValue}
}

func (h *redactHandler) redact(a slog.Attr, depth int) slog.Attr {
	if a.Key != "" && h.m.Match(a.Key) {
		return slog.Attr{Key: a.Key, Value: redactedValue}
	}
	if depth >= maxDepth {
		return a
	}
	if err, ok := errorOf(a.Value); ok {
		return slog.Attr{Key: a.Key, Value: slog.AnyValue(h.redactError(err, depth))}
	}
	v := a.Value.Resolve()
	if v.Kind() == slog.KindAny {
		if x := v.Any(); h.valueNeeds(x) {
			return slog.Any(a.Key, h.redactValue(x))
		}
		return a
	}
	if v.Kind() != slog.KindGroup || !h.attrsNeed(v.Group(), depth+1) {
		return a
	}
	return slog.Attr{Key: a.Key, Value: h.redactGroup(v.Group(), depth)}
}

func (h *redactHandler) redactGroup(members []slog.Attr, depth int) slog.Value {
	red := make([]slog.Attr, len(members))
	for i, m := range members {
		red[i] = h.redact(m, depth+1)
	}
	return slog.GroupValue(red...)
}

// redactError formats err's log value once, redacted, and wraps it so the
// encoder uses it instead of formatting err again. A LogValue or Error
// method that panics is left for the encoder, which reports it.
func (h *redactHandler) redactError(err error, depth int) (out error) {
	if re, ok := err.(*redactedError); ok {
		return re // already done by an outer redaction handler
	}
	defer func() {
		if r := recover(); r != nil {
			out = err
		}
	}()
	inner, v, complete := errorLogValue(err)
	if v.Kind() == slog.KindGroup && h.errorFieldsNeed(v.Group(), depth+1) {
		members := v.Group()
		red := make([]slog.Attr, len(members))
		for i, m := range members {
			if isErrorField(m.Key) {
				red[i] = m
			} else {
				red[i] = h.redact(m, depth+1)
			}
		}
		v = slog.GroupValue(red...)
	}
	return &redactedError{err: inner, v: v, complete: complete}
}

// errorFieldsNeed is attrsNeed for the members of an error's group, whose
// own fields are not attributes.
func (h *redactHandler) errorFieldsNeed(as []slog.Attr, depth int) bool {
	for _, a := range as {
		if !isErrorField(a.Key) && h.attrNeeds(a, depth) {
			return true
		}
	}
	return false
}

// isErrorField reports whether key is one of the fields of the error object
// Datadog's Error Tracking reads (error.kind, error.message, error.type,
// error.stack, error.code, error.fingerprint): inside an error's group they
// are the error's own, not attributes that may carry a secret; "code" is
// an error code there, not an OAuth code.
func isErrorField(key string) bool {
	switch key {
	case errors.KeyKind, errors.KeyMessage, errors.KeyStack, errors.KeyCode, errors.KeyFingerprint, "type":
		return true
	}
	return false
}

// redactedError keeps an error an error after its LogValue has been
// redacted: Error and Unwrap go to the original, LogValue returns the
// redacted group. The JSON encoder unwraps it to read kind, type and stack.
type redactedError struct {
	err      error
	v        slog.Value
	complete bool // v came from errors.LogValue
}

func (e *redactedError) Error() string        { return e.err.Error() }
func (e *redactedError) Unwrap() error        { return e.err }
func (e *redactedError) LogValue() slog.Value { return e.v }
