package errors_test

import (
	"fmt"
	"log/slog"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/errors"
)

// TestMessageStableThroughForeignWrappers: an *Error with attributes that
// a wrapper of another package holds (net/http's *url.Error, fmt.Errorf's
// %w), inside an *Error again, gives the same Message whatever the
// attribute values: error.message is what Error Tracking groups by (issue
// 21, item 19). The attributes stay in Error() and in Attrs.
func TestMessageStableThroughForeignWrappers(t *testing.T) {
	t.Parallel()
	refused := &url.Error{Op: "Get", URL: "http://127.0.0.1:1/prices", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		make func(d time.Duration) error
		want string
	}{
		{"url.Error in E", func(d time.Duration) error {
			inner := errors.E(errors.Unavailable, syscall.ECONNREFUSED, slog.Duration("duration", d))
			return errors.E(errors.Op("prices.Sync"), "fetch prices", &url.Error{Op: "Get", URL: "http://127.0.0.1:1/prices", Err: inner})
		}, `prices.Sync: fetch prices: Get "http://127.0.0.1:1/prices": connection refused`},
		{"fmt %w in E", func(d time.Duration) error {
			inner := errors.E(errors.Op("db.Query"), "select", slog.Duration("duration", d))
			return errors.E(errors.Op("orders.Get"), fmt.Errorf("attempt 2: %w", inner))
		}, "orders.Get: attempt 2: db.Query: select"},
		{"two foreign layers", func(d time.Duration) error {
			deep := errors.E(errors.Op("dial"), slog.Duration("duration", d), slog.Int("attempt", int(d)))
			mid := errors.E(errors.Op("pool.Get"), fmt.Errorf("retry: %w", deep), slog.Int64("n", int64(d)))
			return errors.E(errors.Op("svc"), &url.Error{Op: "Post", URL: "http://x/charges", Err: mid})
		}, `svc: Post "http://x/charges": pool.Get: retry: dial`},
		{"plain wrapper of E of url.Error", func(d time.Duration) error {
			inner := errors.E(errors.Op("checkout"), refused, slog.Duration("duration", d))
			return fmt.Errorf("handler: %w", errors.E(errors.Op("outer"), &url.Error{Op: "Get", URL: "u", Err: inner}))
		}, `handler: outer: Get "u": checkout: Get "http://127.0.0.1:1/prices": connection refused`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tt.make(358425*time.Nanosecond), tt.make(1200*time.Microsecond)
			assert.Equal(t, tt.want, errors.Message(a))
			assert.Equal(t, errors.Message(a), errors.Message(b), "two identical failures, one message")
			assert.Equal(t, logMessage(a), logMessage(b))
			assert.Equal(t, tt.want, logMessage(a))
			assert.Contains(t, a.Error(), "=358.425µs", "Error keeps the values for a person")
			assert.NotEmpty(t, errors.Attrs(a), "the values stay attributes")
		})
	}
}

// logMessage is the message of err's log value.
func logMessage(err error) string {
	for _, a := range errors.LogValue(err).Group() {
		if a.Key == errors.KeyMessage {
			return a.Value.String()
		}
	}
	return ""
}
