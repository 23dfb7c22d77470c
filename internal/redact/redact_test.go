package redact

import (
	"strings"
	"testing"
)

func TestKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want bool
	}{
		{"password", true},
		{"Password", true},
		{"DB_PASSWORD", true},
		{"user.passwd", true},
		{"pwd", true},
		{"client_secret", true},
		{"access_token", true},
		{"X-CSRF-Token", true},
		{"refreshToken", true},
		{"api_key", true},
		{"api-key", true},
		{"apiKey", true},
		{"X-Api-Key", true},
		{"APIKEY", true},
		{"Authorization", true},
		{"Proxy-Authorization", true},
		{"cookie", true},
		{"Set-Cookie", true},
		{"session_id", true},
		{"private_key", true},
		{"privateKey", true},
		{"aws.credentials", true},
		{"X-Amz-Signature", true},
		{"bearer", true},
		{"jwt", true},
		{"pass_word", true}, // separators are ignored inside a pattern too
		{"", false},
		{"user_id", false},
		{"method", false},
		{"http.status_code", false},
		{"duration", false},
		{"path", false},
		{"api", false},
		{"key", false},
		{"author", false},
		{"sess", false},
		{"passport", false},
		{"日本語", false},
	}
	for _, tt := range tests {
		if got := Key(tt.key); got != tt.want {
			t.Errorf("Key(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestNewExtra(t *testing.T) {
	t.Parallel()
	m := New("SSN", "credit-card", "", "Password")
	for key, want := range map[string]bool{
		"user.ssn":    true,
		"creditCard":  true,
		"credit_card": true,
		"password":    true, // defaults stay
		"card":        false,
		"name":        false,
	} {
		if got := m.Match(key); got != want {
			t.Errorf("Match(%q) = %v, want %v", key, got, want)
		}
	}
	if Key("ssn") {
		t.Error("extra patterns leaked into the default matcher")
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	if testing.AllocsPerRun(100, func() {
		Key("http.status_code")
		Key("X-Api-Key")
	}) != 0 {
		t.Error("Match allocates")
	}
}

// FuzzMatch checks Match against the obvious definition: a pattern is a
// substring of the key once lowered and stripped of separators.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"", "password", "X-Api-Key", "pass_word", "user_id", "p", "tok\x00en", "Ünïcode"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		norm := normalize(key)
		want := false
		for _, p := range Defaults {
			if strings.Contains(norm, normalize(p)) {
				want = true
			}
		}
		if got := Key(key); got != want {
			t.Fatalf("Key(%q) = %v, want %v (normalised %q)", key, got, want, norm)
		}
	})
}

func BenchmarkKey(b *testing.B) {
	keys := []string{"user_id", "http.status_code", "duration", "order"}
	b.ReportAllocs()
	for b.Loop() {
		for _, k := range keys {
			Key(k)
		}
	}
}

func TestOneBytePattern(t *testing.T) {
	t.Parallel()
	m := New("x")
	for key, want := range map[string]bool{"x": true, "a_x": true, "xa": true, "ab": false, "": false} {
		if got := m.Match(key); got != want {
			t.Errorf("Match(%q) = %v, want %v", key, got, want)
		}
	}
}
