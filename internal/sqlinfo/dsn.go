package sqlinfo

import (
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/ddx-go/ddx/internal/redact"
)

// A Scrubber removes a data source name's secrets from error text: a
// driver's error may echo the DSN, and pgx's own masking of it is best
// effort (it misses "password = X", which libpq accepts, and values with
// escaped quotes). ddx never returns or records a database error's text
// without it.
//
// It removes three things: pgx's echo of the connection string ("cannot
// parse `…`: "), whole; every secret value of the DSN it was made from
// (the URL's password, the values of keys that name a secret in libpq's
// key=value form or a URL's query, MySQL's user:password@), however the
// error spells the rest; and, for errors of a DSN it was not given,
// whatever looks like a key=value secret or a URL's password.
type Scrubber struct {
	secrets []string // longest first, so that one is not left half masked
}

// NewScrubber returns a Scrubber for dsn and any other known secrets
// (pgx's ConnConfig.Password).
func NewScrubber(dsn string, more ...string) *Scrubber {
	set := map[string]bool{}
	add := func(v string) {
		// A value inside the mask would be masked forever; it is too
		// short to be a password worth the name anyway.
		if v != "" && !strings.Contains(redact.Value, v) {
			set[v] = true
		}
	}
	for _, v := range more {
		add(v)
	}
	for _, v := range dsnSecrets(dsn) {
		add(v)
		if u, err := url.QueryUnescape(v); err == nil {
			add(u)
		}
		if u, err := url.PathUnescape(v); err == nil {
			add(u)
		}
	}
	s := &Scrubber{}
	for v := range set {
		s.secrets = append(s.secrets, v)
	}
	sort.Slice(s.secrets, func(i, j int) bool { return len(s.secrets[i]) > len(s.secrets[j]) })
	return s
}

// withheld replaces a text the Scrubber could not clean: better no text
// than a secret.
const withheld = "(error text withheld: it held a connection secret)"

var (
	// connEcho is pgx's "cannot parse `<connection string>`: ", up to the
	// last backquote-colon, which over-masks rather than leave a part.
	connEcho = regexp.MustCompile("cannot parse `(?s:.*)`: ")
	// kvSecret is a key=value pair whose key names a secret, with
	// libpq's optional spaces around '=' and its quoted values.
	kvSecret = regexp.MustCompile(`(?i)\b([a-z_]*(?:password|passwd|pwd|secret|token)[a-z_]*)\s*=\s*(?:'(?:\\.|[^'\\])*'?|"(?:\\.|[^"\\])*"?|[^\s&;]+)`)
	// urlPassword is the password of a URL's user info.
	urlPassword = regexp.MustCompile(`(://[^:/@\s]*):[^@\s]*@`)
)

// Text returns text without the secrets.
func (s *Scrubber) Text(text string) string {
	text = connEcho.ReplaceAllLiteralString(text, "cannot parse the connection string: ")
	for range 3 {
		clean := true
		for _, v := range s.secrets {
			if strings.Contains(text, v) {
				text = strings.ReplaceAll(text, v, redact.Value)
				clean = false
			}
		}
		if clean {
			break
		}
	}
	for _, v := range s.secrets {
		if strings.Contains(text, v) {
			return withheld
		}
	}
	text = kvSecret.ReplaceAllString(text, "${1}="+redact.Value)
	return urlPassword.ReplaceAllString(text, "${1}:"+redact.Value+"@")
}

// Error returns err as it is when its text holds no secret, else an error
// with the scrubbed text that keeps err as its cause, so that errors.Is and
// errors.As still find the driver's error (whose own fields, pgx's
// ParseConfigError.ConnString, may hold the secret: a program that asks
// for it gets it). A nil err is nil.
func (s *Scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	clean := s.Text(text)
	if clean == text {
		return err
	}
	return &scrubbed{text: clean, err: err}
}

// scrubbed is an error whose text had its secrets removed.
type scrubbed struct {
	text string
	err  error
}

func (e *scrubbed) Error() string { return e.text }
func (e *scrubbed) Unwrap() error { return e.err }

// dsnSecrets returns the secret values of a data source name in any of
// the forms parseDSN reads: a URL, libpq's key=value pairs, MySQL's
// user:password@…/db. It does not need the DSN to be valid: the DSNs whose
// errors are scrubbed are often the ones that failed to parse.
func dsnSecrets(dsn string) []string {
	var out []string
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		// The user info ends at the last '@' before the path; a password
		// may hold '@', '/' and ':' when it is not escaped.
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				out = append(out, pw)
			}
		}
		if q := strings.IndexByte(dsn, '?'); q >= 0 {
			for _, kv := range strings.FieldsFunc(dsn[q+1:], func(r rune) bool { return r == '&' || r == ';' }) {
				k, v, _ := strings.Cut(kv, "=")
				if uk, err := url.QueryUnescape(k); err == nil {
					k = uk
				}
				if redact.Key(k) {
					out = append(out, v)
				}
			}
		}
		return out
	}
	if strings.Contains(dsn, "=") {
		for _, kv := range keyValues(dsn) {
			if redact.Key(kv[0]) {
				out = append(out, kv[1])
			}
		}
	}
	// MySQL's user:password@net(addr)/db; any other form has no '@'
	// before its last '/' outside a key=value pair.
	if slash := strings.LastIndexByte(dsn, '/'); slash >= 0 {
		if at := strings.LastIndexByte(dsn[:slash], '@'); at >= 0 {
			if _, pw, ok := strings.Cut(dsn[:at], ":"); ok {
				out = append(out, pw)
			}
		}
	}
	return out
}

// keyValues splits libpq's key=value form as libpq does: spaces may
// surround '=', a value may be single-quoted, and a backslash escapes the
// next character in either. Each pair's raw value is given too (as it is
// written, quotes and escapes included), since an error may echo either.
func keyValues(s string) [][2]string {
	var out [][2]string
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
	}
	for {
		skip()
		if i >= len(s) {
			return out
		}
		start := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' {
			i++
		}
		key := s[start:i]
		skip()
		if i >= len(s) || s[i] != '=' {
			continue // a word without '=': libpq's error, nothing to take
		}
		i++
		skip()
		rawStart := i
		var v strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			for i < len(s) && s[i] != '\'' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				v.WriteByte(s[i])
				i++
			}
			i++ // the closing quote, if any
		} else {
			for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				v.WriteByte(s[i])
				i++
			}
		}
		raw := s[rawStart:min(i, len(s))]
		out = append(out, [2]string{key, v.String()}, [2]string{key, raw}, [2]string{key, strings.Trim(raw, "'")})
		// The pieces of a value with spaces, in case a parser split it
		// there (pgx read password='a b' as "a" and "b'").
		for _, f := range strings.Fields(v.String()) {
			if len(f) >= 4 {
				out = append(out, [2]string{key, f})
			}
		}
	}
}
