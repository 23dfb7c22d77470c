package conformance

import (
	"encoding/json"
	"net/http"

	"github.com/ddx-go/ddx/middleware"
)

// NetHTTP is net/http's adapter: a ServeMux under middleware.Wrap, the
// reference every framework is held to.
var NetHTTP = Adapter{
	Name:      "net/http",
	Component: "net/http",
	Param:     func(name string) string { return "{" + name + "}" },
	New: func(app *App, opts ...middleware.ServerOption) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("GET /users/{id}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			u, err := app.User(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", "application/json")
			return json.NewEncoder(w).Encode(u)
		}))
		mux.Handle("GET /orders/{id}", middleware.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) error {
			return app.Order(r.Context(), r.PathValue("id"))
		}))
		mux.Handle("GET /hints", middleware.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error {
			return app.EarlyHints(w)
		}))
		mux.Handle("GET /refresh", middleware.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) error {
			return app.Refresh(r.Context())
		}))
		mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { app.Panic() })
		mux.Handle("GET /wait", middleware.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) error {
			return app.Wait(r.Context())
		}))
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
		// Other paths get the ServeMux's own 404, other methods its 405,
		// which Wrap answers as problems.
		return middleware.Wrap(mux, opts...)
	},
}
