package ddxgin_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxgin"
)

// A gin engine under ddx, without gin's Recovery: handlers report errors
// with c.Error, and the client gets the problem answer of the error's kind.
func ExampleMiddleware() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(ddxgin.Middleware(middleware.WithLogger(slog.New(slog.DiscardHandler))))
	r.GET("/users/:id", func(c *gin.Context) {
		if c.Param("id") != "1" {
			_ = c.Error(errors.E(errors.NotFound, "user "+c.Param("id")+" not found"))
			return
		}
		c.JSON(http.StatusOK, gin.H{"id": "1"})
	})

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/users/7", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Print(rec.Body.String())
	// Output:
	// 404 application/problem+json
	// {"type":"about:blank","title":"Not Found","status":404,"detail":"user 7 not found"}
}
