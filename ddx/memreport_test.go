package ddx

import (
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/ddx-go/ddx/internal/testlog"
)

// held keeps holdMemory's allocation alive.
var held [][]byte

// holdMemory allocates n bytes and keeps them: the allocation site the
// report must name.
//
//go:noinline
func holdMemory(n int) {
	for range n >> 20 {
		held = append(held, make([]byte, 1<<20))
	}
}

// TestMemoryReportNamesTheAllocatingFunction: a real heap crosses a real
// limit set for the test; the watch writes one WARN that names the
// allocating function, none again while the pressure lasts, and a line
// when it ends.
func TestMemoryReportNamesTheAllocatingFunction(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	defer func() { held = nil; runtime.GC() }()

	holdMemory(96 << 20)
	runtime.GC() // the heap profile is as of the last collection
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	debug.SetMemoryLimit(int64(float64(ms.HeapAlloc) / 0.9)) // the heap is at 90% of it

	logs := &testlog.Buffer{}
	w := newMemWatch(slog.New(NewHandler(logs, nil)), 10*time.Millisecond, 50*time.Millisecond, time.Hour)
	defer w.close()

	report := waitLine(t, logs, "ddx: memory is near its limit")
	if report["status"] != "WARN" {
		t.Errorf("status = %v", report["status"])
	}
	if fn, _ := path(report, "memory.top.1", "function"); !strings.HasSuffix(fmt4(fn), ".holdMemory") {
		t.Errorf("top site = %v, want holdMemory; report: %v", fn, report)
	}
	if top, _ := report["memory.top"].(string); !strings.HasPrefix(top, "github.com/ddx-go/ddx/ddx.holdMemory (ddx/memreport_test.go:") {
		t.Errorf("memory.top does not name the site first: %q", top)
	}
	if b, _ := report["memory.heap_bytes"].(float64); b < 90<<20 {
		t.Errorf("memory.heap_bytes = %v", report["memory.heap_bytes"])
	}
	if _, ok := report["memory.gc_cpu_share"].(float64); !ok {
		t.Errorf("no memory.gc_cpu_share: %v", report)
	}
	time.Sleep(100 * time.Millisecond)
	if n := strings.Count(logs.String(), "memory is near its limit"); n != 1 {
		t.Errorf("%d reports while the pressure lasts, want 1", n)
	}

	held = nil
	runtime.GC()
	waitLine(t, logs, "ddx: memory is back below its high-water mark")
}

// TestMemoryWatchWithoutLimit: with no memory limit there is nothing to be
// near, and nothing is written.
func TestMemoryWatchWithoutLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	debug.SetMemoryLimit(1<<63 - 1)
	logs := &testlog.Buffer{}
	w := newMemWatch(slog.New(NewHandler(logs, nil)), time.Millisecond, 0, 0)
	time.Sleep(30 * time.Millisecond)
	w.close()
	w.close()
	if logs.String() != "" {
		t.Errorf("wrote %s", logs.String())
	}
}

func fmt4(v any) string { s, _ := v.(string); return s }

// waitLine waits up to 10 s for a line with message msg.
func waitLine(t *testing.T, logs *testlog.Buffer, msg string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range logs.Objects(t) {
			if m, _ := l["message"].(string); strings.HasPrefix(m, msg) {
				return l
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no line %q in:\n%s", msg, logs.String())
	return nil
}
