package ddxpubsub

import "log/slog"

// Option configures [Receive].
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithService sets the service of the pubsub.receive spans. By default
// they take the tracer's, the consuming application's. (A pubsub.publish
// span takes the service of its parent, the application's.)
func WithService(name string) Option { return optionFunc(func(c *config) { c.service = name }) }

// WithLogger sets the logger of [Receive]'s lines (slog.Default() by
// default, resolved per line).
func WithLogger(l *slog.Logger) Option { return optionFunc(func(c *config) { c.logger = l }) }

type config struct {
	service string
	logger  *slog.Logger
}

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	return c
}
