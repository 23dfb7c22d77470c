package middleware_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

// TestOutboundFailureOneMessage: the same outbound failure twice (a refused
// connection through Transport, so net/http's *url.Error around
// Transport's *errors.Error with its duration), returned from a handler
// under Wrap and from a job: the log lines' and the spans' error.message
// are byte-identical and carry no attribute value; the duration is still an
// attribute of the error (issue 21, item 19).
func TestOutboundFailureOneMessage(t *testing.T) {
	mt := mocktracer.Start()
	t.Cleanup(mt.Stop)
	down := closedAddr(t)
	client := middleware.NewClient()
	t.Cleanup(client.CloseIdleConnections)
	var buf bytes.Buffer
	logger := slog.New(ddx.NewHandler(&buf, nil))

	charge := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+down+"/charges", nil)
		resp, err := client.Do(req) // plain Do: the *url.Error stays
		if err != nil {
			return errors.E(errors.Op("checkout"), "charge order 42", err)
		}
		resp.Body.Close()
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("POST /checkout", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return charge(r.Context())
	}))
	h := middleware.Wrap(mux, middleware.WithLogger(logger))
	for range 2 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/checkout", nil))
		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		_ = middleware.RunJob(context.Background(), "prices.sync", charge, middleware.WithLogger(logger))
	}

	want := "checkout: charge order 42: Post \"http://" + down + "/charges\": dial tcp " + down + ": connect: connection refused"
	var lines []map[string]any
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		if m["error"] != nil {
			lines = append(lines, m)
		}
	}
	require.Len(t, lines, 4, buf.String())
	for _, m := range lines {
		e := m["error"].(map[string]any)
		assert.Equal(t, want, e["message"], "log line %v", m["message"])
		assert.NotEmpty(t, e["duration"], "the duration is an attribute of the error")
	}

	var spanMsgs []string
	for _, s := range mt.FinishedSpans() {
		if msg, ok := s.Tag(ext.ErrorMsg).(string); ok && strings.HasPrefix(msg, "checkout") {
			spanMsgs = append(spanMsgs, msg)
		}
	}
	require.Len(t, spanMsgs, 4, "a server span and a job span per failure")
	for _, msg := range spanMsgs {
		assert.Equal(t, want, msg)
	}
}
