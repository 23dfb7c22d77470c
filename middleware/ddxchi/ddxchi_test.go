package ddxchi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxchi"
)

func quiet() middleware.ServerOption { return middleware.WithLogger(slog.New(slog.DiscardHandler)) }

func serve(h http.Handler, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func problemStatus(t *testing.T, rec *httptest.ResponseRecorder) int {
	t.Helper()
	require.Equal(t, middleware.ProblemContentType, rec.Header().Get("Content-Type"), rec.Body.String())
	var p struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	assert.Equal(t, http.StatusText(p.Status), p.Title)
	return p.Status
}

func TestRouterAnswersBecomeProblems(t *testing.T) {
	r := chi.NewRouter()
	r.Use(ddxchi.Middleware(quiet()))
	r.Get("/users/{id}", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) })

	rec := serve(r, "GET", "/nope")
	assert.Equal(t, 404, rec.Code)
	assert.Equal(t, 404, problemStatus(t, rec))

	rec = serve(r, "DELETE", "/users/1")
	assert.Equal(t, 405, rec.Code)
	assert.Equal(t, 405, problemStatus(t, rec))
	assert.Equal(t, "GET", rec.Header().Get("Allow"), "chi's Allow header stays")
}

func TestOwnNotFoundKeepsItsAnswer(t *testing.T) {
	r := chi.NewRouter()
	r.Use(ddxchi.Middleware(quiet()))
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(404)
		_, _ = w.Write([]byte("<h1>lost?</h1>"))
	})
	rec := serve(r, "GET", "/nope")
	assert.Equal(t, 404, rec.Code)
	assert.Equal(t, "<h1>lost?</h1>", rec.Body.String())
}

func TestRoutedNotFoundIsTheHandlers(t *testing.T) {
	r := chi.NewRouter()
	r.Use(ddxchi.Middleware(quiet()))
	r.Get("/files/{name}", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	rec := serve(r, "GET", "/files/x")
	assert.Equal(t, 404, rec.Code)
	assert.Equal(t, "404 page not found\n", rec.Body.String(), "a routed handler's own answer is kept")
}

func TestAbortHandlerIsPassedOn(t *testing.T) {
	r := chi.NewRouter()
	r.Use(ddxchi.Middleware(quiet()))
	r.Get("/proxy", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	defer func() {
		assert.Equal(t, http.ErrAbortHandler, recover(), "net/http must see the sentinel to abort the response")
	}()
	serve(r, "GET", "/proxy")
	t.Fatal("the panic did not reach the server")
}

// TestMountedResource: the resource is the whole pattern of a route in a
// mounted sub-router, read after routing.
func TestMountedResource(t *testing.T) {
	agent := testagent.Start(t)
	testagent.StartTracer(t, agent)
	api := chi.NewRouter()
	api.Get("/items/{id}", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) })
	r := chi.NewRouter()
	r.Use(ddxchi.Middleware(quiet()))
	r.Mount("/api", api)
	assert.Equal(t, 200, serve(r, "GET", "/api/items/3").Code)
	tracer.Flush()
	spans := agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) == 1 })
	assert.Equal(t, "GET /api/items/{id}", spans[0].Resource)
	assert.Equal(t, "/api/items/{id}", spans[0].Meta["http.route"])
}
