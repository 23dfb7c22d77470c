package jsonbuf

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestAppendString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hello", `"hello"`},
		{"empty", "", `""`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"newline tab return", "a\nb\tc\rd", `"a\nb\tc\rd"`},
		{"control", "\x00\x1f", `"\u0000\u001f"`},
		{"html kept", "<a&b>", `"<a&b>"`},
		{"unicode kept", "héllo, 世界", `"héllo, 世界"`},
		{"invalid utf8", "a\xffb", `"a\ufffdb"`},
		{"line separators", "a\u2028b\u2029c", `"a\u2028b\u2029c"`},
		{"del kept", "\x7f", "\"\x7f\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := string(AppendString(nil, tt.in))
			if got != tt.want {
				t.Errorf("AppendString(%q) = %s, want %s", tt.in, got, tt.want)
			}
			var back string
			if err := json.Unmarshal([]byte(got), &back); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if want := strings.ToValidUTF8(tt.in, "\ufffd"); back != want {
				t.Errorf("round trip = %q, want %q", back, want)
			}
		})
	}
}

func TestAppendKey(t *testing.T) {
	t.Parallel()
	if got := string(AppendKey([]byte("{"), `k"1`)); got != `{"k\"1":` {
		t.Errorf("AppendKey = %s", got)
	}
}

func TestAppendFloat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{1.5, "1.5"},
		{-2, "-2"},
		{1e21, "1e+21"},
		{1e-7, "1e-07"},
		{123456789.125, "123456789.125"},
		{math.NaN(), `"NaN"`},
		{math.Inf(1), `"+Inf"`},
		{math.Inf(-1), `"-Inf"`},
	}
	for _, tt := range tests {
		got := string(AppendFloat(nil, tt.in))
		if got != tt.want {
			t.Errorf("AppendFloat(%v) = %s, want %s", tt.in, got, tt.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("AppendFloat(%v) = %s: not JSON", tt.in, got)
		}
	}
}

func TestAppendTime(t *testing.T) {
	t.Parallel()
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"utc", time.Date(2026, 1, 2, 3, 4, 5, 678_900_000, time.UTC), `"2026-01-02T03:04:05.678Z"`},
		{"zone converted to utc", time.Date(2026, 1, 2, 0, 4, 5, 0, paris), `"2026-01-01T23:04:05.000Z"`},
		{"year zero", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), `"0000-01-01T00:00:00.000Z"`},
		{"year out of range", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), `"10000-01-01T00:00:00Z"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := string(AppendTime(nil, tt.in)); got != tt.want {
				t.Errorf("AppendTime = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAppendHex(t *testing.T) {
	t.Parallel()
	if got := string(AppendHex(nil, []byte{0x00, 0xab, 0x1f})); got != "00ab1f" {
		t.Errorf("AppendHex = %s", got)
	}
}

type marshalFunc func() ([]byte, error)

func (f marshalFunc) MarshalJSON() ([]byte, error) { return f() }

func TestAppendMarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      any
		want    string
		wantErr bool
	}{
		{"struct without html escaping", struct{ A string }{"<b>"}, `{"A":"<b>"}`, false},
		{"map", map[string]int{"b": 2, "a": 1}, `{"a":1,"b":2}`, false},
		{"bytes", []byte("hi"), `"aGk="`, false},
		{"channel", make(chan int), "", true},
		{"bad marshaler", marshalFunc(func() ([]byte, error) { return []byte("{"), nil }), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := AppendMarshal([]byte("x"), tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				if string(got) != "x" {
					t.Errorf("on error dst = %q, want unchanged", got)
				}
				return
			}
			if string(got) != "x"+tt.want {
				t.Errorf("AppendMarshal = %s, want x%s", got, tt.want)
			}
		})
	}
}

func TestPool(t *testing.T) {
	t.Parallel()
	b := Get()
	if len(*b) != 0 {
		t.Fatalf("Get returned %d bytes", len(*b))
	}
	*b = append(*b, "data"...)
	Free(b)
	if b := Get(); len(*b) != 0 {
		t.Errorf("reused buffer not empty: %q", *b)
	}
	big := make([]byte, 0, maxPooled+1)
	Free(&big) // must not panic, and is dropped
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\", "\x00\n", "\xff\xfe", "\u2028", "日本語", "<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("AppendString(%q) = %s: %v", s, out, err)
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); utf8.ValidString(s) && back != want {
			t.Fatalf("round trip %q != %q", back, want)
		}
		if bytes.ContainsAny(out, "\n\r") {
			t.Fatalf("raw newline in %q", out)
		}
	})
}
