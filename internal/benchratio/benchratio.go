// Package benchratio runs contenders of a comparative benchmark in
// interleaved batches, as the bench module does: on a shared machine, the
// best batch of each is the one least disturbed by others, and contenders
// measured side by side see the same machine.
package benchratio

import (
	"math"
	"runtime"
	"testing"
	"time"
)

// Entry is one contender: f is one operation (one query).
type Entry struct {
	Name string
	F    func()
}

// Result is an entry's best batch, per operation.
type Result struct {
	NsPerOp     float64
	AllocsPerOp float64
}

// Run runs the entries in turn, batch operations each, until the benchmark
// stops; it reports each entry's best ns and its allocations per operation
// as "<name>-ns" and "<name>-allocs", and returns them.
func Run(b *testing.B, batch int, es []Entry) map[string]Result {
	b.Helper()
	best := make([]float64, len(es))
	allocs := make([]float64, len(es))
	for i := range best {
		best[i], allocs[i] = math.Inf(1), math.Inf(1)
	}
	var before, after runtime.MemStats
	for b.Loop() {
		for i, e := range es {
			runtime.ReadMemStats(&before)
			start := time.Now()
			for range batch {
				e.F()
			}
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			best[i] = min(best[i], float64(took.Nanoseconds())/float64(batch))
			// The least too: the tracer's own goroutines allocate as well.
			allocs[i] = min(allocs[i], float64(after.Mallocs-before.Mallocs)/float64(batch))
		}
	}
	out := make(map[string]Result, len(es))
	for i, e := range es {
		out[e.Name] = Result{NsPerOp: best[i], AllocsPerOp: allocs[i]}
		b.ReportMetric(best[i], e.Name+"-ns")
		b.ReportMetric(allocs[i], e.Name+"-allocs")
	}
	b.ReportMetric(0, "ns/op") // an iteration is a batch of every entry: meaningless
	return out
}

// Ratio reports a's time over b's as "a/b" and returns it.
func Ratio(tb *testing.B, r map[string]Result, a, b string) float64 {
	x := r[a].NsPerOp / r[b].NsPerOp
	tb.ReportMetric(x, a+"/"+b)
	return x
}
