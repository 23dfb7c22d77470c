package middleware_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

// A router integration answers the router's own 405 in the problem form,
// keeping the status the Kind table would not give.
func ExampleErrorStatus() {
	h := middleware.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET")
		middleware.ErrorStatus(w, r, http.StatusMethodNotAllowed, errors.E(errors.Invalid, "use GET"))
	}), middleware.WithLogger(slog.New(slog.DiscardHandler)))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("DELETE", "/users/1", nil))
	fmt.Println(rec.Code, rec.Header().Get("Allow"), rec.Header().Get("Content-Type"))
	fmt.Print(rec.Body.String())
	// Output:
	// 405 GET application/problem+json
	// {"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"use GET"}
}
