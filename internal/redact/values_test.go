package redact

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

type creds struct {
	User     string
	Password string
}

type Exported struct {
	Region string
	Token  string
}

type shadow struct {
	User string `json:"user_name"`
}

type embeds struct {
	creds
	*Exported
	Host string
}

type conflicts struct {
	creds         // User, Password at depth 1
	shadow        // user_name at depth 1
	Password  int `json:"Password"` // hides creds.Password
	Untouched string
}

type (
	loopA struct {
		*loopB
		A string
	}
	loopB struct {
		*loopA
		Secret string
	}
)

type textKey string

func (k textKey) MarshalText() ([]byte, error) { return []byte("t:" + string(k)), nil }

type namedKey struct{ s string }

func (k namedKey) MarshalText() ([]byte, error) { return []byte("k:" + k.s), nil }

type panicKey struct{ n int }

func (panicKey) MarshalText() ([]byte, error) { panic("MarshalText broke") }

// TestRedactShapes: what Redact makes of each shape of value (issue 21,
// items 7 and 8): the secret's value is gone, the rest is kept, and the
// keys are those encoding/json writes.
func TestRedactShapes(t *testing.T) {
	t.Parallel()
	const s = "s3cr3t"
	tests := []struct {
		name string
		v    any
		want string // the copy, as JSON; "" for unchanged
	}{
		{"plain string", "password=" + s, ""},
		{"no secret", map[string]int{"a": 1}, ""},
		{"map", map[string]any{"password": s, "u": "bob"}, `{"password":"[REDACTED]","u":"bob"}`},
		{"http.Header", http.Header{"Authorization": {s}, "Accept": {"a"}}, `{"Accept":["a"],"Authorization":"[REDACTED]"}`},
		{"url.Values", url.Values{"api_key": {s}, "q": {"x"}}, `{"api_key":"[REDACTED]","q":["x"]}`},
		{"embedded unexported", embeds{creds: creds{"bob", s}, Host: "h"}, `{"Host":"h","Password":"[REDACTED]","User":"bob"}`},
		{"embedded both", embeds{creds{"bob", "p"}, &Exported{"eu", s}, "h"},
			`{"Host":"h","Password":"[REDACTED]","Region":"eu","Token":"[REDACTED]","User":"bob"}`},
		{"embedded pointer nil", &embeds{creds: creds{User: "bob", Password: s}}, `{"Host":"","Password":"[REDACTED]","User":"bob"}`},
		{"precedence", conflicts{creds{"bob", s}, shadow{"b2"}, 7, "u"},
			`{"Password":"[REDACTED]","Untouched":"u","User":"bob","user_name":"b2"}`},
		{"embedding loop", loopA{&loopB{nil, s}, "a"}, `{"A":"a","Secret":"[REDACTED]"}`},
		{"int keys", map[int]map[string]string{3: {"token": s, "n": "x"}}, `{"3":{"n":"x","token":"[REDACTED]"}}`},
		{"uint keys", map[uint16][]any{9: {map[string]any{"pin": s}}}, `{"9":[{"pin":"[REDACTED]"}]}`},
		{"text keys", map[textKey]string{"a": "1", "b": s}, ""},                                               // keys t:a and t:b: no secret
		{"secret text key", map[textKey]string{"a": "1", "password": s}, `{"a":"1","password":"[REDACTED]"}`}, // a string kind: as it is, like json
		{"struct text keys", map[namedKey]map[string]string{{"x"}: {"n": "1", "jwt": s}}, `{"k:x":{"jwt":"[REDACTED]","n":"1"}}`},
		{"secret struct text key", map[namedKey]string{{"token"}: s}, `{"k:token":"[REDACTED]"}`},
		{"panicking key", map[panicKey]map[string]string{{1}: {"secret": s}}, `"[REDACTED]"`},
		{"slog.Attr inside", map[string]any{"attrs": []slog.Attr{slog.Any("form", map[string]string{"token": s}), slog.String("pin", s), slog.Int("n", 1)}},
			`{"attrs":[{"form":{"token":"[REDACTED]"}},{"pin":"[REDACTED]"},{"n":1}]}`},
		{"slog.Value group", []slog.Value{slog.GroupValue(slog.String("secret", s))}, `[{"secret":"[REDACTED]"}]`},
		{"time kept", map[string]any{"at": time.Unix(0, 0).UTC(), "sid": s}, `{"at":"1970-01-01T00:00:00Z","sid":"[REDACTED]"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, changed := Redact(tt.v)
			if tt.want == "" {
				if changed {
					t.Fatalf("changed a value without secrets: %#v", out)
				}
				return
			}
			if !changed {
				t.Fatalf("nothing redacted in %#v", tt.v)
			}
			b, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
			if strings.Contains(string(b), s) {
				t.Errorf("secret kept: %s", b)
			}
		})
	}
}

// TestStructFieldsLikeJSON: the fields the walk sees are the ones
// encoding/json writes, names and all.
func TestStructFieldsLikeJSON(t *testing.T) {
	t.Parallel()
	for _, v := range []any{
		embeds{creds{"u", "p"}, &Exported{"r", "t"}, "h"},
		conflicts{creds{"u", "p"}, shadow{"s"}, 1, "x"},
		loopA{&loopB{&loopA{nil, "a2"}, "s"}, "a"},
		struct {
			Exported
			Tagged string `json:"tagged,omitempty"`
			Skip   string `json:"-"`
			inner  string
		}{Tagged: "t", inner: "i"},
	} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		var want []string
		for k := range m {
			want = append(want, k)
		}
		var got []string
		for _, f := range structFields(reflectTypeOf(v)) {
			got = append(got, f.name)
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%T: fields %v, encoding/json writes %v", v, got, want)
		}
	}
}

func reflectTypeOf(v any) reflect.Type { return reflect.TypeOf(v) }
