package ddxchi_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/go-chi/chi/v5"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxchi"
)

// A chi router under ddx: handlers return their errors, and the client gets
// the problem answer of the error's kind.
func ExampleMiddleware() {
	r := chi.NewRouter()
	r.Use(ddxchi.Middleware(middleware.WithLogger(slog.New(slog.DiscardHandler))))
	r.Method("GET", "/users/{id}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if chi.URLParam(r, "id") != "1" {
			return errors.E(errors.NotFound, "user "+chi.URLParam(r, "id")+" not found")
		}
		_, err := fmt.Fprintln(w, `{"id":"1"}`)
		return err
	}))

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/users/7", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Print(rec.Body.String())
	// Output:
	// 404 application/problem+json
	// {"type":"about:blank","title":"Not Found","status":404,"detail":"user 7 not found"}
}
