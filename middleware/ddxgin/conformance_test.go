package ddxgin_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/ddx-go/ddx/internal/conformance"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxgin"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// ginAdapter is the suite's gin: gin.New() without gin's Recovery, with
// HandleMethodNotAllowed (the package documentation says why), errors with
// c.Error.
var ginAdapter = conformance.Adapter{
	Name:      "gin",
	Component: "gin-gonic/gin",
	Param:     func(name string) string { return ":" + name },
	New: func(app *conformance.App, opts ...middleware.ServerOption) http.Handler {
		r := gin.New()
		r.HandleMethodNotAllowed = true // a 405 for a wrong method, as the other routers
		r.Use(ddxgin.Middleware(opts...))
		r.GET("/users/:id", func(c *gin.Context) {
			u, err := app.User(c.Request.Context(), c.Param("id"))
			if err != nil {
				_ = c.Error(err)
				return
			}
			c.JSON(http.StatusOK, u)
		})
		r.GET("/orders/:id", func(c *gin.Context) { _ = c.Error(app.Order(c.Request.Context(), c.Param("id"))) })
		r.GET("/hints", func(c *gin.Context) { _ = c.Error(app.EarlyHints(c.Writer)) })
		r.GET("/refresh", func(c *gin.Context) { _ = c.Error(app.Refresh(c.Request.Context())) })
		r.GET("/panic", func(*gin.Context) { app.Panic() })
		r.GET("/wait", func(c *gin.Context) { _ = c.Error(app.Wait(c.Request.Context())) })
		r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
		return r
	},
}

func TestConformance(t *testing.T) { conformance.Run(t, ginAdapter) }
