package ddx

import (
	"encoding"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"

	"github.com/ddx-go/ddx/internal/redact"
)

// Secrets inside logged values. slog.Any("req", map[string]any{"password":
// …}), a struct with an APIKey field, an http.Header with Authorization:
// the JSON encoder would write them field by field. Such values are walked
// by reflection, with no method called, and a value that holds a secret is
// replaced by a copy as plain maps and slices, with the secret's value
// redacted and everything else kept: map keys and struct fields (by their
// json name when they have one) are matched like attribute keys.
//
// Not walked: values that encode themselves (json.Marshaler,
// encoding.TextMarshaler, such as time.Time), whose output is theirs, and
// unexported struct fields, which encoding/json does not write either.

// valueNeeds reports whether x holds a secret somewhere. It does not
// allocate for values that are not maps, structs, pointers, slices or
// arrays.
func valueNeeds(m *redact.Matcher, x any) bool {
	if x == nil {
		return false
	}
	w := valueWalker{m: m}
	return w.needsAny(x, 0)
}

// needsAny is needs for the usual shapes of logged values, without
// reflection (which copies every map element it looks at), and with
// reflection for the rest.
func (w *valueWalker) needsAny(x any, depth int) bool {
	if depth >= maxDepth {
		return x != nil // too deep to look into: not written as it is
	}
	switch x := x.(type) {
	case nil, string, bool, int, int64, float64, []byte, []string:
		return false
	case map[string]string:
		for k := range x {
			if w.m.Match(k) {
				return true
			}
		}
		return false
	case map[string][]string, http.Header, url.Values:
		return w.keysNeed(x)
	case map[string]any:
		for k, e := range x {
			if w.m.Match(k) || w.needsAny(e, depth+1) {
				return true
			}
		}
		return false
	case []any:
		for _, e := range x {
			if w.needsAny(e, depth+1) {
				return true
			}
		}
		return false
	}
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map, reflect.Struct, reflect.Pointer, reflect.Slice, reflect.Array, reflect.Interface:
		return w.needs(v, depth)
	}
	return false
}

// redactValue returns a copy of x, which holds a secret (valueNeeds), as
// plain maps and slices with the secrets redacted. Should reflection meet a
// value it cannot copy, the whole value is redacted: nothing is written
// that might hold a secret.
func redactValue(m *redact.Matcher, x any) (out any) {
	defer func() {
		if recover() != nil {
			out = redact.Value
		}
	}()
	w := valueWalker{m: m}
	return w.copy(reflect.ValueOf(x), 0)
}

// keysNeed reports whether one of a header-like map's keys is a secret.
func (w *valueWalker) keysNeed(x any) bool {
	var m map[string][]string
	switch x := x.(type) {
	case map[string][]string:
		m = x
	case http.Header:
		m = x
	case url.Values:
		m = x
	}
	for k := range m {
		if w.m.Match(k) {
			return true
		}
	}
	return false
}

type valueWalker struct {
	m *redact.Matcher
	// path holds the pointers and maps being walked, to stop at a cycle.
	path []uintptr
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// opaque reports whether v encodes itself, so its fields are not what is
// written.
func opaque(t reflect.Type) bool {
	return t.Implements(jsonMarshaler) || t.Implements(textMarshaler) ||
		reflect.PointerTo(t).Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(textMarshaler)
}

func (w *valueWalker) enter(v reflect.Value) bool {
	p := v.Pointer()
	for _, q := range w.path {
		if q == p {
			return false // a cycle: encoding/json would fail on it anyway
		}
	}
	w.path = append(w.path, p)
	return true
}

func (w *valueWalker) leave() { w.path = w.path[:len(w.path)-1] }

func (w *valueWalker) needs(v reflect.Value, depth int) bool {
	if !v.IsValid() {
		return false
	}
	if depth >= maxDepth {
		return true // too deep to look into: not written as it is
	}
	switch v.Kind() {
	case reflect.Interface:
		return !v.IsNil() && w.needs(v.Elem(), depth) // no level of its own
	case reflect.Pointer:
		if v.IsNil() || opaque(v.Type()) || !w.enter(v) {
			return false
		}
		defer w.leave()
		return w.needs(v.Elem(), depth+1)
	case reflect.Map:
		if v.IsNil() || opaque(v.Type()) || v.Type().Key().Kind() != reflect.String || !w.enter(v) {
			return false
		}
		defer w.leave()
		it := v.MapRange()
		for it.Next() {
			if w.m.Match(it.Key().String()) || w.needs(it.Value(), depth+1) {
				return true
			}
		}
	case reflect.Struct:
		if opaque(v.Type()) {
			return false
		}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, ok := fieldName(f)
			if !ok {
				continue
			}
			if w.m.Match(name) || w.m.Match(f.Name) || w.needs(v.Field(i), depth+1) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() || opaque(v.Type()) {
			return false
		}
		switch v.Type().Elem().Kind() {
		case reflect.Map, reflect.Struct, reflect.Pointer, reflect.Slice, reflect.Array, reflect.Interface:
		default:
			return false // []byte, []string, ...: nothing keyed inside
		}
		for i := range v.Len() {
			if w.needs(v.Index(i), depth+1) {
				return true
			}
		}
	}
	return false
}

// copy returns v as plain Go values with secrets redacted. Values without
// a secret inside are kept as they are.
func (w *valueWalker) copy(v reflect.Value, depth int) any {
	if !v.IsValid() || !v.CanInterface() {
		return nil
	}
	if depth >= maxDepth {
		// Deeper than the walk goes, a secret could hide: redact the rest
		// rather than write it unseen.
		return redact.Value
	}
	if !w.needs(v, depth) {
		return v.Interface()
	}
	switch v.Kind() {
	case reflect.Interface:
		return w.copy(v.Elem(), depth) // no level of its own
	case reflect.Pointer:
		w.enter(v)
		defer w.leave()
		return w.copy(v.Elem(), depth+1)
	case reflect.Map:
		w.enter(v)
		defer w.leave()
		out := make(map[string]any, v.Len())
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			if w.m.Match(k.String()) {
				out[k.String()] = redact.Value
			} else {
				out[k.String()] = w.copy(v.MapIndex(k), depth+1)
			}
		}
		return out
	case reflect.Struct:
		t := v.Type()
		out := make(map[string]any, t.NumField())
		for i := range t.NumField() {
			f := t.Field(i)
			name, ok := fieldName(f)
			if !ok {
				continue
			}
			if w.m.Match(name) || w.m.Match(f.Name) {
				out[name] = redact.Value
			} else {
				out[name] = w.copy(v.Field(i), depth+1)
			}
		}
		return out
	case reflect.Slice, reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = w.copy(v.Index(i), depth+1)
		}
		return out
	}
	return v.Interface()
}

// fieldName is the name encoding/json writes a struct field under, and
// whether it writes it at all.
func fieldName(f reflect.StructField) (string, bool) {
	if !f.IsExported() {
		return "", false
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name, true
	}
	return f.Name, true
}
