package middleware_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

func TestErrorStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		err  error
		want int
	}{
		{"router status kept", http.StatusMethodNotAllowed, errors.E(errors.Invalid, "method not allowed"), http.StatusMethodNotAllowed},
		{"a success status is never an error's", http.StatusOK, errors.E(errors.NotFound, "gone"), http.StatusNotFound},
		{"nonsense status", 42, errors.New("boom"), http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := middleware.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				middleware.ErrorStatus(w, r, tc.code, tc.err)
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
			assert.Equal(t, tc.want, rec.Code)
			assert.Equal(t, middleware.ProblemContentType, rec.Header().Get("Content-Type"))
			var p struct {
				Title  string `json:"title"`
				Status int    `json:"status"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
			assert.Equal(t, tc.want, p.Status)
			assert.Equal(t, http.StatusText(tc.want), p.Title)
		})
	}
}

func TestErrorStatusAfterTheAnswerStarted(t *testing.T) {
	h := middleware.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		middleware.ErrorStatus(w, r, http.StatusMethodNotAllowed, errors.New("late"))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	assert.Equal(t, http.StatusAccepted, rec.Code, "a response that started keeps its status")
	assert.Empty(t, rec.Body.String())
}
