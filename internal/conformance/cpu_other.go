//go:build !linux

package conformance

import "time"

var epoch = time.Now()

// threadCPU falls back to wall time where the thread's CPU time is not
// available.
func threadCPU() time.Duration { return time.Since(epoch) }
