package ddx

import "time"

// WithViewWriter points the local trace view at w, for the external tests.
var WithViewWriter = withViewWriter

// KnownKey is knownKey, for the external test that checks the integrations'
// attribute names against it.
var KnownKey = knownKey

// WithStartWait sets how long Start waits for the tracer, for the external
// test of a tracer slower than that.
func WithStartWait(d time.Duration) Option {
	return optionFunc(func(c *config) { c.startWait = d })
}
