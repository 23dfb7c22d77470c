// Package redact decides whether a key (a log attribute, an HTTP header, a
// query parameter) names a secret. It is shared by ddx's log handler and its
// middleware so that both agree on what never reaches a log line or a span.
//
// A key matches a pattern when the pattern appears anywhere in it, ignoring
// ASCII case and the separators '_', '-', '.' and ' ': the pattern
// "apikey" matches "api_key", "X-Api-Key" and "stripeAPIKey"; "token"
// matches "access_token" and "X-CSRF-Token". Substring matching errs on the
// side of redacting: "tokens_used" is redacted too; rename such keys.
package redact

// Value replaces the value of every attribute whose key matches.
const Value = "[REDACTED]"

// Defaults are the patterns every Matcher starts from. They cover passwords,
// shared secrets, bearer and API tokens, session identifiers, cookies,
// private keys, cloud credentials and request signatures.
var Defaults = []string{
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

// Matcher matches keys against a fixed set of patterns. It is safe for
// concurrent use and matching does not allocate.
type Matcher struct {
	// pairs has bit a<<8|b set when some pattern starts with the bytes a, b:
	// most keys are rejected by one bit test per byte.
	pairs [1 << 16 / 64]uint64
	// byFirst holds, for each first byte, the rest of the patterns starting
	// with it, for the full comparison after a pair hit.
	byFirst [256][]string
	short   bool // some pattern is one byte long
}

// New returns a Matcher for Defaults plus extra. Extra patterns are
// normalised the same way as keys; empty ones are ignored.
func New(extra ...string) *Matcher {
	m := new(Matcher)
	seen := make(map[string]bool)
	for _, list := range [][]string{Defaults, extra} {
		for _, p := range list {
			n := normalize(p)
			if n == "" || seen[n] {
				continue
			}
			seen[n] = true
			m.byFirst[n[0]] = append(m.byFirst[n[0]], n[1:])
			if len(n) == 1 {
				// A one-byte pattern matches before any byte; mark them all.
				m.short = true
				for c := range 256 {
					m.setPair(n[0], byte(c))
				}
			} else {
				m.setPair(n[0], n[1])
			}
		}
	}
	return m
}

var defaultMatcher = New()

// Key reports whether key matches one of the Defaults.
func Key(key string) bool { return defaultMatcher.Match(key) }

func (m *Matcher) setPair(a, b byte) {
	i := uint(a)<<8 | uint(b)
	m.pairs[i/64] |= 1 << (i % 64)
}

// Match reports whether key matches one of m's patterns.
func (m *Matcher) Match(key string) bool {
	// Walk the key's normalised bytes keeping the previous one and where it
	// was; a pair hit is checked in full from there.
	var prev uint
	prevAt := -1
	for i := 0; i < len(key); i++ {
		c := uint(lower[key[i]])
		if c == sep {
			continue
		}
		if prevAt >= 0 {
			p := (prev<<8 | c) & 0xffff
			if m.pairs[p>>6]&(1<<(p&63)) != 0 && m.matchAt(key, prevAt) {
				return true
			}
		}
		prev, prevAt = c, i
	}
	// The last byte alone can still be a whole one-byte pattern.
	return m.short && prevAt >= 0 && m.matchAt(key, prevAt)
}

// matchAt reports whether a pattern starts at key[i].
func (m *Matcher) matchAt(key string, i int) bool {
	for _, rest := range m.byFirst[lower[key[i]]] {
		if matchRest(key, i+1, rest) {
			return true
		}
	}
	return false
}

// matchRest reports whether key, from byte i on and skipping separators,
// starts with rest.
func matchRest(key string, i int, rest string) bool {
	for j := 0; j < len(rest); i++ {
		if i >= len(key) {
			return false
		}
		c := lower[key[i]]
		if c == sep {
			continue
		}
		if c != rest[j] {
			return false
		}
		j++
	}
	return true
}

// sep is what every separator byte lowers to; no pattern contains it.
const sep = 0

// lower maps ASCII upper case to lower case and separators to sep; every
// other byte (including UTF-8 bytes) maps to itself.
var lower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = byte(c + 'a' - 'A')
	}
	for _, c := range "_-. " {
		t[c] = sep
	}
	return t
}()

func normalize(p string) string {
	b := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if c := lower[p[i]]; c != sep {
			b = append(b, c)
		}
	}
	return string(b)
}
