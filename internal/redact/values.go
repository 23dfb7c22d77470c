package redact

import (
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Secrets inside values. slog.Any("req", map[string]any{"password": …}), a
// struct with an APIKey field, an http.Header with Authorization, a
// panic(url.Values{…}): written field by field (encoding/json, fmt), they
// would carry the secret. [Matcher.Redact] walks such values by
// reflection, calling no method of theirs (but a map key's MarshalText,
// which encoding/json calls too), and replaces a value that holds a secret
// by a copy as plain maps and slices, with the secret's value redacted and
// everything else kept. Map keys and struct fields (by their json name when
// they have one, and by their Go name) are matched like attribute keys.
//
// Struct fields are those encoding/json writes: exported ones, and the
// exported fields promoted from embedded structs, exported or not,
// directly or through a pointer (encoding/json's rules of precedence
// between equal names apply). Maps are walked whatever their key type:
// string keys as they are, integer keys in decimal, keys that implement
// encoding.TextMarshaler by their text (as encoding/json writes them), any
// other key as fmt prints it.
//
// Not walked: values that encode themselves (json.Marshaler,
// encoding.TextMarshaler, such as time.Time), whose output is theirs, and
// unexported fields, which encoding/json does not write either; what a
// String or Error method writes, for fmt, is free text like a message and
// is not looked into either. slog.Attr and slog.Value (an *errors.Error's
// Attrs) are walked as the key and value they hold. Deeper than MaxDepth, a
// value that is looked into is redacted whole.

// MaxDepth bounds how deep values are looked into.
const MaxDepth = 32

// Redact returns x with the secrets inside redacted by the Defaults, and
// whether it changed anything: x itself when nothing had to be.
func Redact(x any) (any, bool) { return defaultMatcher.Redact(x) }

// Redact returns x with the secrets inside redacted by m's patterns, and
// whether it changed anything: x itself when nothing had to be. It does
// not allocate for values that are not maps, structs, pointers, slices or
// arrays, nor for those with nothing to redact in the usual shapes
// (map[string]any, map[string]string, http.Header, url.Values, []any).
func (m *Matcher) Redact(x any) (any, bool) {
	if !m.ValueNeeds(x) {
		return x, false
	}
	return m.redactValue(x), true
}

// ValueNeeds reports whether x holds a secret somewhere: whether Redact
// would change it.
func (m *Matcher) ValueNeeds(x any) bool {
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
	if depth >= MaxDepth {
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

// redactValue returns a copy of x, which holds a secret (ValueNeeds), as
// plain maps and slices with the secrets redacted. Should reflection meet a
// value it cannot copy, or a method panic, the whole value is redacted:
// nothing is written that might hold a secret.
func (m *Matcher) redactValue(x any) (out any) {
	defer func() {
		if recover() != nil {
			out = Value
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
	m *Matcher
	// path holds the pointers and maps being walked, to stop at a cycle.
	path []uintptr
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	attrType      = reflect.TypeFor[slog.Attr]()
	valueType     = reflect.TypeFor[slog.Value]()
)

// An slog.Attr or slog.Value inside a value (an *errors.Error's Attrs, in
// a map that was panicked) hides its value in unexported fields, which fmt
// then prints through Value.String: they are walked as the key and value
// they hold.

// attrNeeds is needs for an slog.Attr.
func (w *valueWalker) attrNeeds(a slog.Attr, depth int) bool {
	return w.m.Match(a.Key) || w.slogNeeds(a.Value, depth+1)
}

// slogNeeds is needs for an slog.Value.
func (w *valueWalker) slogNeeds(v slog.Value, depth int) bool {
	switch v = v.Resolve(); v.Kind() {
	case slog.KindAny:
		return w.needsAny(v.Any(), depth)
	case slog.KindGroup:
		for _, a := range v.Group() {
			if w.attrNeeds(a, depth) {
				return true
			}
		}
	}
	return false
}

// slogCopy is copy for an slog.Value: a group as a map, the rest as the
// Go value it holds.
func (w *valueWalker) slogCopy(v slog.Value, depth int) any {
	switch v = v.Resolve(); v.Kind() {
	case slog.KindAny:
		return w.copy(reflect.ValueOf(v.Any()), depth)
	case slog.KindGroup:
		out := make(map[string]any, len(v.Group()))
		for _, a := range v.Group() {
			out[a.Key] = w.attrCopy(a, depth)
		}
		return out
	}
	return v.Any()
}

// attrCopy is the value of a as copy writes it: redacted when its key is
// a secret.
func (w *valueWalker) attrCopy(a slog.Attr, depth int) any {
	if w.m.Match(a.Key) {
		return Value
	}
	return w.slogCopy(a.Value, depth+1)
}

// opaque reports whether t encodes itself, so its fields are not what is
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

// errKeyText stops a copy whose map key's text cannot be had: the whole
// value is redacted.
var errKeyText = fmt.Errorf("redact: a map key's text")

func (w *valueWalker) needs(v reflect.Value, depth int) bool {
	if !v.IsValid() {
		return false
	}
	if depth >= MaxDepth {
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
		if v.IsNil() || opaque(v.Type()) || !w.enter(v) {
			return false
		}
		defer w.leave()
		stringKeys := v.Type().Key().Kind() == reflect.String
		it := v.MapRange()
		for it.Next() {
			var secretKey bool
			if stringKeys {
				secretKey = w.m.Match(it.Key().String())
			} else {
				k, ok := keyText(it.Key())
				secretKey = !ok || w.m.Match(k)
			}
			if secretKey || w.needs(it.Value(), depth+1) {
				return true
			}
		}
	case reflect.Struct:
		switch t := v.Type(); {
		case opaque(t):
			return false
		case t == attrType && v.CanInterface():
			return w.attrNeeds(v.Interface().(slog.Attr), depth)
		case t == valueType && v.CanInterface():
			return w.slogNeeds(v.Interface().(slog.Value), depth)
		}
		for _, f := range structFields(v.Type()) {
			fv, ok := fieldByIndex(v, f.index)
			if !ok {
				continue
			}
			if w.m.Match(f.name) || w.m.Match(f.goName) || w.needs(fv, depth+1) {
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
	if depth >= MaxDepth {
		// Deeper than the walk goes, a secret could hide: redact the rest
		// rather than write it unseen.
		return Value
	}
	if t := v.Type(); t != attrType && t != valueType && !w.needs(v, depth) {
		// An Attr beside one that needed redacting is written the same way.
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
		type entry struct {
			key string
			k   reflect.Value
		}
		entries := make([]entry, 0, v.Len())
		for _, k := range v.MapKeys() {
			s, ok := keyText(k)
			if !ok {
				panic(errKeyText)
			}
			entries = append(entries, entry{s, k})
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
		out := make(map[string]any, len(entries))
		for _, e := range entries {
			if w.m.Match(e.key) {
				out[e.key] = Value
			} else {
				out[e.key] = w.copy(v.MapIndex(e.k), depth+1)
			}
		}
		return out
	case reflect.Struct:
		switch v.Type() {
		case attrType:
			a := v.Interface().(slog.Attr)
			return map[string]any{a.Key: w.attrCopy(a, depth)}
		case valueType:
			return w.slogCopy(v.Interface().(slog.Value), depth)
		}
		fields := structFields(v.Type())
		out := make(map[string]any, len(fields))
		for _, f := range fields {
			fv, ok := fieldByIndex(v, f.index)
			if !ok {
				continue
			}
			if w.m.Match(f.name) || w.m.Match(f.goName) {
				out[f.name] = Value
			} else {
				out[f.name] = w.copy(fv, depth+1)
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

// keyText is the text of a map key as encoding/json writes it (a key of a
// kind it cannot write: as fmt prints it), and false when a method of the
// key panicked or failed, or the key cannot be read.
func keyText(k reflect.Value) (s string, ok bool) {
	switch k.Kind() {
	case reflect.String:
		return k.String(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), true
	}
	if !k.CanInterface() {
		return "", false
	}
	defer func() {
		if recover() != nil {
			s, ok = "", false
		}
	}()
	if tm, isText := k.Interface().(encoding.TextMarshaler); isText {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", true // encoding/json writes a nil key as ""
		}
		b, err := tm.MarshalText()
		return string(b), err == nil
	}
	return fmt.Sprint(k.Interface()), true
}

// field is a struct field as encoding/json writes it: its name, its Go
// name and the path of indexes to it through embedded structs.
type field struct {
	name, goName string
	index        []int
}

var fieldCache sync.Map // reflect.Type → []field

// structFields returns the fields encoding/json writes for t, in its order,
// promoted fields of embedded structs included.
func structFields(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	fs := typeFields(t)
	fieldCache.Store(t, fs)
	return fs
}

// typeFields is encoding/json's typeFields, without what encoding needs:
// a breadth-first walk of the embedded structs, where a name at a
// shallower depth hides the same name deeper, and of several at one depth
// only a tagged one survives (or none).
func typeFields(t reflect.Type) []field {
	type candidate struct {
		field
		depth  int
		tagged bool
		order  int
	}
	var all []candidate
	type level struct {
		t     reflect.Type
		index []int
	}
	current, next := []level{}, []level{{t, nil}}
	visited := map[reflect.Type]bool{}
	for depth := 0; len(next) > 0 && depth < MaxDepth; depth++ {
		current, next = next, current[:0]
		for _, l := range current {
			if visited[l.t] {
				continue // an embedding cycle: json stops there too
			}
			visited[l.t] = true
			for i := range l.t.NumField() {
				sf := l.t.Field(i)
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, _, _ := strings.Cut(tag, ",")
				index := append(append(make([]int, 0, len(l.index)+1), l.index...), i)
				if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct {
					next = append(next, level{ft, index}) // promoted
					continue
				}
				tagged := name != ""
				if !tagged {
					name = sf.Name
				}
				all = append(all, candidate{field{name, sf.Name, index}, depth, tagged, len(all)})
			}
		}
	}
	// Of the fields of one name, the shallowest wins; among the
	// shallowest, the one tagged field, else none.
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].name != all[j].name {
			return all[i].name < all[j].name
		}
		if all[i].depth != all[j].depth {
			return all[i].depth < all[j].depth
		}
		return all[i].tagged && !all[j].tagged
	})
	kept := all[:0:0]
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].name == all[i].name {
			j++
		}
		group := all[i:j]
		if len(group) == 1 || group[1].depth > group[0].depth || group[0].tagged && !group[1].tagged {
			kept = append(kept, group[0])
		}
		i = j
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].order < kept[j].order })
	out := make([]field, len(kept))
	for i, c := range kept {
		out[i] = c.field
	}
	return out
}

// fieldByIndex is v.FieldByIndex, and false when a nil embedded pointer is
// on the way (encoding/json leaves those fields out).
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}
