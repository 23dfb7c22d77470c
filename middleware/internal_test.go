package middleware

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/redact"
)

func TestInternalSecretName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		secret bool
	}{
		{"Authorization", true},
		{"Proxy-Authorization", true},
		{"Cookie", true},
		{"Set-Cookie", true},
		{"X-Api-Key", true},
		{"api_key", true},
		{"apiKey", true},
		{"DD-API-KEY", true},
		{"X-Auth-Token", true},
		{"access_token", true},
		{"X-CSRF-Token", true},
		{"password", true},
		{"passwd", true},
		{"client_secret", true},
		{"X-Amz-Security-Token", true},
		{"sessionid", true},
		{"key", true},
		{"sig", true},
		{"signature", true},
		{"private_key", true},
		{"Content-Type", false},
		{"User-Agent", false},
		{"X-Request-Id", false},
		{"Idempotency-Key", false},
		{"page", false},
		{"q", false},
		{"", false},
		{strings.Repeat("x", 100) + "token", true}, // long names are scanned whole
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.secret, redact.Key(tc.name))
		})
	}
}

func TestInternalLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		code int
		err  error
		want slog.Level
	}{
		{"200", 200, nil, slog.LevelInfo},
		{"301", 301, nil, slog.LevelInfo},
		{"404", 404, nil, slog.LevelWarn},
		{"499", 499, nil, slog.LevelInfo},
		{"499 with an internal error", 499, errors.E(errors.Internal, "x"), slog.LevelInfo},
		{"500", 500, nil, slog.LevelError},
		{"503", 503, nil, slog.LevelError},
		{"not found error", 404, errors.E(errors.NotFound, "x"), slog.LevelWarn},
		{"canceled error", 200, context.Canceled, slog.LevelInfo},
		{"plain error after a 200", 200, fmt.Errorf("x"), slog.LevelError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, levelOfHTTP(tc.code, tc.err))
		})
	}
	assert.Equal(t, slog.LevelInfo, levelOf(nil))
	assert.Equal(t, slog.LevelWarn, levelOf(errors.E(errors.Conflict, "x")))
	assert.Equal(t, slog.LevelError, levelOf(errors.E(errors.Unavailable, "x")))
}

func TestInternalRouteOf(t *testing.T) {
	t.Parallel()
	tests := []struct{ pattern, want string }{
		{"", ""},
		{"/users/{id}", "/users/{id}"},
		{"GET /users/{id}", "/users/{id}"},
		{"GET  \t/users/{id}", "/users/{id}"},
		{"POST example.com/orders", "example.com/orders"},
		{"GET /{$}", "/"},
		{"GET /files/{path...}", "/files/{path...}"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, routeOf(tc.pattern), tc.pattern)
	}
}

func TestInternalPanicErrorAndAbort(t *testing.T) {
	t.Parallel()
	err := panicError("boom")
	assert.Equal(t, errors.Internal, errors.KindOf(err))
	assert.Contains(t, err.Error(), "boom")
	assert.NotEmpty(t, errors.Stack(err))
	cause := fmt.Errorf("inner")
	assert.ErrorIs(t, panicError(cause), cause)
	assert.True(t, isAbort(http.ErrAbortHandler))
	assert.False(t, isAbort("x"))
	assert.False(t, isAbort(fmt.Errorf("wrapped: %w", http.ErrAbortHandler)), "only the sentinel itself, as net/http checks")
}

func TestInternalRecordErrorFlag(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	tests := []struct {
		name string
		err  error
		flag bool
		want int32
		kind any
	}{
		{"expected kind forced to error", errors.E(errors.NotFound, "x"), true, 1, "NotFound"},
		{"unexpected kind forced to no error", errors.E(errors.Unavailable, "x"), false, 0, "Unavailable"},
		{"status only", nil, true, 1, nil},
		{"nothing", nil, false, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mt.Reset()
			s := tracer.StartSpan("x")
			recordError(s, tc.err, tc.flag, "500: Internal Server Error")
			s.Finish()
			span := mt.FinishedSpans()[0]
			assert.Equal(t, tc.want, span.Tag(ext.MapSpanError))
			assert.Equal(t, tc.kind, span.Tag("error.kind"))
			if tc.want == 1 {
				assert.NotEmpty(t, span.Tag(ext.ErrorMsg))
			}
		})
	}
	assert.NotPanics(t, func() { recordError(nil, errors.New("x"), true, "") })
}

func TestInternalClientGone(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	assert.False(t, clientGone(ctx))
	cancel()
	assert.True(t, clientGone(ctx))
	//lint:ignore SA1012 nil ctx must not crash
	assert.False(t, clientGone(nil))
	dctx, dcancel := context.WithTimeout(context.Background(), 0)
	defer dcancel()
	<-dctx.Done()
	assert.False(t, clientGone(dctx), "a deadline is not the client leaving")
}

func TestInternalClientIP(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "192.0.2.1", clientIP("192.0.2.1:1234"))
	assert.Equal(t, "::1", clientIP("[::1]:80"))
	assert.Equal(t, "pipe", clientIP("pipe"))
	assert.Equal(t, "", clientIP(""))
}
