// Package benchratio runs contenders of a comparative benchmark in
// interleaved batches, as the bench module does: on a shared machine, the
// best batch of each is the one least disturbed by others, and contenders
// measured side by side see the same machine.
package benchratio

import (
	"math"
	"runtime"
	"sort"
	"testing"
	"time"
)

// Entry is one contender: f is one operation (one query).
type Entry struct {
	Name string
	F    func()
}

// Result is an entry's best batch, per operation, and the time of each of
// its batches, in order.
type Result struct {
	NsPerOp     float64
	AllocsPerOp float64
	batches     []float64
}

// Run runs the entries in turn, batch operations each, in rounds until the
// benchmark stops; it reports each entry's best ns and its allocations per operation
// as "<name>-ns" and "<name>-allocs", and returns them.
func Run(b *testing.B, batch int, es []Entry) map[string]Result {
	b.Helper()
	best := make([]float64, len(es))
	allocs := make([]float64, len(es))
	for i := range best {
		best[i], allocs[i] = math.Inf(1), math.Inf(1)
	}
	times := make([][]float64, len(es))
	var before, after runtime.MemStats
	for round := 0; b.Loop(); round++ {
		// Each round starts with the next entry, so that none always
		// follows the same one (and pays for the garbage it left).
		for k := range es {
			i := (round + k) % len(es)
			e := es[i]
			runtime.ReadMemStats(&before)
			start := time.Now()
			for range batch {
				e.F()
			}
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			ns := float64(took.Nanoseconds()) / float64(batch)
			best[i] = min(best[i], ns)
			times[i] = append(times[i], ns)
			// The least too: the tracer's own goroutines allocate as well.
			allocs[i] = min(allocs[i], float64(after.Mallocs-before.Mallocs)/float64(batch))
		}
	}
	out := make(map[string]Result, len(es))
	for i, e := range es {
		out[e.Name] = Result{NsPerOp: best[i], AllocsPerOp: allocs[i], batches: times[i]}
		b.ReportMetric(best[i], e.Name+"-ns")
		b.ReportMetric(allocs[i], e.Name+"-allocs")
	}
	b.ReportMetric(0, "ns/op") // an iteration is a batch of every entry: meaningless
	return out
}

// Ratio reports a's time over b's as "a/b" and returns it: the median,
// over the rounds, of the ratio of a's batch to b's batch of the same round.
// Batches of one round ran next to each other, under the same load from
// the rest of the machine, which the best batch of each alone does not
// ensure when the load varies (a database server competing for the CPU).
func Ratio(tb *testing.B, r map[string]Result, a, b string) float64 {
	x, y := r[a].batches, r[b].batches
	ratios := make([]float64, 0, len(x))
	for i := range min(len(x), len(y)) {
		ratios = append(ratios, x[i]/y[i])
	}
	if len(ratios) == 0 {
		return math.NaN()
	}
	sort.Float64s(ratios)
	m := ratios[len(ratios)/2]
	if len(ratios)%2 == 0 {
		m = (ratios[len(ratios)/2-1] + m) / 2
	}
	tb.ReportMetric(m, a+"/"+b)
	return m
}
