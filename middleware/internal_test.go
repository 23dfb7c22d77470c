package middleware

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

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

func TestInternalAbort(t *testing.T) {
	t.Parallel()
	assert.True(t, isAbort(http.ErrAbortHandler))
	assert.False(t, isAbort("x"))
	assert.False(t, isAbort(fmt.Errorf("wrapped: %w", http.ErrAbortHandler)), "only the sentinel itself, as net/http checks")
}
