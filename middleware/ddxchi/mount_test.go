package ddxchi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/middleware/ddxchi"
)

// TestMountedRouterAnswersBecomeProblems: the 404 and 405 of a sub-router
// (r.Mount, r.Route, nested) are chi's own answers too, and get the
// problem the root's get (issue 21, item 3); they were plain text with no
// error.kind, because the mount point had set Request.Pattern already. A
// route's own 404 under a mount, or a mounted plain handler's, is kept.
func TestMountedRouterAnswersBecomeProblems(t *testing.T) {
	ok := func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) }
	api := chi.NewRouter()
	api.Get("/items/{id}", ok)
	api.Get("/lost/{id}", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	inner := chi.NewRouter()
	inner.Post("/jobs", ok)
	api.Mount("/v2", inner)
	r := chi.NewRouter()
	r.Use(ddxchi.Middleware(quiet()))
	r.Mount("/api", api)
	r.Route("/admin", func(r chi.Router) { r.Get("/users", ok) })
	r.Mount("/static", http.NotFoundHandler()) // not a router: its 404 is its own

	for _, tc := range []struct {
		method, path string
		code         int
		allow        string
	}{
		{"GET", "/api/nope", 404, ""},
		{"DELETE", "/api/items/1", 405, "GET"},
		{"GET", "/api/v2/nope", 404, ""},
		{"GET", "/api/v2/jobs", 405, "POST"},
		{"GET", "/admin/nope", 404, ""},
		{"PUT", "/admin/users", 405, "GET"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := serve(r, tc.method, tc.path)
			assert.Equal(t, tc.code, rec.Code)
			assert.Equal(t, tc.code, problemStatus(t, rec))
			if tc.allow != "" {
				assert.Equal(t, tc.allow, rec.Header().Get("Allow"), "chi's Allow header stays")
			}
		})
	}
	for _, path := range []string{"/api/lost/1", "/static/x.css"} {
		rec := serve(r, "GET", path)
		assert.Equal(t, 404, rec.Code)
		assert.Equal(t, "404 page not found\n", rec.Body.String(), "%s: a handler's own answer is kept", path)
	}
}

// TestWriterKeepsReaderFrom: a handler under ddxchi sees the same optional
// interfaces as under plain chi: io.ReaderFrom, which io.Copy from a file
// uses for sendfile (issue 21, item 3), was dropped.
func TestWriterKeepsReaderFrom(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f.txt")
	require.NoError(t, os.WriteFile(file, []byte(strings.Repeat("x", 1<<16)), 0o600))
	has := func(r *chi.Mux) bool {
		var got bool
		r.Get("/f", func(w http.ResponseWriter, _ *http.Request) {
			_, got = w.(io.ReaderFrom)
			f, err := os.Open(file)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			defer f.Close()
			_, _ = io.Copy(w, f)
		})
		srv := httptest.NewServer(r)
		defer srv.Close()
		resp, err := srv.Client().Get(srv.URL + "/f")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		assert.Len(t, body, 1<<16)
		return got
	}
	plain := chi.NewRouter()
	traced := chi.NewRouter()
	traced.Use(ddxchi.Middleware(quiet()))
	require.True(t, has(plain), "plain chi passes net/http's writer, a ReaderFrom")
	assert.True(t, has(traced), "and so does ddxchi")
}
