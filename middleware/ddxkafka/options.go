package ddxkafka

import (
	"log/slog"
	"os"
	"strconv"
	"time"
)

// Option configures [Hooks] and [Consume]; each says which it applies to.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithService sets the service of the spans. By default a produce span
// takes the service of its parent, the application's, and a consume span
// the tracer's (the consuming application's).
func WithService(name string) Option { return optionFunc(func(c *config) { c.service = name }) }

// WithRetries sets how many times [Consume] runs the handler again on a
// record whose failure is not an expected kind (3 by default; 0 for none).
// A negative n is 0.
func WithRetries(n int) Option { return optionFunc(func(c *config) { c.retries = max(n, 0) }) }

// WithBackoff sets the wait before each retry of [Consume]: base, doubled
// per retry up to limit, the upper half of it random (100 ms and 5 s by
// default; a base that is not positive does not wait).
func WithBackoff(base, limit time.Duration) Option {
	return optionFunc(func(c *config) { c.backoffBase, c.backoffLimit = base, limit })
}

// WithDeadLetter makes [Consume] produce a record whose retries are spent
// to topic, with its key, value and headers, and as headers error.kind,
// error.message, original.topic, original.partition and original.offset,
// and only then commit it. Without it such a record is committed with its
// ERROR line. An empty topic is none.
func WithDeadLetter(topic string) Option { return optionFunc(func(c *config) { c.deadLetter = topic }) }

// WithLogger sets the logger of [Consume]'s lines (slog.Default() by
// default, resolved per line).
func WithLogger(l *slog.Logger) Option { return optionFunc(func(c *config) { c.logger = l }) }

type config struct {
	service      string
	retries      int
	backoffBase  time.Duration
	backoffLimit time.Duration
	deadLetter   string
	logger       *slog.Logger
	dsm          bool
}

func newConfig(opts []Option) *config {
	c := &config{
		retries:      3,
		backoffBase:  100 * time.Millisecond,
		backoffLimit: 5 * time.Second,
		dsm:          dataStreamsEnabled(),
	}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	return c
}

// envDataStreams is the variable that turns Data Streams Monitoring on, as
// for dd-trace-go's contribs. The tracer reads it too: without it, a
// checkpoint would cost the header's parsing and record nothing.
const envDataStreams = "DD_DATA_STREAMS_ENABLED"

func dataStreamsEnabled() bool {
	on, _ := strconv.ParseBool(os.Getenv(envDataStreams))
	return on
}
