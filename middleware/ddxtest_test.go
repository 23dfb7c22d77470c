package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

// TestKindRulesEndToEnd is the sentence as a test: under the real
// tracer, a request whose dependency is down logs an ERROR of kind
// Unavailable correlated to an error span, the client span under it is an
// error too, and a 404 is a WARN on a span that is not an error.
func TestKindRulesEndToEnd(t *testing.T) {
	rec := ddxtest.Start(t)

	down := closedAddr(t)
	client := middleware.NewClient()
	mux := http.NewServeMux()
	mux.Handle("GET /orders/{id}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		ctx := middleware.WithRoute(r.Context(), "/stock/{id}")
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+down+"/stock/"+r.PathValue("id"), nil)
		resp, err := middleware.Do(client, req)
		if err != nil {
			return errors.E(errors.Op("orders.Get"), "check stock", err)
		}
		return resp.Body.Close()
	}))
	mux.Handle("GET /users/{id}", middleware.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
		return errors.E(errors.Op("users.Get"), errors.NotFound, "no such user")
	}))
	srv := httptest.NewServer(middleware.Wrap(mux))
	defer srv.Close()

	for _, path := range []string{"/orders/7", "/users/9"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	server := rec.RequireSpan(t, ddxtest.Resource("GET /orders/{id}"), ddxtest.IsError(), ddxtest.HTTPStatus(503))
	rec.RequireSpan(t, ddxtest.Resource("GET /stock/{id}"), ddxtest.ChildOf(server), ddxtest.IsError())
	rec.RequireLog(t, ddxtest.Level("ERROR"), ddxtest.Kind("Unavailable"), ddxtest.InSpan(server),
		ddxtest.Attr("error.message", "orders.Get: check stock: GET "+down+"/stock/{id}: dial tcp "+down+": connect: connection refused"))

	notFound := rec.RequireSpan(t, ddxtest.Resource("GET /users/{id}"), ddxtest.Not(ddxtest.IsError()), ddxtest.HTTPStatus(404))
	rec.RequireLog(t, ddxtest.Level("WARN"), ddxtest.Kind("NotFound"), ddxtest.InSpan(notFound))
}
