// Package redact decides whether a key (a log attribute, an HTTP header, a
// query parameter) names a secret. It is the one list and the one matcher
// of ddx: the log handler, package errors (which may import only the
// standard library and this package) and the middleware (headers, span
// tags and query strings) all use it, so that they agree on what never
// reaches a log line or a span. It imports only the standard library.
//
// Keys are compared ignoring ASCII case. A pattern matches in one of three
// scopes ([Scope]):
//
//   - Anywhere: the pattern appears anywhere in the key, ignoring the
//     separators '_', '-', '.' and ' ' as well: "apikey" matches "api_key",
//     "X-Api-Key" and "stripeAPIKey"; "token" matches "access_token" and
//     "X-CSRF-Token". This errs on the side of redacting: "tokens_used" is
//     redacted too; rename such keys.
//   - Word: the pattern is one whole word of the key, words being split by
//     the separators and by a lower-case letter followed by an upper-case
//     one: "auth" matches "X-Forwarded-Auth", "auth_header" and "xAuth",
//     not "author" or "oauth".
//   - Whole: the pattern is the whole key, separators ignored: "key"
//     matches "key" and "KEY", not "monkey", "Idempotency-Key" or
//     "key_id"; "code" matches the OAuth parameter, not "zipcode" or
//     "grpc.code".
package redact

// Value replaces the value of every attribute whose key matches.
const Value = "[REDACTED]"

// Scope is how much of a key a pattern must match.
type Scope uint8

const (
	Anywhere Scope = iota // anywhere in the key, separators ignored
	Word                  // one whole word of the key
	Whole                 // the whole key, separators ignored
)

// Pattern is one entry of the list.
type Pattern struct {
	Text  string // lower case, without separators
	Scope Scope
}

// Defaults is the list every Matcher starts from. It covers passwords,
// shared secrets, bearer and API tokens, session identifiers, cookies,
// private and access keys, cloud credentials, request signatures, one-time
// codes and the short names such things travel under in query strings.
var Defaults = []Pattern{
	{"password", Anywhere}, {"passwd", Anywhere}, {"pwd", Anywhere}, {"passphrase", Anywhere},
	{"secret", Anywhere},
	{"token", Anywhere}, {"bearer", Anywhere}, {"jwt", Anywhere},
	{"apikey", Anywhere}, {"accesskey", Anywhere}, {"privatekey", Anywhere},
	{"authorization", Anywhere},
	{"cookie", Anywhere},
	{"session", Anywhere},
	{"credential", Anywhere},
	{"signature", Anywhere},
	{"csrf", Anywhere}, {"xsrf", Anywhere},

	{"auth", Word}, // X-Forwarded-Auth, X-Auth-User, auth

	// Short names that are secrets only on their own (query parameters,
	// mostly): as substrings they would hide "monkey", "zipcode",
	// "mapping" and "inside".
	{"key", Whole}, {"pass", Whole}, {"pw", Whole},
	{"sig", Whole}, {"sid", Whole},
	{"code", Whole}, // OAuth's authorization code
	{"otp", Whole}, {"pin", Whole},
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

	// words and wholes are the Word and Whole patterns by their first
	// byte; maxWhole is the longest Whole pattern.
	words, wholes [256][]string
	maxWhole      int

	extended bool // New was given a non-empty extra pattern
}

// New returns a Matcher for Defaults plus extra, which match Anywhere.
// Extra patterns are normalised the same way as keys; empty ones are
// ignored.
func New(extra ...string) *Matcher {
	m := new(Matcher)
	seen := make(map[Pattern]bool)
	patterns := append([]Pattern(nil), Defaults...)
	for _, p := range extra {
		patterns = append(patterns, Pattern{p, Anywhere})
		m.extended = m.extended || normalize(p) != ""
	}
	for _, p := range patterns {
		n := normalize(p.Text)
		if n == "" || seen[Pattern{n, p.Scope}] {
			continue
		}
		seen[Pattern{n, p.Scope}] = true
		switch p.Scope {
		case Word: // at least two bytes: found by its pair
			m.words[n[0]] = append(m.words[n[0]], n)
			m.setPair(n[0], n[1])
		case Whole:
			m.wholes[n[0]] = append(m.wholes[n[0]], n)
			m.maxWhole = max(m.maxWhole, len(n))
		default:
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

// Extended reports whether m matches more than the Defaults: a caller that
// knows a key matches none of the Defaults may then skip Match only when
// Extended is false.
func (m *Matcher) Extended() bool { return m.extended }

// Key reports whether key matches one of the Defaults.
func Key(key string) bool { return defaultMatcher.Match(key) }

func (m *Matcher) setPair(a, b byte) {
	i := uint(a)<<8 | uint(b)
	m.pairs[i/64] |= 1 << (i % 64)
}

// Match reports whether key matches one of m's patterns.
func (m *Matcher) Match(key string) bool {
	// Walk the key's normalised bytes keeping the previous one and where it
	// was; a pair hit is checked in full from there, for the Anywhere and
	// the Word patterns alike. Whole patterns are short: they are only
	// compared when the key is as short.
	var prev uint
	prevAt, n := -1, 0
	for i := 0; i < len(key); i++ {
		c := uint(lower[key[i]])
		if c == sep {
			continue
		}
		n++
		if prevAt >= 0 {
			p := (prev<<8 | c) & 0xffff
			if m.pairs[p>>6]&(1<<(p&63)) != 0 && (m.matchAt(key, prevAt) || m.wordAt(key, prevAt)) {
				return true
			}
		}
		prev, prevAt = c, i
	}
	// The last byte alone can still be a whole one-byte pattern.
	if m.short && prevAt >= 0 && m.matchAt(key, prevAt) {
		return true
	}
	return n > 0 && n <= m.maxWhole && m.whole(key)
}

// whole reports whether key, normalised, is a Whole pattern.
func (m *Matcher) whole(key string) bool {
	i := 0
	for i < len(key) && lower[key[i]] == sep {
		i++
	}
	for _, w := range m.wholes[lower[key[i]]] {
		if end, ok := matchEnd(key, i+1, w[1:]); ok {
			for end < len(key) && lower[key[end]] == sep {
				end++
			}
			if end == len(key) {
				return true
			}
		}
	}
	return false
}

// wordAt reports whether a Word pattern is the word of key that starts at
// key[i].
func (m *Matcher) wordAt(key string, i int) bool {
	ws := m.words[lower[key[i]]]
	if len(ws) == 0 || !wordBoundary(key, i) {
		return false
	}
	for _, w := range ws {
		end := i + len(w)
		if end <= len(key) && lowerEqual(key[i:end], w) && (end == len(key) || wordBoundary(key, end)) {
			return true
		}
	}
	return false
}

// wordBoundary reports whether a word starts at key[i]: at the start, after
// a separator, at a separator, or at an upper-case letter after a
// lower-case one.
func wordBoundary(key string, i int) bool {
	if i == 0 || lower[key[i-1]] == sep || lower[key[i]] == sep {
		return true
	}
	p, c := key[i-1], key[i]
	return 'a' <= p && p <= 'z' && 'A' <= c && c <= 'Z'
}

// lowerEqual reports whether s, lowered, is w.
func lowerEqual(s, w string) bool {
	for j := 0; j < len(w); j++ {
		if lower[s[j]] != w[j] {
			return false
		}
	}
	return true
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
	_, ok := matchEnd(key, i, rest)
	return ok
}

// matchEnd is matchRest, and where in key the match ends.
func matchEnd(key string, i int, rest string) (int, bool) {
	for j := 0; j < len(rest); i++ {
		if i >= len(key) {
			return i, false
		}
		c := lower[key[i]]
		if c == sep {
			continue
		}
		if c != rest[j] {
			return i, false
		}
		j++
	}
	return i, true
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
