package middleware_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
)

// brokenError is an error whose Error method panics, as a typed nil or a
// buggy type does.
type brokenError struct{}

func (brokenError) Error() string { panic("Error() broke") }

// TestErrorWhoseErrorPanics: returned from a HandlerFunc or panicked with,
// with the real tracer on, it still gets a 500 answer over a real
// connection, one access line, and no goroutine dump in the log.
func TestErrorWhoseErrorPanics(t *testing.T) {
	agent := testagent.Start(t)
	testagent.StartTracer(t, agent, tracer.WithService("broken-error"))
	logs := &testlog.Buffer{}
	mux := http.NewServeMux()
	mux.Handle("GET /returned", middleware.HandlerFunc(func(http.ResponseWriter, *http.Request) error { return brokenError{} }))
	mux.HandleFunc("GET /panicked", func(http.ResponseWriter, *http.Request) { panic(brokenError{}) })
	srv := httptest.NewServer(middleware.Wrap(mux, middleware.WithLogger(slog.New(ddx.NewHandler(logs, nil)))))
	defer srv.Close()
	for _, p := range []string{"/returned", "/panicked"} {
		resp, err := srv.Client().Get(srv.URL + p)
		require.NoError(t, err, "%s: the connection must not be cut", p)
		_ = resp.Body.Close()
		assert.Equal(t, 500, resp.StatusCode, p)
	}
	srv.Close()
	lines := logs.Objects(t)
	assert.Len(t, lines, 2, "one access line per request")
	for _, l := range lines {
		assert.Equal(t, "ERROR", l["status"])
		assert.NotContains(t, l["message"], "http: panic serving")
	}
}
