package ddxgin

import (
	"log/slog"

	"github.com/ddx-go/ddx/middleware"
)

// Option configures [Middleware]. It is middleware's own server option, so
// the settings are Wrap's and mean the same: [WithHealthPaths],
// [WithLogger], [WithErrorStatus], [WithService], or any other
// middleware.ServerOption.
type Option = middleware.ServerOption

// WithHealthPaths is middleware.WithHealthPaths: the paths that get no span
// and no access-log line (by default /healthz, /readyz, /livez and /ping).
func WithHealthPaths(paths ...string) Option { return middleware.WithHealthPaths(paths...) }

// WithErrorStatus is middleware.WithErrorStatus: which statuses make the
// span an error (5xx, by default, and DD_TRACE_HTTP_SERVER_ERROR_STATUSES).
func WithErrorStatus(isError func(status int) bool) Option {
	return middleware.WithErrorStatus(isError)
}

// WithLogger is middleware.WithLogger: the logger of the access-log lines,
// slog.Default() when unset.
func WithLogger(l *slog.Logger) Option { return middleware.WithLogger(l) }

// WithService is middleware.WithService: the service of the spans,
// instead of DD_SERVICE.
func WithService(name string) Option { return middleware.WithService(name) }
