package middleware_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
)

// TestInvalidWriteHeaderAnswers500: a handler calling WriteHeader with a
// code net/http refuses (it panics and cuts the connection) gets a 500
// answer over a real connection instead, and the access line says 500 and
// why.
func TestInvalidWriteHeaderAnswers500(t *testing.T) {
	for _, code := range []int{0, 99, 1000, -1} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			logs := &testlog.Buffer{}
			h := middleware.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(code)
				_, _ = w.Write([]byte("partial"))
			}), middleware.WithLogger(slog.New(ddx.NewHandler(logs, nil))))
			srv := httptest.NewServer(h)
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL + "/x")
			require.NoError(t, err, "the connection must not be cut")
			_ = resp.Body.Close()
			assert.Equal(t, 500, resp.StatusCode)
			srv.Close()
			lines := logs.Objects(t)
			require.Len(t, lines, 1)
			assert.Equal(t, 500.0, lines[0]["http.status_code"])
			assert.Equal(t, "ERROR", lines[0]["status"])
			e, _ := lines[0]["error"].(map[string]any)
			assert.Contains(t, e["message"], fmt.Sprintf("invalid status code %d", code))
		})
	}
}
