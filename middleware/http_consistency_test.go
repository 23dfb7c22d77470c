package middleware_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
)

// TestOddStatusesAgreeEverywhere: whatever the handler does, the client,
// the span and the access line tell one story: one status, and the span is
// an error exactly when the line is ERROR (issue 21, item 4).
func TestOddStatusesAgreeEverywhere(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.Handler
		clientErr bool // the connection is cut: the client sees no status
		code      int  // the client's (unless cut), the span's and the line's
		level     slog.Level
		kind      string
	}{
		{
			name: "WriteHeader(999)",
			handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(999) // net/http sends it; RFC 9110 says treat it as a 5xx
				_, _ = io.WriteString(w, "odd")
			}),
			code: 500, level: slog.LevelError, kind: "Internal",
		},
		{
			name: "WriteHeader(600)",
			handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(600)
			}),
			code: 500, level: slog.LevelError, kind: "Internal",
		},
		{
			name: "ErrAbortHandler before anything was sent",
			handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				panic(http.ErrAbortHandler)
			}),
			clientErr: true, code: 500, level: slog.LevelError, kind: "Internal",
		},
		{
			name: "ErrAbortHandler after a 200",
			handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, "half an answ")
				w.(http.Flusher).Flush()
				panic(http.ErrAbortHandler)
			}),
			clientErr: true, code: 200, level: slog.LevelError, kind: "Internal",
		},
		{
			name: "an unexpected error after a 200",
			handler: middleware.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error {
				_, _ = io.WriteString(w, `{"items":[`)
				return errors.E(errors.Internal, "cursor broke")
			}),
			code: 200, level: slog.LevelError, kind: "Internal",
		},
		{
			name: "ErrorStatus 503 with an expected kind",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				middleware.ErrorStatus(w, r, 503, errors.E(errors.NotFound, "gone"))
			}),
			code: 503, level: slog.LevelError, kind: "NotFound",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mt := mocktracer.Start()
			defer mt.Stop()
			logs := &testlog.Records{}
			srv := httptest.NewServer(middleware.Wrap(tc.handler, middleware.WithLogger(slog.New(logs))))
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL + "/x")
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				_ = resp.Body.Close()
			}
			if tc.clientErr {
				require.Error(t, err, "the response is cut")
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.code, resp.StatusCode, "the client's status")
			}
			srv.Close()

			spans := mt.FinishedSpans()
			require.Len(t, spans, 1)
			span := spans[0]
			lines := logs.Lines()
			require.Len(t, lines, 1)
			line := lines[0]
			assert.Equal(t, fmt.Sprint(tc.code), span.Tag(ext.HTTPCode), "the span's status")
			assert.Equal(t, int64(tc.code), line.Attrs["http.status_code"].Int64(), "the line's status")
			assert.Equal(t, tc.level, line.Level)
			wantErr := int32(0)
			if tc.level == slog.LevelError {
				wantErr = 1
			}
			assert.Equal(t, wantErr, span.Tag(ext.MapSpanError), "an error span exactly when the line is ERROR")
			assert.Equal(t, tc.kind, span.Tag("error.kind"))
		})
	}
}

// TestErrorStatusOfACanceledError: a router's own status (echo's
// HTTPError(500) around context.Canceled) does not outrank the Kind table
// when the client really went away: 499, INFO, no error span, where it was
// a 500 logged at INFO. While the client waits it is a 500, ERROR.
func TestErrorStatusOfACanceledError(t *testing.T) {
	for _, gone := range []bool{true, false} {
		t.Run(fmt.Sprintf("client gone %v", gone), func(t *testing.T) {
			mt := mocktracer.Start()
			defer mt.Stop()
			logs := &testlog.Records{}
			h := middleware.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				middleware.ErrorStatus(w, r, 500, fmt.Errorf("render: %w", context.Canceled))
			}), middleware.WithLogger(slog.New(logs)))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if gone {
				cancel()
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil).WithContext(ctx))
			code, level, flag := 500, slog.LevelError, int32(1)
			if gone {
				code, level, flag = 499, slog.LevelInfo, 0
			}
			assert.Equal(t, code, rec.Code)
			span := mt.FinishedSpans()[0]
			assert.Equal(t, fmt.Sprint(code), span.Tag(ext.HTTPCode))
			assert.Equal(t, flag, span.Tag(ext.MapSpanError))
			lines := logs.Lines()
			require.Len(t, lines, 1)
			assert.Equal(t, level, lines[0].Level)
			assert.Equal(t, int64(code), lines[0].Attrs["http.status_code"].Int64())
		})
	}
}
