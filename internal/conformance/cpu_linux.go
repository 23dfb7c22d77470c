package conformance

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time the calling OS thread has used: with the
// goroutine locked to its thread, the request path's own work, immune to
// the time other processes take the CPU away on a busy machine.
func threadCPU() time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
