package middleware

import "testing"

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
		{"/p?a=1#key=k", "/p?a=1#key=k"},
	}
	for _, tc := range tests {
		got, changed := redactQuery(tc.in)
		if got != tc.want || changed != (tc.in != tc.want) {
			t.Errorf("redactQuery(%q) = %q, %v; want %q", tc.in, got, changed, tc.want)
		}
	}
}
