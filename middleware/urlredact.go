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

// redactQuery returns u with the values of its secret query parameters
// replaced by redact.Value, and whether it changed anything.
func redactQuery(u string) (string, bool) {
	q := strings.IndexByte(u, '?')
	if q < 0 {
		return u, false
	}
	end := len(u)
	if h := strings.IndexByte(u[q:], '#'); h >= 0 {
		end = q + h
	}
	query := u[q+1 : end]
	if !hasSecretParam(query) {
		return u, false
	}
	var b strings.Builder
	b.Grow(len(u))
	b.WriteString(u[:q+1])
	for i, part := range strings.Split(query, "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		name, _, _ := strings.Cut(part, "=")
		if secretParam(name) {
			b.WriteString(name + "=" + redact.Value)
		} else {
			b.WriteString(part)
		}
	}
	b.WriteString(u[end:])
	return b.String(), true
}

func hasSecretParam(query string) bool {
	for query != "" {
		var part string
		part, query, _ = strings.Cut(query, "&")
		name, _, _ := strings.Cut(part, "=")
		if secretParam(name) {
			return true
		}
	}
	return false
}

// secretParam reports whether a raw (escaped) query parameter name names
// a secret.
func secretParam(raw string) bool {
	if name, err := url.QueryUnescape(raw); err == nil {
		raw = name
	}
	return redact.Key(raw)
}
