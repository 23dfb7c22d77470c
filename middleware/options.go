package middleware

import (
	"log/slog"
	"strconv"
	"strings"

	"github.com/ddx-go/ddx/outcome"
)

// Each entry point takes its own kind of option (the package documentation
// has the table), so that an option it would ignore does not compile:
// [WithHealthPaths] passed to [NewClient] is a compile error, not a silent
// no-op. Options are applied in order; a later one overrides an earlier
// one; nil options are skipped. Only this package can define options.

// ServerOption configures [Wrap].
type ServerOption interface {
	applyServer(*config)
}

// ClientOption configures [NewClient] and [Transport].
type ClientOption interface {
	applyClient(*config)
}

// JobOption configures [RunJob] and [Every].
type JobOption interface {
	applyJob(*config)
}

// Option configures every entry point: [Wrap], [NewClient], [Transport],
// [RunJob] and [Every].
type Option interface {
	ServerOption
	ClientOption
	JobOption
}

// HTTPOption configures both sides of HTTP: [Wrap], and [NewClient] and
// [Transport].
type HTTPOption interface {
	ServerOption
	ClientOption
}

// ServerJobOption configures [Wrap], [RunJob] and [Every]: the entry points
// that write log lines.
type ServerJobOption interface {
	ServerOption
	JobOption
}

// The concrete options: each is exactly the kinds its constructor
// promises, so that not even a type assertion makes one serve an entry
// point it was not made for.
type (
	anyOption       func(*config) // Option
	httpOption      func(*config) // HTTPOption
	serverJobOption func(*config) // ServerJobOption
	serverOption    func(*config) // ServerOption
)

func (f anyOption) applyServer(c *config)       { f(c) }
func (f anyOption) applyClient(c *config)       { f(c) }
func (f anyOption) applyJob(c *config)          { f(c) }
func (f httpOption) applyServer(c *config)      { f(c) }
func (f httpOption) applyClient(c *config)      { f(c) }
func (f serverJobOption) applyServer(c *config) { f(c) }
func (f serverJobOption) applyJob(c *config)    { f(c) }
func (f serverOption) applyServer(c *config)    { f(c) }

// WithLogger sets the logger for access-log lines ([Wrap]) and job lines
// ([RunJob], [Every]). Without it, or with nil,
// slog.Default() is used, looked up per request so that a default set later
// (ddx.Start sets one) still applies.
func WithLogger(l *slog.Logger) ServerJobOption {
	return serverJobOption(func(c *config) { c.logger = l })
}

// WithService sets the service name of the spans [Wrap], [Transport] and
// [RunJob] make, overriding DD_SERVICE for them. Leave it out to get the
// tracer's service.
func WithService(name string) Option {
	return anyOption(func(c *config) { c.service = name })
}

// WithHealthPaths replaces the request paths that get no span and no access
// log (by default /healthz, /readyz, /livez and /ping). Paths match exactly,
// without the query string. Call it with no argument to trace every request.
// A path that does not start with "/" is a programmer error: Wrap panics.
func WithHealthPaths(paths ...string) ServerOption {
	p := append([]string(nil), paths...)
	return serverOption(func(c *config) {
		c.healthPaths = p
		c.healthSet = true
	})
}

// WithErrorStatus sets which response statuses mark a span as an error (its
// error flag, which monitors count): the server span of [Wrap], or the client
// span of [Transport] for the statuses a dependency answers. The default
// follows the Kind table: 500–599 are errors, 4xx and 499 (client went away)
// are not, unless DD_TRACE_HTTP_SERVER_ERROR_STATUSES (or, for clients,
// DD_TRACE_HTTP_CLIENT_ERROR_STATUSES) says otherwise. An error returned by a
// [HandlerFunc] always adds error.kind, and its message, type and stack when
// the span is an error. A nil isError restores the default.
func WithErrorStatus(isError func(status int) bool) HTTPOption {
	return httpOption(func(c *config) { c.isError = isError })
}

// defaultHealthPaths are the paths orchestrators and load balancers poll
// every few seconds; tracing them buries real traffic.
var defaultHealthPaths = []string{"/healthz", "/readyz", "/livez", "/ping"}

// config is shared by every entry point of the package; each reads the
// fields its options set, and transport-specific defaults are resolved by
// that entry point, not here.
type config struct {
	logger      *slog.Logger
	service     string
	healthPaths []string
	healthSet   bool // WithHealthPaths was used, even with no path
	isError     func(status int) bool
}

// newConfig applies opts over the zero config with apply (the entry
// point's kind of option); nil options are skipped.
func newConfig[O comparable](opts []O, apply func(O, *config)) config {
	var c config
	var none O
	for _, o := range opts {
		if o != none {
			apply(o, &c)
		}
	}
	return c
}

// log returns the logger to use for one line.
func (c *config) log() *slog.Logger { return outcome.Logger(c.logger) }

// healthPathSet validates and returns the health paths as a set (nil when
// empty), panicking on a programmer error as construction-time checks do.
func (c *config) healthPathSet() map[string]struct{} {
	paths := defaultHealthPaths
	if c.healthSet {
		paths = c.healthPaths
	}
	if len(paths) == 0 {
		return nil
	}
	set := make(map[string]struct{}, len(paths))
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") {
			panic("ddx/middleware: health path " + strconv.Quote(p) + " must start with \"/\"")
		}
		set[p] = struct{}{}
	}
	return set
}
