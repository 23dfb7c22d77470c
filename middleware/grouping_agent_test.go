package middleware_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
)

// TestOneProblemOneIssue sends two occurrences of one failure, with
// different attribute values, through Wrap, the real tracer and the test
// Agent: the spans' and the log lines' error.message are identical, carry
// no attribute value, and the error's Code is error.code and
// error.fingerprint on both. A library error nobody classified by hand
// (sql.ErrNoRows under %w) is a 404, a WARN and no span error, and an
// expected error's code reaches the problem body.
func TestOneProblemOneIssue(t *testing.T) {
	agent := testagent.Start(t)
	testagent.StartTracer(t, agent, tracer.WithService("grouping-test"))

	mux := http.NewServeMux()
	mux.Handle("GET /notify/{user}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		user := r.PathValue("user")
		return errors.E(errors.Op("users.Notify"), errors.Unavailable, errors.Code("mail.unavailable"), "send mail",
			slog.String("email", user+"@example.com"))
	}))
	mux.Handle("GET /items/{id}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("items.Get %s: %w", r.PathValue("id"), sql.ErrNoRows)
	}))
	mux.Handle("GET /pay", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return errors.E(errors.Op("pay.Charge"), errors.FailedPrecondition, errors.Code("payment.declined"), "card declined")
	}))
	logs := &testlog.Buffer{}
	srv := httptest.NewServer(middleware.Wrap(mux, middleware.WithLogger(slog.New(ddx.NewHandler(logs, nil)))))
	t.Cleanup(srv.Close)

	bodies := map[string]map[string]any{}
	for _, p := range []string{"/notify/bob", "/notify/alice", "/items/9", "/pay"} {
		resp, err := srv.Client().Get(srv.URL + p)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m), "%s: %s", p, b)
		bodies[p] = m
	}
	srv.Close()
	tracer.Flush()
	tracer.Stop()

	spans := agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) >= 4 })
	require.Len(t, spans, 4)
	var notify []testagent.Span
	for _, s := range spans {
		switch s.Resource {
		case "GET /notify/{user}":
			notify = append(notify, s)
		case "GET /items/{id}":
			assert.Equal(t, int32(0), s.Error, "a row that is not there is no span error")
			assert.Equal(t, "404", s.Meta["http.status_code"])
			assert.Equal(t, "NotFound", s.Meta["error.kind"])
		case "GET /pay":
			assert.Equal(t, int32(0), s.Error)
			assert.Equal(t, "payment.declined", s.Meta["error.code"])
		}
	}
	require.Len(t, notify, 2)
	for _, s := range notify {
		assert.Equal(t, int32(1), s.Error)
		assert.Equal(t, "users.Notify: send mail", s.Meta["error.message"])
		assert.Equal(t, "mail.unavailable", s.Meta["error.code"])
		assert.Equal(t, "mail.unavailable", s.Meta["error.fingerprint"])
		for k, v := range s.Meta {
			assert.NotContains(t, v, "@example.com", "span tag %s carries an attribute value", k)
		}
	}
	assert.Equal(t, notify[0].Meta["error.message"], notify[1].Meta["error.message"])

	var notifyLogs int
	for _, l := range logs.Objects(t) {
		switch l["http.route"] {
		case "/notify/{user}":
			notifyLogs++
			assert.Equal(t, notify[0].Meta["error.message"], l["error"].(map[string]any)["message"], "span and log say the same")
			assert.Equal(t, "mail.unavailable", l["error"].(map[string]any)["fingerprint"])
			assert.True(t, strings.HasSuffix(l["error"].(map[string]any)["email"].(string), "@example.com"), "the value is an attribute of its own")
		case "/items/{id}":
			assert.Equal(t, "WARN", l["status"])
			assert.Equal(t, "NotFound", l["error"].(map[string]any)["kind"])
		}
	}
	assert.Equal(t, 2, notifyLogs)

	assert.Equal(t, 404.0, bodies["/items/9"]["status"])
	assert.Equal(t, "not found", bodies["/items/9"]["detail"], "no driver text leaves the service")
	assert.Equal(t, "payment.declined", bodies["/pay"]["code"])
	assert.NotContains(t, bodies["/notify/bob"], "code", "the code of an unexpected failure stays inside")
}
