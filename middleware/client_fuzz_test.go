package middleware_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

// FuzzCheckResponse feeds CheckResponse any method, URL, route and status:
// it must not panic, must classify every status from 400 up, and its
// operation is method, host and route-or-path, never the query string or
// the user info; the public text is the kind's generic one.
func FuzzCheckResponse(f *testing.F) {
	f.Add("GET", "http://payments.internal/charges/42?token=s3cret", "", 404)
	f.Add("POST", "https://user:pw@10.0.0.5:8443/a%2Fb?x=1#frag", "/a/{id}", 503)
	f.Add("", "/relative?only", "", 500)
	f.Add("DELETE", "http://[::1]:80/?", "/{$}", 499)
	f.Add("get", "mailto:someone@example.com", "", 418)
	f.Add("PUT", "http://h/p", "", 200)
	f.Add("X Y", "http://h/%zz", "", 1000)
	f.Fuzz(func(t *testing.T, method, rawURL, route string, code int) {
		u, err := url.Parse(rawURL)
		if err != nil {
			u = nil // a request without URL must not crash either
		}
		req := &http.Request{Method: method, URL: u}
		if route != "" {
			req = req.WithContext(middleware.WithRoute(req.Context(), route))
		}
		resp := &http.Response{StatusCode: code, Request: req}
		err = middleware.CheckResponse(resp)
		if code < 400 {
			if err != nil {
				t.Fatalf("status %d gave %v", code, err)
			}
			return
		}
		if err == nil {
			t.Fatalf("status %d gave no error", code)
		}
		e, ok := errors.AsType[*errors.Error](err)
		if !ok {
			t.Fatalf("%T is not an *errors.Error", err)
		}
		wantMethod := method
		if wantMethod == "" {
			wantMethod = http.MethodGet
		}
		host, path := "", route
		if u != nil {
			host = u.Host
			if path == "" {
				path = u.Path
			}
		}
		if want := wantMethod + " " + host + path; string(e.Op) != want {
			t.Fatalf("Op = %q, want %q", e.Op, want)
		}
		// The public text is the kind's generic one: no host, path or status.
		if pub, want := errors.Public(err), errors.Public(errors.E(errors.KindOf(err))); pub != want {
			t.Fatalf("public text %q, want the generic %q", pub, want)
		}
	})
}
