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
		{"key", true}, // a Whole pattern: the name alone
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
		Key("X-Forwarded-Auth")
		Key("Code")
	}) != 0 {
		t.Error("Match allocates")
	}
}

// FuzzMatch checks Match against the obvious definition of each scope.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"", "password", "X-Api-Key", "pass_word", "user_id", "p", "tok\x00en", "Ünïcode",
		"key", "K_e-Y", "monkey", "X-Forwarded-Auth", "author", "xAuthY", "zip.code", "AuTh", "KeY",
		"AuthaAu th"} { // "Au th" is two words, though "Autha" starts with "Auth"
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		norm := normalize(key)
		words, starts := splitWords(key)
		want := false
		for _, p := range Defaults {
			switch p.Scope {
			case Anywhere:
				want = want || strings.Contains(norm, p.Text)
			case Whole:
				want = want || norm == p.Text
			case Word:
				// One word, or a run of adjacent words with nothing
				// between them ("AuTh" is "Au"+"Th"): a key that spells
				// the word in any case is that word.
				for i := range words {
					run := ""
					for j := i; j < len(words); j++ {
						// Adjacent: the previous word ends where this one
						// starts (a camel-case split, no separator).
						if j > i && starts[j-1]+len(words[j-1]) != starts[j] {
							break
						}
						run += strings.ToLower(words[j])
						want = want || run == p.Text
					}
				}
			}
		}
		if got := Key(key); got != want {
			t.Fatalf("Key(%q) = %v, want %v (normalised %q, words %q)", key, got, want, norm, words)
		}
	})
}

// splitWords splits key at separators and where a lower-case letter is
// followed by an upper-case one, and returns each word's offset in key.
func splitWords(key string) (words []string, starts []int) {
	start := 0
	for i := 0; i <= len(key); i++ {
		if i == len(key) || lower[key[i]] == sep {
			if i > start {
				words, starts = append(words, key[start:i]), append(starts, start)
			}
			start = i + 1
			continue
		}
		if i > start && 'a' <= key[i-1] && key[i-1] <= 'z' && 'A' <= key[i] && key[i] <= 'Z' {
			words, starts = append(words, key[start:i]), append(starts, start)
			start = i
		}
	}
	return words, starts
}

// The names every part of ddx must treat as secrets (logs, span tags,
// headers, query strings), and names that only look like them.
func TestSecretsAndLookAlikes(t *testing.T) {
	t.Parallel()
	secrets := []string{
		"passphrase", "auth", "aws_access_key_id", "X-Forwarded-Auth", "session", "session_id", "credentials",
		"cookie", "jwt", "key", "sig", "sid", "code", "otp", "pin", "X-Amz-Credential", "password", "secret",
		"token", "api_key", "apikey", "authorization", "set-cookie", "x-api-key",
		"KEY", "Code", "PIN", "X-Auth-User", "xAuth", "pass", "pw", "X-CSRF-Token", "X-XSRF-TOKEN", "accessKey",
		"AWS_SECRET_ACCESS_KEY", "X-Amz-Security-Token", "X-Amz-Signature", "X-Goog-Credential", "private_key",
	}
	lookAlikes := []string{
		"monkey", "zipcode", "mapping", "inside", "author", "authority", "oauth_provider", "Idempotency-Key",
		"key_id", "keyboard", "encode", "code_path", "grpc.code", "http.status_code", "error.code", "spin",
		"opinion", "pinned", "side", "consider", "signal", "design", "otpx", "hotpath", "passport", "compass",
		"bypass_cache", "user_id", "page", "q", "ok", "",
	}
	for _, k := range secrets {
		if !Key(k) {
			t.Errorf("Key(%q) = false, want a secret", k)
		}
	}
	for _, k := range lookAlikes {
		if Key(k) {
			t.Errorf("Key(%q) = true, want not a secret", k)
		}
	}
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

func TestExtended(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		extra []string
		want  bool
	}{{nil, false}, {[]string{""}, false}, {[]string{"_-."}, false}, {[]string{"x"}, true}, {[]string{"", "tenant"}, true}} {
		if got := New(c.extra...).Extended(); got != c.want {
			t.Errorf("New(%q).Extended() = %v, want %v", c.extra, got, c.want)
		}
	}
}
