package middleware_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

// walkCounter is a wrapper in an error's chain that counts how often the
// chain is walked through it.
type walkCounter struct {
	n   *atomic.Int64
	err error
}

func (w walkCounter) Error() string { return w.err.Error() }
func (w walkCounter) Unwrap() error { w.n.Add(1); return w.err }

// TestFailedRequestWalksItsChainFewTimes: Wrap classifies a failed
// request's error once and passes the outcome on to the status, the
// problem body, the span and the level. What remains are the walks that
// each compute something else (the public message, the span's
// error.message, type and stack); the log handler's own are left out by a
// logger that is off.
func TestFailedRequestWalksItsChainFewTimes(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	for _, tc := range []struct {
		name string
		kind errors.Kind
		max  int64
	}{
		// Error's look for a creation stack, the one classification (kind
		// and code), Public (its own kind, then its message). Before the
		// Verdict: 10.
		{"expected", errors.NotFound, 5},
		// The same without the message, and the span's Message, TypeName
		// (its kind check, then its kind) and Stack. Before: 12.
		{"unexpected", errors.Unavailable, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int64
			h := middleware.Wrap(middleware.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
				return walkCounter{&n, errors.E(errors.Op("users.Get"), tc.kind, "user 7")}
			}), middleware.WithLogger(slog.New(slog.DiscardHandler)))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/users/7", nil))
			if got := n.Load(); got > tc.max {
				t.Errorf("the error's chain was walked %d times, want at most %d", got, tc.max)
			}
		})
	}
}
