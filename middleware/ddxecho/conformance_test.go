package ddxecho_test

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/ddx-go/ddx/internal/conformance"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxecho"
)

// echoAdapter is the suite's echo: a plain echo.New(), handlers that return
// their errors.
var echoAdapter = conformance.Adapter{
	Name:      "echo",
	Component: "labstack/echo.v4",
	Param:     func(name string) string { return ":" + name },
	New: func(app *conformance.App, opts ...middleware.ServerOption) http.Handler {
		e := echo.New()
		e.Use(ddxecho.Middleware(opts...))
		e.GET("/users/:id", func(c echo.Context) error {
			u, err := app.User(c.Request().Context(), c.Param("id"))
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, u)
		})
		e.GET("/orders/:id", func(c echo.Context) error { return app.Order(c.Request().Context(), c.Param("id")) })
		e.GET("/hints", func(c echo.Context) error { return app.EarlyHints(c.Response()) })
		e.GET("/refresh", func(c echo.Context) error { return app.Refresh(c.Request().Context()) })
		e.GET("/panic", func(echo.Context) error { app.Panic(); return nil })
		e.GET("/wait", func(c echo.Context) error { return app.Wait(c.Request().Context()) })
		e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
		return e
	},
}

func TestConformance(t *testing.T) { conformance.Run(t, echoAdapter) }
