package ddxecho_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxecho"
)

// An echo server under ddx: handlers return their errors, and the client
// gets the problem answer of the error's kind, not echo's {"message":…}.
func ExampleMiddleware() {
	e := echo.New()
	e.Use(ddxecho.Middleware(middleware.WithLogger(slog.New(slog.DiscardHandler))))
	e.GET("/users/:id", func(c echo.Context) error {
		if c.Param("id") != "1" {
			return errors.E(errors.NotFound, "user "+c.Param("id")+" not found")
		}
		return c.JSON(http.StatusOK, map[string]string{"id": "1"})
	})

	for _, path := range []string{"/users/7", "/nowhere"} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
		fmt.Print(rec.Body.String())
	}
	// Output:
	// 404 application/problem+json
	// {"type":"about:blank","title":"Not Found","status":404,"detail":"user 7 not found"}
	// 404 application/problem+json
	// {"type":"about:blank","title":"Not Found","status":404,"detail":"nothing is served at this path"}
}
