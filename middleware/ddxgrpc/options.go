package ddxgrpc

import (
	"log/slog"

	grpctrace "github.com/DataDog/dd-trace-go/contrib/google.golang.org/grpc/v2"

	"github.com/ddx-go/ddx/outcome"
)

// Option configures the interceptors of this package.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithLogger sets the logger for access-log lines. Without it, or with nil,
// slog.Default() is used, looked up per call so that a default set later
// (ddx.Start sets one) still applies.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.logger = l })
}

// WithUntracedMethods replaces the list of full method names that get no
// span and no access-log line (by default the health service's Check, Watch
// and List), on the server and the client side. Errors and panics of these
// methods are still converted and recovered, and a panic is still logged.
// Call it with no argument to trace every method.
func WithUntracedMethods(methods ...string) Option {
	return optionFunc(func(c *config) {
		c.untraced = make(map[string]struct{}, len(methods))
		for _, m := range methods {
			c.untraced[m] = struct{}{}
		}
	})
}

// WithService sets the service of the spans the interceptors make, as
// ddx.WithService and every integration's WithService do; without it they
// take the tracer's service.
func WithService(name string) Option { return WithTracerOptions(grpctrace.WithService(name)) }

// WithTracerOptions passes options to dd-trace-go's grpc integration, which
// starts the spans (for example grpctrace.WithService). Which outcomes are
// span errors follows the Kind table: contrib's WithErrorCheck is replaced,
// and NonErrorCodes can only take flags away on the client side (on the
// server contrib never flags a span itself; the interceptor records the
// original error).
func WithTracerOptions(opts ...grpctrace.Option) Option {
	return optionFunc(func(c *config) { c.traceOpts = append(c.traceOpts, opts...) })
}

// defaultUntraced are the methods untraced by default: the standard health
// service's, which orchestrators call every few seconds.
var defaultUntraced = []string{
	"/grpc.health.v1.Health/Check",
	"/grpc.health.v1.Health/Watch",
	"/grpc.health.v1.Health/List",
}

type config struct {
	logger    *slog.Logger
	untraced  map[string]struct{}
	traceOpts []grpctrace.Option
}

func newConfig(opts []Option) *config {
	c := &config{untraced: make(map[string]struct{}, len(defaultUntraced))}
	for _, m := range defaultUntraced {
		c.untraced[m] = struct{}{}
	}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	return c
}

func (c *config) log() *slog.Logger { return outcome.Logger(c.logger) }

func (c *config) isUntraced(method string) bool {
	_, ok := c.untraced[method]
	return ok
}

// contribOptions are the options given to dd-trace-go's interceptors: the
// user's, then ours, so the error decision stays ours. The untraced list is
// shared so that contrib makes no span where we write no log line.
func (c *config) contribOptions(errCheck func(method string, err error) bool) []grpctrace.Option {
	opts := make([]grpctrace.Option, 0, len(c.traceOpts)+2)
	opts = append(opts, c.traceOpts...)
	methods := make([]string, 0, len(c.untraced))
	for m := range c.untraced {
		methods = append(methods, m)
	}
	opts = append(opts, grpctrace.WithUntracedMethods(methods...), grpctrace.WithErrorCheck(errCheck))
	return opts
}
