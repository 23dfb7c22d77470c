package ddx

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ddx-go/ddx/errors"
)

type loginForm struct {
	User     string
	Password string
}

type apiConfig struct {
	Endpoint string        `json:"endpoint"`
	Key      string        `json:"api_key"`
	Timeout  time.Duration `json:"timeout"`
	Nested   *loginForm    `json:"nested,omitempty"`
	Hidden   string        `json:"-"`
	internal string
}

// credentials is unexported: encoding/json still writes the exported
// fields it promotes into a struct that embeds it.
type credentials struct {
	User     string
	Password string
}

type tagged struct {
	APIKey string `json:"k"` // the Go name is a secret, the json one is not
}

type withEmbedded struct {
	credentials
	Host string
}

type withEmbeddedPtr struct {
	*credentials
	Host string
}

type withEmbeddedTagged struct {
	tagged
	*withEmbedded // two levels down: Password promoted twice
	Port          int
}

// TestRedactValues: secrets inside maps, structs, pointers, headers and
// slices never reach a line, in JSON or text; the harmless parts do.
func TestRedactValues(t *testing.T) {
	const secret = "s3cr3t-value"
	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer "+secret)
	hdr.Set("Accept", "application/json")
	tests := []struct {
		name string
		v    any
		keep []string // harmless values that must stay
	}{
		{"map[string]any", map[string]any{"user": "bob", "password": secret}, []string{"bob"}},
		{"map[string]string", map[string]string{"user": "bob", "token": secret}, []string{"bob"}},
		{"struct", loginForm{User: "bob", Password: secret}, []string{"bob"}},
		{"*struct", &loginForm{User: "bob", Password: secret}, []string{"bob"}},
		{"json tags", apiConfig{Endpoint: "https://api", Key: secret, Timeout: time.Second, internal: "x"}, []string{"https://api"}},
		{"nested", apiConfig{Endpoint: "e1", Nested: &loginForm{User: "bob", Password: secret}}, []string{"e1", "bob"}},
		{"http.Header", hdr, []string{"application/json"}},
		{"slice of maps", []map[string]any{{"id": 1, "secret": secret}, {"id": "two"}}, []string{"two"}},
		{"map in map", map[string]any{"a": map[string]any{"b": map[string]any{"api_key": secret, "c": "kept"}}}, []string{"kept"}},
		{"any holding a map", []any{"x", map[string]string{"session_id": secret}}, []string{"x"}},
		{"key case", map[string]string{"X-API-KEY": secret, "Name": "n1"}, []string{"n1"}},
		// Issue 21, item 8: fields promoted from embedded unexported
		// structs, and maps keyed by something other than strings.
		{"embedded unexported struct", withEmbedded{credentials{"bob", secret}, "db1"}, []string{"bob", "db1"}},
		{"embedded unexported *struct", withEmbeddedPtr{&credentials{"bob", secret}, "db1"}, []string{"bob", "db1"}},
		{"*struct embedding", &withEmbeddedPtr{&credentials{"bob", secret}, "db1"}, []string{"bob", "db1"}},
		{"embedded two levels", withEmbeddedTagged{tagged{secret}, &withEmbedded{credentials{"bob", secret}, "db1"}, 5432}, []string{"bob", "db1", "5432"}},
		{"map[int]map[string]string", map[int]map[string]string{1: {"password": secret, "user": "bob"}}, []string{"bob"}},
		{"map[uint8]any", map[uint8]any{7: []any{map[string]any{"token": secret}}, 8: "kept8"}, []string{"kept8"}},
		{"map[bool]struct", map[bool]loginForm{true: {User: "bob", Password: secret}}, []string{"bob"}},
		{"map[textkey]", map[textKey]map[string]string{{"a"}: {"secret": secret, "n": "n1"}}, []string{"n1"}},
		{"map with secret text key", map[textKey]string{{"api_key"}: secret, {"b"}: "b1"}, []string{"b1"}},
	}
	for _, format := range []string{"json", "text"} {
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				var buf bytes.Buffer
				var h slog.Handler
				if format == "json" {
					h = NewHandler(&buf, nil)
				} else {
					h = newTextHandler(&buf, nil)
				}
				l := slog.New(h)
				l.Info("value", "v", tt.v)
				l.Error("failed", "error", errors.E(errors.Op("login"), "check", slog.Any("form", tt.v)))
				l.With("w", tt.v).Info("with")
				out := buf.String()
				if strings.Contains(out, secret) {
					t.Fatalf("secret in the output:\n%s", out)
				}
				if !strings.Contains(out, "[REDACTED]") {
					t.Errorf("nothing redacted:\n%s", out)
				}
				for _, k := range tt.keep {
					if strings.Count(out, k) < 3 {
						t.Errorf("harmless %q lost (want it on every line):\n%s", k, out)
					}
				}
				if format == "json" {
					for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
						if !json.Valid([]byte(line)) {
							t.Errorf("not JSON: %s", line)
						}
					}
				}
			})
		}
	}
}

// TestRedactValuesUntouched: values without secrets are passed on as they
// are (their own encoding, field order and all).
func TestRedactValuesUntouched(t *testing.T) {
	var buf, want bytes.Buffer
	v := struct {
		Endpoint string        `json:"endpoint"`
		Timeout  time.Duration `json:"timeout,omitempty"`
		Tags     []string      `json:"tags"`
	}{Endpoint: "e", Tags: []string{"a"}}
	slog.New(NewHandler(&buf, nil)).Info("m", "v", v, "t", time.Unix(0, 0).UTC())
	b, _ := json.Marshal(v)
	want.Write(b)
	if !strings.Contains(buf.String(), want.String()) || !strings.Contains(buf.String(), `"t":"1970-01-01T00:00:00Z"`) {
		t.Errorf("changed a value without secrets:\n%s\nwant %s", buf.String(), want.String())
	}
}

// textKey is a map key that encoding/json writes by its MarshalText.
type textKey struct{ s string }

func (k textKey) MarshalText() ([]byte, error) { return []byte(k.s), nil }

// cyclic is a value that refers to itself.
type cyclic struct {
	Name  string
	Next  *cyclic
	Token string
}

type badMarshal struct{ Password string }

func (badMarshal) MarshalJSON() ([]byte, error) { panic("MarshalJSON broke") }

type badString struct{ Secret string }

func (badString) String() string { panic("String broke") }

// FuzzRedactValues builds nested maps, slices, structs and pointers from
// the fuzzer's bytes, with keys in any case, cycles, and values whose
// String or MarshalJSON panic: the record is still one valid JSON line,
// and the secret never appears in it.
func FuzzRedactValues(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, "password", "Bob")
	f.Add([]byte{4, 5, 6, 7, 8}, "X-Api-KEY", "v")
	f.Add([]byte{9, 9, 9, 1, 0}, "session_id", "")
	f.Add([]byte{10, 11, 3, 2}, "monkey", "\x1b\"")
	f.Add([]byte{12, 13, 14, 2, 12}, "Password", "x")
	f.Fuzz(func(t *testing.T, sel []byte, key, val string) {
		if len(sel) > 24 {
			sel = sel[:24]
		}
		const secret = "zz-secret-zz"
		var v any = map[string]any{"password": secret}
		for _, b := range sel {
			switch b % 15 {
			case 0:
				v = map[string]any{key: val, "inner": v}
			case 1:
				v = []any{v, val}
			case 2:
				v = &v
			case 3:
				v = struct {
					A any
					B string `json:"token"`
				}{v, secret}
			case 4:
				v = map[string]string{strings.ToUpper("api_key"): secret, key: val}
			case 5:
				c := &cyclic{Name: val, Token: secret}
				c.Next = c
				v = []any{c, v}
			case 6:
				v = badMarshal{Password: val}
			case 7:
				v = badString{Secret: secret}
			case 8:
				m := map[string]any{"k": val}
				m["self"] = m
				v = []any{m, v}
			case 9:
				v = http.Header{"Authorization": {secret}, key: {val}}
			case 10:
				v = [2]any{v, nil}
			case 11:
				v = map[string]any{"Cookie": secret, "list": []map[string]any{{"pin": secret}}}
			case 12: // issue 21, item 8: promoted from an unexported struct
				v = []any{withEmbeddedPtr{&credentials{val, secret}, key}, v}
			case 13: // and maps keyed by something other than strings
				v = map[int]any{len(key): v, -1: map[string]string{"password": secret, key: val}}
			case 14:
				v = map[textKey]any{{key}: v, {"secret"}: secret}
			}
		}
		var buf bytes.Buffer
		slog.New(NewHandler(&buf, nil)).Info("m", "v", v)
		line := buf.String()
		if strings.Count(line, "\n") != 1 || !json.Valid([]byte(line)) {
			t.Fatalf("not one JSON line: %q", line)
		}
		if strings.Contains(line, secret) {
			t.Fatalf("secret leaked: %s", line)
		}
	})
}

// BenchmarkRedactMap is the cost of looking into a logged map: a record
// with a 10-key map, without and with a secret among its keys, through
// NewHandler, against slog.JSONHandler logging the same map.
//
//	go test -run '^$' -bench BenchmarkRedactMap -benchmem -count=3 ./ddx/
func BenchmarkRedactMap(b *testing.B) {
	clean := map[string]any{}
	for i := range 10 {
		clean["field"+string(rune('a'+i))] = i
	}
	withSecret := map[string]any{"password": "x"}
	for i := range 9 {
		withSecret["field"+string(rune('a'+i))] = i
	}
	for _, bc := range []struct {
		name string
		h    slog.Handler
		v    map[string]any
	}{
		{"slog.JSONHandler", slog.NewJSONHandler(discard{}, nil), clean},
		{"ddx/no-secret", NewHandler(discard{}, nil), clean},
		{"ddx/one-secret", NewHandler(discard{}, nil), withSecret},
	} {
		l := slog.New(bc.h)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.Info("request", "params", bc.v)
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
