package errors

// redacted replaces the value of an attribute whose key names a secret. It is
// the same text as ddx's log handler writes (internal/redact.Value).
const redacted = "[REDACTED]"

// secretPatterns are the default patterns of ddx's internal/redact, which
// this package cannot import (it imports only the standard library); a test
// keeps the two lists equal. Keys are matched as there: a pattern matches
// anywhere in the key, ignoring ASCII case and the separators '_', '-', '.'
// and ' ', so "apikey" matches "X-Api-Key" and "token" matches
// "access_token".
var secretPatterns = [...]string{
	"password", "passwd", "pwd",
	"secret",
	"token", "bearer", "jwt",
	"apikey",
	"authorization",
	"cookie",
	"session",
	"privatekey",
	"credential",
	"signature",
}

// secretsByFirst holds, for each first byte of a pattern, the rests of the
// patterns that start with it, so that most bytes of a key cost one lookup.
var secretsByFirst = func() (t [256][]string) {
	for _, p := range secretPatterns {
		t[p[0]] = append(t[p[0]], p[1:])
	}
	return t
}()

// isSecretKey reports whether key names a secret. It does not allocate.
func isSecretKey(key string) bool {
	for i := 0; i < len(key); i++ {
		for _, rest := range secretsByFirst[lowerASCII(key[i])] {
			if matchFrom(key, i+1, rest) {
				return true
			}
		}
	}
	return false
}

// matchFrom reports whether key, from byte i on and skipping separators,
// starts with rest.
func matchFrom(key string, i int, rest string) bool {
	for j := 0; j < len(rest); i++ {
		if i >= len(key) {
			return false
		}
		c := lowerASCII(key[i])
		if isSeparator(c) {
			continue
		}
		if c != rest[j] {
			return false
		}
		j++
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isSeparator(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c == ' '
}
