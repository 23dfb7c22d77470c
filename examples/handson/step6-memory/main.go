// Step 6: memory, before the out-of-memory alert.
//
//	go run ./step6-memory                   # no limit: the GC lets the heap double
//	GOMEMLIMIT=64MiB go run ./step6-memory  # a limit: the GC aims below it
//	go tool pprof -top heap.pprof           # who holds the memory?
//
// In a container ddx sets GOMEMLIMIT to 90% of the memory limit, so the
// garbage collector works harder before the kernel kills the process. The
// profiler sends a heap profile like heap.pprof every minute, and when the
// heap stays above 85% of the limit, ddx logs which functions hold it.
package main

import (
	"log/slog"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"time"

	"github.com/ddx-go/ddx/ddx"
)

var cache = map[int][]byte{} // a cache that never forgets: the usual leak

func handle(id int) {
	buf := make([]byte, 1<<20) // 1 MiB of work per request
	if id%4 == 0 {
		cache[id] = buf // one in four is kept forever
	}
}

func main() {
	defer ddx.Start().Stop() // the "ddx started" line says which memory limit applies

	for id := range 200 {
		handle(id)
	}
	runtime.GC()
	// What Datadog graphs as runtime.go.metrics.gc_heap_live.bytes and gc_heap_goal.bytes.
	m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/goal:bytes"}}
	metrics.Read(m)
	slog.Info("memory", "heap.live.mib", m[0].Value.Uint64()>>20, "heap.goal.mib", m[1].Value.Uint64()>>20)

	f, _ := os.Create("heap.pprof") // what the profiler sends, as a file
	pprof.WriteHeapProfile(f)
	f.Close()

	// Stay up as a service would: with the heap this close to the limit
	// for 5 seconds, ddx logs what holds the memory, before any OOM kill.
	time.Sleep(8 * time.Second)
}
