package ddx

import "github.com/ddx-go/ddx/internal/redact"

// Secrets inside logged values. slog.Any("req", map[string]any{"password":
// …}), a struct with an APIKey field, an http.Header with Authorization:
// the JSON encoder would write them field by field. Such values are walked
// by reflection, with no method called (but a map key's MarshalText, which
// encoding/json calls too), and a value that holds a secret is replaced by
// a copy as plain maps and slices, with the secret's value redacted and
// everything else kept: map keys and struct fields (by their json name when
// they have one) are matched like attribute keys. The walk is
// internal/redact's (Matcher.Redact), which package errors and
// outcome.PanicError use too, so that a value reads the same redacted
// wherever it is written.
//
// Walked: the fields encoding/json writes, including those promoted from
// embedded structs, exported or not, directly or through a pointer; maps
// with any key type (integer keys in decimal, TextMarshaler keys by their
// text). Not walked: values that encode themselves (json.Marshaler,
// encoding.TextMarshaler, such as time.Time), whose output is theirs, and
// unexported fields, which encoding/json does not write either.

// valueNeeds reports whether x holds a secret somewhere. It does not
// allocate for values that are not maps, structs, pointers, slices or
// arrays.
func valueNeeds(m *redact.Matcher, x any) bool { return m.ValueNeeds(x) }

// redactValue returns a copy of x, which holds a secret (valueNeeds), as
// plain maps and slices with the secrets redacted; the whole value
// redacted should the walk fail.
func redactValue(m *redact.Matcher, x any) any {
	out, _ := m.Redact(x)
	return out
}
