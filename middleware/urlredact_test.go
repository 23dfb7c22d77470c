package middleware

import (
	"net/url"
	"strings"
	"testing"
)

func TestRedactQuery(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"http://h/p", "http://h/p"},
		{"http://h/p?ok=1&page=2", "http://h/p?ok=1&page=2"},
		{"http://h/p?code=c&zipcode=75001", "http://h/p?code=[REDACTED]&zipcode=75001"},
		{"/p?monkey=1&key=k&mapping=2&inside=3#frag", "/p?monkey=1&key=[REDACTED]&mapping=2&inside=3#frag"},
		{"/p?X%2DAmz%2DCredential=x&ok", "/p?X%2DAmz%2DCredential=[REDACTED]&ok"},
		{"/p?<redacted>&session_id=9", "/p?<redacted>&session_id=[REDACTED]"}, // the obfuscator's work stays
		{"/p?pin", "/p?pin=[REDACTED]"},
		// Issue 21, item 10: the shapes that leaked.
		{"/p?key[]=k1&key[]=k2&a[]=1", "/p?key[]=[REDACTED]&key[]=[REDACTED]&a[]=1"},
		{"/p?sid%5B%5D=s&ok=1", "/p?sid%5B%5D=[REDACTED]&ok=1"},
		{"/p?user[password]=pw&user[name]=ada", "/p?user[password]=[REDACTED]&user[name]=ada"},
		{"/p?a[sid]=s&a[0][token]=t", "/p?a[sid]=[REDACTED]&a[0][token]=[REDACTED]"},
		{"/p?a=1;key=k;b=2", "/p?a=1;key=[REDACTED];b=2"},
		{"/p?%2573id=s", "/p?%2573id=[REDACTED]"},                           // sid, encoded twice
		{"/p?next=%2Fcb%3Ftoken%3Dt&ok=1", "/p?next=[REDACTED]&ok=1"},       // a URL with a secret inside a value
		{"/p?next=%252Fcb%253Ftoken%253Dt", "/p?next=[REDACTED]"},           // the same, encoded twice
		{"/p?next=/cb?x=1&ok=1", "/p?next=/cb?x=1&ok=1"},                    // a harmless nested query stays
		{"/p?a=1?key=k", "/p?a=[REDACTED]"},                                 // a second '?' starts no new query, but the value hides one
		{"/p?a=1#access_token=t&x=1", "/p?a=1#access_token=[REDACTED]&x=1"}, // an OAuth fragment, in a header
		{"/p#key=k", "/p#key=[REDACTED]"},
	}
	for _, tc := range tests {
		got, changed := redactQuery(tc.in)
		if got != tc.want || changed != (tc.in != tc.want) {
			t.Errorf("redactQuery(%q) = %q, %v; want %q", tc.in, got, changed, tc.want)
		}
	}
}

func TestRedactHeaderValue(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://shop.example/cart?session=abc&item=3", "https://shop.example/cart?session=[REDACTED]&item=3"},
		{"/admin?token=t", "/admin?token=[REDACTED]"}, // X-Original-URL, X-Rewrite-URL
		{"https://ada:hunter2@h.example/p", "https://ada:[REDACTED]@h.example/p"},
		{"token=t&page=2", "token=[REDACTED]&page=2"}, // a query without its URL (X-Original-Query)
		{"for=10.0.0.1;proto=https", "for=10.0.0.1;proto=https"},
		{"Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (X11; Linux x86_64)"},
		{"acme", "acme"},
	}
	for _, tc := range tests {
		if got := redactHeaderValue(tc.in); got != tc.want {
			t.Errorf("redactHeaderValue(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzRedactQuery: a secret-named parameter's value never survives, however
// its name is spelled (brackets, escapes, ';', nested in another value).
func FuzzRedactQuery(f *testing.F) {
	for _, s := range []string{"key[]", "sid%5B%5D", "%2573id", "a[token]", "user[password]", "next=%2Fcb%3Ftoken%3D"} {
		f.Add("/p?", s, ";")
	}
	f.Add("https://h/p#", "access_token", "&")
	f.Fuzz(func(t *testing.T, prefix, name, sep string) {
		if len(prefix)+len(name)+len(sep) > 200 || strings.ContainsAny(name, "&;#?=") || (sep != "&" && sep != ";") {
			return
		}
		if !strings.HasSuffix(prefix, "?") && !strings.HasSuffix(prefix, "#") {
			prefix += "?"
		}
		n := name
		for range 3 {
			if u, err := url.QueryUnescape(n); err == nil {
				n = u
			}
		}
		secret := false
		for _, seg := range strings.FieldsFunc(n, func(r rune) bool { return r == '[' || r == ']' }) {
			if secretParam(seg) {
				secret = true
			}
		}
		if !secret {
			return
		}
		const v = "Zq7SECRETvalue"
		got, _ := redactQuery(prefix + "a=1" + sep + name + "=" + v + sep + "b=2")
		if strings.Contains(got, v) {
			t.Fatalf("%q kept the secret of %q", got, name)
		}
		got = redactHeaderValue(prefix + "next=" + url.QueryEscape("/cb?"+name+"="+v))
		if strings.Contains(got, v) || strings.Contains(got, url.QueryEscape(v)) {
			t.Fatalf("%q kept a nested secret of %q", got, name)
		}
	})
}
