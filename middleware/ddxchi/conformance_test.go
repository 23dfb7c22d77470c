package ddxchi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/ddx-go/ddx/internal/conformance"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxchi"
)

// chiAdapter is the suite's chi: the routes with middleware.HandlerFunc,
// under ddxchi.Middleware.
var chiAdapter = conformance.Adapter{
	Name:      "chi",
	Component: "go-chi/chi.v5",
	Param:     func(name string) string { return "{" + name + "}" },
	New: func(app *conformance.App, opts ...middleware.ServerOption) http.Handler {
		r := chi.NewRouter()
		r.Use(ddxchi.Middleware(opts...))
		r.Method("GET", "/users/{id}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			u, err := app.User(r.Context(), chi.URLParam(r, "id"))
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", "application/json")
			return json.NewEncoder(w).Encode(u)
		}))
		r.Method("GET", "/orders/{id}", middleware.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) error {
			return app.Order(r.Context(), chi.URLParam(r, "id"))
		}))
		r.Method("GET", "/hints", middleware.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error {
			return app.EarlyHints(w)
		}))
		r.Method("GET", "/refresh", middleware.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) error {
			return app.Refresh(r.Context())
		}))
		r.Get("/panic", func(http.ResponseWriter, *http.Request) { app.Panic() })
		r.Method("GET", "/wait", middleware.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) error {
			return app.Wait(r.Context())
		}))
		r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
		return r
	},
}

func TestConformance(t *testing.T) { conformance.Run(t, chiAdapter) }
