package ddxgin_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxgin"
)

func quiet() middleware.ServerOption { return middleware.WithLogger(slog.New(slog.DiscardHandler)) }

func serve(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	h.ServeHTTP(rec, req)
	return rec
}

func problemStatus(t *testing.T, rec *httptest.ResponseRecorder) int {
	t.Helper()
	require.Equal(t, middleware.ProblemContentType, rec.Header().Get("Content-Type"), rec.Body.String())
	var p struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	assert.Equal(t, http.StatusText(p.Status), p.Title)
	assert.NotEmpty(t, p.Detail)
	return p.Status
}

func TestRouterAnswersBecomeProblems(t *testing.T) {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(ddxgin.Middleware(quiet()))
	r.GET("/users/:id", func(c *gin.Context) { c.JSON(200, gin.H{}) })

	rec := serve(r, "GET", "/nope", "")
	assert.Equal(t, 404, rec.Code)
	assert.Equal(t, 404, problemStatus(t, rec))

	rec = serve(r, "DELETE", "/users/1", "")
	assert.Equal(t, 405, rec.Code)
	assert.Equal(t, 405, problemStatus(t, rec))
	assert.Equal(t, "GET", rec.Header().Get("Allow"), "gin's Allow header stays")
}

func TestOwnNoRouteKeepsItsAnswer(t *testing.T) {
	r := gin.New()
	r.Use(ddxgin.Middleware(quiet()))
	r.NoRoute(func(c *gin.Context) { c.String(404, "lost?") })
	rec := serve(r, "GET", "/nope", "")
	assert.Equal(t, 404, rec.Code)
	assert.Equal(t, "lost?", rec.Body.String())
}

// TestWrittenAnswerIsKept: an error reported after the answer was written
// is recorded, not answered twice.
func TestWrittenAnswerIsKept(t *testing.T) {
	logs := &testlog.Buffer{}
	r := gin.New()
	r.Use(ddxgin.Middleware(middleware.WithLogger(slog.New(ddx.NewHandler(logs, nil)))))
	r.GET("/report", func(c *gin.Context) {
		c.JSON(200, gin.H{"partial": true})
		_ = c.Error(errors.E(errors.Unavailable, "late failure"))
	})
	rec := serve(r, "GET", "/report", "")
	assert.Equal(t, 200, rec.Code)
	assert.JSONEq(t, `{"partial":true}`, rec.Body.String())
	lines := logs.Objects(t)
	require.Len(t, lines, 1)
	e, _ := lines[0]["error"].(map[string]any)
	assert.Equal(t, "Unavailable", e["kind"], "the error is still recorded")
}

func TestBindingErrorIsInvalid(t *testing.T) {
	r := gin.New()
	r.Use(ddxgin.Middleware(quiet()))
	r.POST("/users", func(c *gin.Context) {
		var u struct {
			Name string `json:"name" binding:"required"`
		}
		if err := c.ShouldBindJSON(&u); err != nil {
			_ = c.Error(err).SetType(gin.ErrorTypeBind)
			return
		}
		c.Status(201)
	})
	rec := serve(r, "POST", "/users", `{"name":`)
	assert.Equal(t, 400, rec.Code)
	assert.Equal(t, 400, problemStatus(t, rec))
	assert.NotContains(t, rec.Body.String(), "unexpected EOF", "no cause text")
}

// TestPanicStopsTheChain: the handlers after the one that panicked do not
// run, without gin's Recovery.
func TestPanicStopsTheChain(t *testing.T) {
	ran := false
	r := gin.New()
	r.Use(ddxgin.Middleware(quiet()), func(c *gin.Context) { panic("boom") }, func(c *gin.Context) { ran = true })
	r.GET("/x", func(c *gin.Context) { ran = true })
	rec := serve(r, "GET", "/x", "")
	assert.Equal(t, 500, rec.Code)
	assert.Equal(t, 500, problemStatus(t, rec))
	assert.NotContains(t, rec.Body.String(), "boom")
	assert.False(t, ran)
}

func TestAbortHandlerIsPassedOn(t *testing.T) {
	r := gin.New()
	r.Use(ddxgin.Middleware(quiet()))
	r.GET("/proxy", func(*gin.Context) { panic(http.ErrAbortHandler) })
	defer func() {
		assert.Equal(t, http.ErrAbortHandler, recover(), "net/http must see the sentinel to abort the response")
	}()
	serve(r, "GET", "/proxy", "")
	t.Fatal("the panic did not reach the server")
}

// TestStatusWithoutBody: a status set with c.Status and no body is what
// the span and the log line say.
func TestStatusWithoutBody(t *testing.T) {
	logs := &testlog.Buffer{}
	r := gin.New()
	r.Use(ddxgin.Middleware(middleware.WithLogger(slog.New(ddx.NewHandler(logs, nil)))))
	r.DELETE("/users/:id", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	rec := serve(r, "DELETE", "/users/1", "")
	assert.Equal(t, 204, rec.Code)
	lines := logs.Objects(t)
	require.Len(t, lines, 1)
	assert.Equal(t, float64(204), lines[0]["http.status_code"])
	assert.Equal(t, "/users/:id", lines[0]["http.route"])
}
