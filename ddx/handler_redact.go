package ddx

import (
	"context"
	"log/slog"

	"github.com/ddx-go/ddx/internal/redact"
)

// redactingHandler stands in front of a sink given to WithLogHandlers, so
// that the sink sees each record as ddx's own handler writes it, redacted:
// the value of an attribute whose key is a secret, of every attribute in a
// group (or after WithGroup) named like one, and the secrets inside maps,
// structs, slices and headers (internal/redact's walk), by the same list
// (the built-in one and WithRedactKeys). Errors are passed on as errors, so
// that the sink can still treat them as such: an *errors.Error redacts its
// own attributes (in LogValue and Error); a redacted one becomes the string
// "[REDACTED]", as in ddx's handler.
//
// A record with nothing to redact is passed on as it is, without a copy.
// What a sink does with the message and with free text (an error's own
// text) is its own: those are not redacted by ddx's handler either.
type redactingHandler struct {
	next    slog.Handler
	secrets *redact.Matcher
	secret  bool // a group in effect is named like a secret: redact every value
}

// newRedactingHandler returns next behind redaction by m (the built-in list
// when nil).
func newRedactingHandler(next slog.Handler, m *redact.Matcher) slog.Handler {
	if m == nil {
		m = redact.New()
	}
	return &redactingHandler{next: next, secrets: m}
}

func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	clean := true
	r.Attrs(func(a slog.Attr) bool {
		_, changed := h.attr(a, h.secret, 0)
		clean = !changed
		return clean
	})
	if clean {
		return h.next.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		a, _ = h.attr(a, h.secret, 0)
		out.AddAttrs(a)
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i], _ = h.attr(a, h.secret, 0)
	}
	return &redactingHandler{next: h.next.WithAttrs(out), secrets: h.secrets, secret: h.secret}
}

func (h *redactingHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h // slog: WithGroup("") is the handler itself
	}
	return &redactingHandler{next: h.next.WithGroup(name), secrets: h.secrets, secret: h.secret || h.secrets.Match(name)}
}

// attr returns a redacted as ddx's handler redacts it (attrState.prepare
// and redacts), and whether anything changed. secret says a group around
// it is named like a secret.
func (h *redactingHandler) attr(a slog.Attr, secret bool, depth int) (slog.Attr, bool) {
	if a.Key != "" && (secret || h.secrets.Match(a.Key)) {
		return slog.String(a.Key, redact.Value), true
	}
	if k := a.Value.Kind(); k == slog.KindAny || k == slog.KindLogValuer {
		if _, isErr := a.Value.Any().(error); isErr {
			// Still an error for the sink: an *errors.Error redacts its
			// own attributes; other errors' text is free text.
			return a, false
		}
	}
	v := a.Value
	if v.Kind() == slog.KindLogValuer {
		v = v.Resolve()
	}
	switch v.Kind() {
	case slog.KindGroup:
		if depth >= redact.MaxDepth {
			return slog.String(a.Key, redact.Value), true // deeper than anyone looks
		}
		inner := secret || a.Key != "" && h.secrets.Match(a.Key)
		g := v.Group()
		var out []slog.Attr
		for i, m := range g {
			r, changed := h.attr(m, inner, depth+1)
			if changed && out == nil {
				out = make([]slog.Attr, len(g))
				copy(out, g[:i])
			}
			if out != nil {
				out[i] = r
			}
		}
		if out == nil {
			if v.Kind() != a.Value.Kind() {
				// A LogValuer's group: passed on resolved, so that the sink
				// does not call LogValue again.
				return slog.Attr{Key: a.Key, Value: v}, false
			}
			return a, false
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}, true
	case slog.KindAny:
		x := v.Any()
		if x == nil {
			return a, false
		}
		if secret {
			// An attribute without a key inside a secret group.
			return slog.String(a.Key, redact.Value), true
		}
		if _, isErr := x.(error); isErr { // a LogValuer that resolved to one
			return slog.Attr{Key: a.Key, Value: v}, false
		}
		if r, changed := h.secrets.Redact(x); changed {
			return slog.Any(a.Key, r), true
		}
	default:
		if secret && a.Key == "" {
			return slog.String(a.Key, redact.Value), true
		}
	}
	if v.Kind() != a.Value.Kind() {
		return slog.Attr{Key: a.Key, Value: v}, false
	}
	return a, false
}
