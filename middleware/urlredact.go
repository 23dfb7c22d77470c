package middleware

import (
	"net/url"
	"strings"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/internal/redact"
)

// redactURLTags is a span option that runs after contrib's own, which set
// http.url (url.full with OpenTelemetry semantics): it replaces the value
// of every query parameter named like a secret by ddx's list
// (internal/redact), which dd-trace-go's query obfuscator does not know
// (session, code, otp, pin, sid, sig, key, ...). What the obfuscator
// already replaced stays replaced. A URL without a query costs one byte
// search.
func redactURLTags(cfg *tracer.StartSpanConfig) {
	for _, k := range [...]string{ext.HTTPURL, ext.URLFull} {
		if u, ok := cfg.Tags[k].(string); ok {
			if r, changed := redactQuery(u); changed {
				cfg.Tags[k] = r
			}
		}
	}
}

// maxUnescape bounds how many times a name or a value is unescaped, and
// how deep a query nested in a value is followed: a client can encode a
// parameter twice ("%2573id" is "sid") or hide a URL in a value, and the
// bound keeps the work linear in the input.
const maxUnescape = 3

// redactQuery returns u with the values of its secret parameters replaced
// by redact.Value, and whether it changed anything. The parameters are
// those of the query and, query-shaped, of the fragment (a header can carry
// an OAuth "#access_token="), split on '&' and on ';' (which many servers
// and proxies also take as a separator). A parameter is secret when its
// name, unescaped up to maxUnescape times, matches ddx's list whole or by
// one of its bracketed parts ("key[]", "user[password]", "a[0][token]"),
// or when its value hides such a parameter (a URL or query, escaped or not:
// "next=%2Fcb%3Ftoken%3D…"); such a value is replaced whole.
func redactQuery(u string) (string, bool) {
	q := strings.IndexAny(u, "?#")
	if q < 0 {
		return u, false
	}
	query, frag, hasFrag := u[q+1:], "", false
	if u[q] == '#' {
		query, frag, hasFrag = "", query, true
	} else if h := strings.IndexByte(query, '#'); h >= 0 {
		query, frag, hasFrag = query[:h], query[h+1:], true
	}
	rq, qc := redactParams(query)
	rf, fc := redactParams(frag)
	if !qc && !fc {
		return u, false
	}
	var b strings.Builder
	b.Grow(len(u) + 16)
	b.WriteString(u[:q])
	if u[q] == '?' {
		b.WriteByte('?')
		b.WriteString(rq)
	}
	if hasFrag {
		b.WriteByte('#')
		b.WriteString(rf)
	}
	return b.String(), true
}

// redactParams redacts the secret parameters of a query string (see
// redactQuery), keeping its separators. It allocates only when it changes
// something.
func redactParams(s string) (string, bool) {
	var b strings.Builder
	changed := false
	start := 0
	for start <= len(s) {
		end := strings.IndexAny(s[start:], "&;")
		if end < 0 {
			end = len(s)
		} else {
			end += start
		}
		part := s[start:end]
		name, value, _ := strings.Cut(part, "=")
		if part != "" && (secretName(name) || hidesSecret(value, maxUnescape)) {
			if !changed {
				b.Grow(len(s) + 16)
				b.WriteString(s[:start])
				changed = true
			}
			b.WriteString(name)
			b.WriteString("=")
			b.WriteString(redact.Value)
		} else if changed {
			b.WriteString(part)
		}
		if end < len(s) && changed {
			b.WriteByte(s[end])
		}
		start = end + 1
	}
	if !changed {
		return s, false
	}
	return b.String(), true
}

// secretParam reports whether a raw (escaped) query parameter name names
// a secret.
func secretParam(raw string) bool {
	if name, err := url.QueryUnescape(raw); err == nil {
		raw = name
	}
	return redact.Key(raw)
}

// secretName reports whether a raw parameter name names a secret: whole,
// or by one of its bracketed parts, after up to maxUnescape unescapings.
func secretName(raw string) bool {
	name := unescape(raw)
	if redact.Key(name) {
		return true
	}
	if !strings.ContainsAny(name, "[]") {
		return false
	}
	for seg := range strings.FieldsFuncSeq(name, func(r rune) bool { return r == '[' || r == ']' }) {
		if redact.Key(seg) {
			return true
		}
	}
	return false
}

// hidesSecret reports whether a parameter's value, unescaped, is or holds
// a query with a secret parameter ("/cb?token=…", "a=1&key=…"), following
// nested values depth times.
func hidesSecret(raw string, depth int) bool {
	if depth == 0 || !strings.ContainsAny(raw, "=%") {
		return false
	}
	v := unescape(raw)
	if !strings.Contains(v, "=") {
		return false
	}
	for part := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == '&' || r == ';' || r == '?' || r == '#' }) {
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		if secretName(name) || hidesSecret(value, depth-1) {
			return true
		}
	}
	return false
}

// unescape query-unescapes s up to maxUnescape times, while it changes and
// stays valid.
func unescape(s string) string {
	for range maxUnescape {
		if !strings.ContainsAny(s, "%+") {
			break
		}
		u, err := url.QueryUnescape(s)
		if err != nil || u == s {
			break
		}
		s = u
	}
	return s
}

// redactHeaderValue scrubs one value of a header that becomes a span tag:
// headers with harmless names carry URLs (Referer, X-Original-URL,
// X-Rewrite-URL, X-Forwarded-Uri, Location) or bare queries, whose secret
// parameters are redacted as http.url's are, and a URL's user password is
// replaced. A value without '?', '#', '=' or '@' costs three byte searches.
func redactHeaderValue(v string) string {
	if strings.ContainsAny(v, "?#") {
		v, _ = redactQuery(v)
	} else if strings.Contains(v, "=") {
		v, _ = redactParams(v)
	}
	return redactUserinfo(v)
}

// redactUserinfo replaces the password of a URL's user information
// ("https://ada:secret@host/").
func redactUserinfo(v string) string {
	i := strings.Index(v, "://")
	if i < 0 {
		return v
	}
	rest := v[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return v
	}
	colon := strings.IndexByte(rest[:at], ':')
	if colon < 0 {
		return v
	}
	return v[:i+3] + rest[:colon+1] + redact.Value + rest[at:]
}
