// Package runstate lets package ddxtest see two facts package ddx does not
// export: whether a ddx Runtime is running, and when a Runtime's tracer is up.
// Package ddx fills the variables in at init; they are nil only in programs
// that do not link ddx, which cannot call them.
package runstate

var (
	// Running reports whether ddx.Start has returned a Runtime that has not
	// been stopped.
	Running func() bool

	// Started returns a channel closed when the *ddx.Runtime rt has its
	// tracer and profiler up (or has given up on them).
	Started func(rt any) <-chan struct{}
)
