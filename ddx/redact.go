package ddx

import (
	"log/slog"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/redact"
)

// Redaction happens as attributes are encoded, in records and in
// WithAttrs, at any depth: the value of every attribute whose key matches
// the handler's list becomes "[REDACTED]"; a group whose key matches is
// replaced whole; after WithGroup with a matching name, every value is.
// Checking a key costs no allocation, and a record with nothing to redact
// costs nothing more.
//
// Maps, structs, pointers and slices are looked into too (redact_values.go),
// and so are an error's attributes. Not covered: secrets inside free text
// (messages, error text, string values), and values that encode themselves
// (json.Marshaler).

var redactedValue = slog.StringValue(redact.Value)

// attrState is what the JSON and text encoders share while they write one
// record or one WithAttrs call: redaction, ReplaceAttr and the groups it
// is given, the root error's claim and the depth bound.
type attrState struct {
	replace  func([]string, slog.Attr) slog.Attr
	groups   []string // only maintained when replace != nil
	secrets  *redact.Matcher
	secret   bool // inside a group named like a secret: redact every value
	errTaken bool // the root error has been written
	depth    int
}

// prepare returns a as it is to be written, and the error it holds, if
// any: redacted when check is set and its key, or a group around it, is a
// secret; passed through ReplaceAttr (after redaction, so that it never
// sees a secret); resolved. An error is not resolved: an error that is
// also a LogValuer (errors.Error) must still become the error object.
func (s *attrState) prepare(a slog.Attr, check bool) (slog.Attr, error) {
	if check && s.redacts(a) {
		a.Value = redactedValue
	}
	v := a.Value
	err, isErr := errorOf(v)
	if !isErr {
		v = v.Resolve()
		if check && v.Kind() == slog.KindAny {
			if x := v.Any(); valueNeeds(s.secrets, x) {
				v = slog.AnyValue(redactValue(s.secrets, x))
			}
		}
	}
	if s.replace != nil && v.Kind() != slog.KindGroup {
		a = s.replace(s.groups, slog.Attr{Key: a.Key, Value: v})
		v = a.Value
		if err, isErr = errorOf(v); !isErr {
			v = v.Resolve()
		}
	}
	a.Value = v
	return a, err
}

// redacts reports whether a's value is replaced whole: its key is a
// secret, or it is inside a group named like one. Inside such a group an
// attribute with no key is redacted too, except an inline group, whose
// members keep their keys, and the empty attribute, which stays empty.
func (s *attrState) redacts(a slog.Attr) bool {
	if a.Key != "" {
		return s.secret || s.secrets.Match(a.Key)
	}
	if !s.secret {
		return false
	}
	switch v := a.Value.Resolve(); v.Kind() {
	case slog.KindGroup:
		return false
	case slog.KindAny:
		return v.Any() != nil
	}
	return true
}

// claimsError reports whether a is an error that is written as one,
// before it is written: a redacted error is a string.
func (s *attrState) claimsError(a slog.Attr) bool {
	_, ok := errorOf(a.Value)
	return ok && !s.redacts(a)
}

// errorFields is a set of the fields of the error object Datadog's Error
// Tracking reads.
type errorFields uint8

const (
	fieldKind errorFields = 1 << iota
	fieldMessage
	fieldStack
	fieldType
	fieldCode
	fieldFingerprint
)

// errorField returns the error object's field named key, or 0 for an
// attribute of the error.
func errorField(key string) errorFields {
	switch key {
	case errors.KeyKind:
		return fieldKind
	case errors.KeyMessage:
		return fieldMessage
	case errors.KeyStack:
		return fieldStack
	case "type":
		return fieldType
	case errors.KeyCode:
		return fieldCode
	case errors.KeyFingerprint:
		return fieldFingerprint
	}
	return 0
}
