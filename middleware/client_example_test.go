package middleware_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

// A dependency that is down: the error says which call failed, carries a
// Kind, and a handler that returns it answers 503 with a generic text.
func ExampleTransport() {
	client := &http.Client{Transport: middleware.Transport(nil)}

	// The route names the endpoint without its ids: on the span's resource
	// and in the error, instead of the raw path.
	ctx := middleware.WithRoute(context.Background(), "/charges/{id}")
	// Nothing listens on port 1 of this machine: connection refused.
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1:1/charges/42?token=s3cret", nil)
	// Do is client.Do without net/http's *url.Error layer, whose text
	// repeats the URL with its query string.
	_, err := middleware.Do(client, req)

	e, _ := errors.AsType[*errors.Error](err)
	fmt.Println(e.Op)               // method, host, route: never the query string
	fmt.Println(errors.KindOf(err)) // connection refused is Unavailable
	fmt.Println(errors.Public(err)) // what a client of ours would read
	// Output:
	// POST 127.0.0.1:1/charges/{id}
	// Unavailable
	// service unavailable
}

// A status is an answer; whether it is a failure is the caller's call.
// CheckResponse turns it into a classified error when it is one.
func ExampleCheckResponse() {
	dep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/users/7":
			http.NotFound(w, r)
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer dep.Close()
	client := middleware.NewClient()
	defer client.CloseIdleConnections()

	for _, path := range []string{"/users/7", "/stock"} {
		resp, err := client.Get(dep.URL + path)
		if err != nil {
			fmt.Println(err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			fmt.Println(path, "no such user: an answer, not a failure")
			continue
		}
		if err := middleware.CheckResponse(resp); err != nil {
			fmt.Println(path, errors.KindOf(err), "-", errors.Public(err))
		}
	}
	// Output:
	// /users/7 no such user: an answer, not a failure
	// /stock Unavailable - service unavailable
}
