package ddxecho_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxecho"
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

type problem struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

func problemOf(t *testing.T, rec *httptest.ResponseRecorder) problem {
	t.Helper()
	require.Equal(t, middleware.ProblemContentType, rec.Header().Get("Content-Type"), rec.Body.String())
	var p problem
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	assert.Equal(t, http.StatusText(p.Status), p.Title)
	assert.NotEmpty(t, p.Detail)
	assert.Equal(t, rec.Code, p.Status)
	return p
}

// TestEchoErrorsAreProblems: echo's own HTTPErrors keep their status and
// become problem answers, with a plain echo.New() and its default
// HTTPErrorHandler, which never answers a second time.
func TestEchoErrorsAreProblems(t *testing.T) {
	e := echo.New()
	e.Use(ddxecho.Middleware(quiet()))
	e.GET("/users/:id", func(c echo.Context) error { return c.JSON(200, map[string]string{}) })
	e.POST("/users", func(c echo.Context) error {
		var u struct{ Name string }
		if err := c.Bind(&u); err != nil {
			return err
		}
		return c.NoContent(201)
	})
	e.POST("/upload", func(echo.Context) error {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "body of 3 GB from 10.1.2.3").SetInternal(errors.New("internal detail"))
	})
	for _, tc := range []struct {
		method, path, body string
		code               int
	}{
		{"GET", "/nope", "", 404},
		{"DELETE", "/users/1", "", 405},
		{"POST", "/users", `{"name":`, 400},
		{"POST", "/upload", "", 413},
	} {
		rec := serve(e, tc.method, tc.path, tc.body)
		assert.Equal(t, tc.code, rec.Code, "%s %s", tc.method, tc.path)
		p := problemOf(t, rec)
		assert.NotContains(t, rec.Body.String(), "message", "not echo's own answer")
		assert.NotContains(t, p.Detail, "10.1.2.3", "an HTTPError's message is not the detail")
		assert.NotContains(t, rec.Body.String(), "internal detail")
		assert.NotContains(t, rec.Body.String(), "unexpected EOF")
	}
}

func TestWrittenAnswerIsKept(t *testing.T) {
	logs := &testlog.Buffer{}
	e := echo.New()
	e.Use(ddxecho.Middleware(middleware.WithLogger(slog.New(ddx.NewHandler(logs, nil)))))
	e.GET("/report", func(c echo.Context) error {
		_ = c.JSON(200, map[string]bool{"partial": true})
		return errors.E(errors.Unavailable, "late failure")
	})
	rec := serve(e, "GET", "/report", "")
	assert.Equal(t, 200, rec.Code)
	assert.JSONEq(t, `{"partial":true}`, rec.Body.String())
	lines := logs.Objects(t)
	require.Len(t, lines, 1)
	e2, _ := lines[0]["error"].(map[string]any)
	assert.Equal(t, "Unavailable", e2["kind"], "the error is still recorded")
}

func TestAbortHandlerIsPassedOn(t *testing.T) {
	e := echo.New()
	e.Use(ddxecho.Middleware(quiet()))
	e.GET("/proxy", func(echo.Context) error { panic(http.ErrAbortHandler) })
	defer func() {
		assert.Equal(t, http.ErrAbortHandler, recover(), "net/http must see the sentinel to abort the response")
	}()
	serve(e, "GET", "/proxy", "")
	t.Fatal("the panic did not reach the server")
}

// TestResources: routes name the span, under e.Use and e.Pre; a request no
// route serves is named by its method alone, a handler's own ErrNotFound by
// its route.
func TestResources(t *testing.T) {
	agent := testagent.Start(t)
	testagent.StartTracer(t, agent)
	for _, pre := range []bool{false, true} {
		agent.Reset()
		e := echo.New()
		if pre {
			e.Pre(ddxecho.Middleware(quiet()))
		} else {
			e.Use(ddxecho.Middleware(quiet()))
		}
		e.GET("/items/:id", func(echo.Context) error { return echo.ErrNotFound })
		e.GET("/ok/:id", func(c echo.Context) error { return c.NoContent(204) })
		assert.Equal(t, 404, serve(e, "GET", "/items/3", "").Code)
		assert.Equal(t, 204, serve(e, "GET", "/ok/3", "").Code)
		assert.Equal(t, 404, serve(e, "GET", "/items", "").Code)
		tracer.Flush()
		spans := agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) == 3 })
		var got []string
		for _, s := range spans {
			got = append(got, s.Resource)
		}
		assert.ElementsMatch(t, []string{"GET /items/:id", "GET /ok/:id", "GET"}, got, "pre=%v", pre)
	}
}
