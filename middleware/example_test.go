package middleware_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

// getUser is a handler that returns its error: the kind picks the status.
func getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		return errors.E(errors.Op("users.Get"), errors.Invalid, "id must be a number", err)
	}
	if id != 1 {
		return errors.E(errors.Op("users.Get"), errors.NotFound, fmt.Sprintf("user %d not found", id))
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(map[string]any{"id": id, "name": "Ada"})
}

// Wrap the whole mux: one span and one access-log line per request, with
// the route pattern as the resource.
func ExampleWrap() {
	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}", middleware.HandlerFunc(getUser))

	// The ddx handler writes Datadog's JSON; the timestamp and duration are
	// dropped here only to keep the output stable.
	logger := slog.New(ddx.NewHandler(os.Stdout, &ddx.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{}
			}
			return a
		},
	}))
	h := middleware.Wrap(mux, middleware.WithLogger(logger))

	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/users/1", nil))
	// Output:
	// {"status":"INFO","message":"http request","http.method":"GET","http.status_code":200,"http.url_details.path":"/users/1","http.route":"/users/{id}","network.client.ip":"192.0.2.1"}
}

// A HandlerFunc's error becomes an RFC 9457 problem answer with the public
// message only: the operation, the cause and the stack stay in the logs.
func ExampleHandlerFunc() {
	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}", middleware.HandlerFunc(getUser))
	h := middleware.Wrap(mux, middleware.WithLogger(slog.New(slog.DiscardHandler)))

	for _, path := range []string{"/users/7", "/users/seven"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
		fmt.Print(rec.Body.String())
	}
	// Output:
	// 404 application/problem+json
	// {"type":"about:blank","title":"Not Found","status":404,"detail":"user 7 not found"}
	// 400 application/problem+json
	// {"type":"about:blank","title":"Bad Request","status":400,"detail":"id must be a number"}
}

// Error answers for handlers that cannot return an error. An error without
// a kind is a real problem: 500, and a generic message for the client.
func ExampleError() {
	h := middleware.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := os.Open("/etc/orders/does-not-exist.json"); err != nil {
			middleware.Error(w, r, err)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}), middleware.WithLogger(slog.New(slog.DiscardHandler)))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/orders", nil))
	fmt.Println(rec.Code)
	fmt.Print(rec.Body.String())
	// Output:
	// 500
	// {"type":"about:blank","title":"Internal Server Error","status":500,"detail":"internal error"}
}

// Health checks get no span and no access log; pick your own paths.
func ExampleWithHealthPaths() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	logger := slog.New(slog.NewTextHandler(os.Stdout, nil))
	h := middleware.Wrap(mux, middleware.WithLogger(logger), middleware.WithHealthPaths("/status"))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/status", nil))
	fmt.Print(rec.Body.String()) // and nothing logged
	// Output:
	// ok
}

// WithErrorStatus changes which answers mark the span as an error; here a
// team wants its 404s counted too.
func ExampleWithErrorStatus() {
	h := middleware.Wrap(http.NotFoundHandler(),
		middleware.WithErrorStatus(func(code int) bool { return code == http.StatusNotFound || code >= 500 }),
		middleware.WithLogger(slog.New(slog.DiscardHandler)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/gone", nil))
	fmt.Println(rec.Code)
	// Output:
	// 404
}
