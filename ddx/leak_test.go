package ddx_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
)

// TestStartStopRepeatedlyDoesNotLeak starts and stops ddx many times, as a
// test suite does, and checks that goroutines and heap stay flat.
func TestStartStopRepeatedlyDoesNotLeak(t *testing.T) {
	quietEnv(t)
	agent := testagent.Start(t)
	cycle := func() {
		rt := ddx.Start(ddx.WithAgentURL(agent.URL()), ddx.WithLogWriter(&testlog.Buffer{}))
		rt.Stop()
	}
	for range 5 { // warm up: dd-trace-go's one-time globals
		cycle()
	}
	before := settledGoroutines()
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	heapBefore := m.HeapAlloc
	n := 100
	if testing.Short() {
		n = 20
	}
	for range n {
		cycle()
	}
	after := settledGoroutines()
	runtime.GC()
	runtime.ReadMemStats(&m)
	assert.LessOrEqual(t, after, before+2, "goroutines grew over %d Start/Stop cycles", n)
	assert.Less(t, int64(m.HeapAlloc)-int64(heapBefore), int64(8<<20), "heap grew over %d Start/Stop cycles", n)
}

func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 50 {
		time.Sleep(10 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return m
		}
		n = m
	}
	return n
}
