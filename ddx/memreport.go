package ddx

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ddx-go/ddx/attr"
)

// The memory pressure report. A team usually learns about memory trouble
// from the OOM kill, which leaves nothing to read. While the heap stays
// above a high-water mark of the memory limit, ddx writes one WARN to the
// service's own log, before the kill, saying what holds the memory: the
// heap, the limit, the share of CPU the garbage collector takes, and the
// allocation sites that hold the most, from the heap profile Go keeps
// anyway. When memory is fine it only reads runtime/metrics once a second.
const (
	memHighWater = 0.85            // of the memory limit
	memSustain   = 5 * time.Second // above the mark this long before a report
	memPoll      = time.Second
	memQuiet     = 5 * time.Minute // at most one report this often
	memTopSites  = 5
)

// WithMemoryReport sets whether Start watches the heap against the memory
// limit (GOMEMLIMIT, which Start sets from the container's limit) and logs
// a report of what holds the memory when the heap stays above 85% of it
// (see the README). On by default; overrides DDX_MEMORY_REPORT.
func WithMemoryReport(on bool) Option {
	return optionFunc(func(c *config) { c.memReport = &on })
}

// memReportEnabled is WithMemoryReport's setting, else DDX_MEMORY_REPORT's
// (on, off, true, false), else on.
func (c *config) memReportEnabled() bool {
	return c.onOff(c.memReport, "DDX_MEMORY_REPORT", "memory reports are on")
}

// memWatch watches the heap; its fields other than the channels are the
// goroutine's own.
type memWatch struct {
	log                     *slog.Logger
	poll, sustain, quiet    time.Duration
	highWater               float64
	samples                 []metrics.Sample
	since                   time.Time // the heap went above the mark; zero when below
	reported                bool      // a report was written for this episode
	lastReport              time.Time
	lastGCCPU, lastTotalCPU float64
	stop, done              chan struct{}
}

// Metric names read once a second.
const (
	metricHeap     = "/memory/classes/heap/objects:bytes"
	metricGCCPU    = "/cpu/classes/gc/total:cpu-seconds"
	metricTotalCPU = "/cpu/classes/total:cpu-seconds"
)

func newMemWatch(l *slog.Logger, poll, sustain, quiet time.Duration) *memWatch {
	w := &memWatch{log: l, poll: poll, sustain: sustain, quiet: quiet, highWater: memHighWater,
		samples: []metrics.Sample{{Name: metricHeap}, {Name: metricGCCPU}, {Name: metricTotalCPU}},
		stop:    make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

func (w *memWatch) close() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}

func (w *memWatch) loop() {
	defer close(w.done)
	defer func() {
		if v := recover(); v != nil { // the watch must never take the service down
			w.log.Error("ddx: the memory watch panicked and stopped", slog.Any(attr.Error, recoveredError(v)))
		}
	}()
	t := time.NewTicker(w.poll)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			w.check(now)
		}
	}
}

// check reads the heap and the limit, and reports or ends an episode.
func (w *memWatch) check(now time.Time) {
	limit := debug.SetMemoryLimit(-1)
	if limit <= 0 || limit == math.MaxInt64 {
		return // no limit: nothing to be near
	}
	metrics.Read(w.samples)
	heap := sampleUint(w.samples[0])
	gcCPU, totalCPU := sampleFloat(w.samples[1]), sampleFloat(w.samples[2])
	share := 0.0
	if d := totalCPU - w.lastTotalCPU; d > 0 {
		share = (gcCPU - w.lastGCCPU) / d
	}
	w.lastGCCPU, w.lastTotalCPU = gcCPU, totalCPU

	if float64(heap) < w.highWater*float64(limit) {
		if w.reported {
			w.log.Info("ddx: memory is back below its high-water mark",
				slog.Int64("memory.heap_bytes", int64(heap)), slog.Int64("memory.limit_bytes", limit),
				slog.Duration("memory.pressure_duration", now.Sub(w.since)))
		}
		w.since, w.reported = time.Time{}, false
		return
	}
	if w.since.IsZero() {
		w.since = now
	}
	if w.reported || now.Sub(w.since) < w.sustain || (!w.lastReport.IsZero() && now.Sub(w.lastReport) < w.quiet) {
		return
	}
	w.reported, w.lastReport = true, now
	w.report(heap, limit, share, now.Sub(w.since))
}

func (w *memWatch) report(heap uint64, limit int64, gcShare float64, above time.Duration) {
	sites := topAllocSites(memTopSites)
	attrs := []slog.Attr{
		slog.Int64("memory.heap_bytes", int64(heap)),
		slog.Int64("memory.limit_bytes", limit),
		slog.String("memory.heap", formatBytes(int64(heap))+" of "+formatBytes(limit)),
		slog.Float64("memory.gc_cpu_share", math.Round(gcShare*1000)/1000),
		slog.Duration("memory.above_for", above),
	}
	var lines []string
	for i, s := range sites {
		attrs = append(attrs, slog.Group("memory.top."+strconv.Itoa(i+1),
			slog.String("function", s.function), slog.String("file", s.file+":"+strconv.Itoa(s.line)),
			slog.Int64("bytes", s.bytes)))
		lines = append(lines, fmt.Sprintf("%s (%s:%d) %s", s.function, shortFile(s.file), s.line, formatBytes(s.bytes)))
	}
	if len(lines) > 0 {
		// The same sites in one line, for a person reading a terminal or
		// the local view.
		attrs = append(attrs, slog.String("memory.top", strings.Join(lines, "; ")))
	}
	// A constant message, the values in attributes: every report is one
	// log pattern, and a monitor can match it.
	w.log.LogAttrs(context.Background(), slog.LevelWarn, memReportMessage, attrs...)
}

// memReportMessage is the message of the memory pressure report.
const memReportMessage = "ddx: memory is near its limit"

func sampleUint(s metrics.Sample) uint64 {
	if s.Value.Kind() == metrics.KindUint64 {
		return s.Value.Uint64()
	}
	return 0
}

func sampleFloat(s metrics.Sample) float64 {
	if s.Value.Kind() == metrics.KindFloat64 {
		return s.Value.Float64()
	}
	return 0
}

// allocSite is where in-use memory was allocated.
type allocSite struct {
	function, file string
	line           int
	bytes          int64
}

// topAllocSites returns the n allocation sites holding the most in-use
// heap, by the service's frame that allocated (siteOf), from the heap
// profile the runtime keeps (as of the last garbage collection), scaled
// the way pprof scales it.
func topAllocSites(n int) []allocSite {
	var recs []runtime.MemProfileRecord
	for {
		k, ok := runtime.MemProfile(recs, false)
		if ok {
			recs = recs[:k]
			break
		}
		recs = make([]runtime.MemProfileRecord, k+50)
	}
	bySite := map[uintptr]*allocSite{}
	for i := range recs {
		r := &recs[i]
		inUse := r.InUseBytes()
		if inUse <= 0 {
			continue
		}
		pc, site := siteOf(r.Stack())
		if site == nil {
			continue
		}
		if s, ok := bySite[pc]; ok {
			s.bytes += scaleHeap(r.InUseObjects(), inUse)
			continue
		}
		site.bytes = scaleHeap(r.InUseObjects(), inUse)
		bySite[pc] = site
	}
	sites := make([]allocSite, 0, len(bySite))
	for _, s := range bySite {
		sites = append(sites, *s)
	}
	slices.SortFunc(sites, func(a, b allocSite) int { return cmp.Compare(b.bytes, a.bytes) })
	return sites[:min(n, len(sites))]
}

// siteOf returns the frame of stack a person reading the report needs: the
// first frame of the service's own code (its module's or a dependency's),
// past the runtime, the standard library and known allocation helpers,
// which allocate on a caller's behalf (internal/runtime/maps.newarray for
// a map's growth, fmt.Sprintf for a string: issue 21, item 14). Memory the
// standard library holds on its own (an idle connection's buffers, say)
// has no such frame; it is named by its first frame outside the runtime
// and the helpers (net/http's, not bufio's), else by its first frame
// outside the runtime.
func siteOf(stack []uintptr) (uintptr, *allocSite) {
	var fallback, last *runtime.Frame
	frames := runtime.CallersFrames(stack)
	for {
		f, more := frames.Next()
		if f.Function != "" {
			switch pkg := funcPackage(f.Function); {
			case !isStdPackage(pkg) && !allocHelperPackages[pkg]:
				return f.PC, &allocSite{function: f.Function, file: f.File, line: f.Line}
			case fallback == nil && !isRuntimePackage(pkg) && !allocHelperPackages[pkg]:
				fallback = &f
			case last == nil && !isRuntimePackage(pkg):
				last = &f
			}
		}
		if !more {
			break
		}
	}
	if fallback == nil {
		fallback = last
	}
	if fallback == nil {
		return 0, nil
	}
	return fallback.PC, &allocSite{function: fallback.Function, file: fallback.File, line: fallback.Line}
}

// allocHelperPackages allocate on their callers' behalf: the frame that
// called them is the site.
var allocHelperPackages = map[string]bool{
	"fmt": true, "strings": true, "bytes": true, "strconv": true, "bufio": true, "reflect": true,
	"sync": true, "slices": true, "maps": true, "sort": true, "errors": true, "io": true,
	"unicode/utf8": true, "unicode/utf16": true, "encoding/json": true, "encoding/base64": true,
	"encoding/hex": true, "encoding/binary": true, "math/big": true, "iter": true, "unique": true,
	"github.com/ddx-go/ddx/internal/jsonbuf": true,
}

// isRuntimePackage reports whether pkg is the runtime or one of its
// internals (internal/runtime/maps, internal/bytealg, runtime/debug...).
func isRuntimePackage(pkg string) bool {
	return pkg == "runtime" || strings.HasPrefix(pkg, "runtime/") || strings.HasPrefix(pkg, "internal/")
}

// isStdPackage reports whether pkg is in the standard library: its path's
// first element has no dot (golang.org/x/... has), it is not main, and no
// module of the binary provides it (a module may be named "orders").
func isStdPackage(pkg string) bool { return isStdPackageOf(pkg, binaryModules()) }

// isStdPackageOf is isStdPackage for a binary of modules mods.
func isStdPackageOf(pkg string, mods []string) bool {
	if pkg == "main" || pkg == "" {
		return false
	}
	first, _, _ := strings.Cut(pkg, "/")
	if strings.Contains(first, ".") {
		return false
	}
	for _, m := range mods {
		if pkg == m || strings.HasPrefix(pkg, m+"/") {
			return false
		}
	}
	return true
}

// binaryModules are the paths of the binary's main module and its
// dependencies whose first element has no dot: the only ones that could
// pass for the standard library.
var binaryModules = sync.OnceValue(func() []string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	var mods []string
	for _, m := range append([]*debug.Module{&bi.Main}, bi.Deps...) {
		if first, _, _ := strings.Cut(m.Path, "/"); m.Path != "" && !strings.Contains(first, ".") {
			mods = append(mods, m.Path)
		}
	}
	return mods
})

// funcPackage is the import path of a function's package, from its full
// name: "net/http.(*conn).serve" is in "net/http", "main.handle" in main,
// "example.com/x.F[...]" in "example.com/x".
func funcPackage(fn string) string {
	if i := strings.IndexByte(fn, '['); i >= 0 {
		fn = fn[:i] // type arguments may hold paths and dots of their own
	}
	slash := strings.LastIndexByte(fn, '/')
	if i := strings.IndexByte(fn[slash+1:], '.'); i >= 0 {
		return fn[:slash+1+i]
	}
	return fn
}

// scaleHeap undoes the heap profile's sampling, as runtime/pprof does: an
// allocation of average size s is sampled with probability
// 1-exp(-s/rate).
func scaleHeap(count, size int64) int64 {
	rate := int64(runtime.MemProfileRate)
	if count == 0 || size == 0 || rate <= 1 {
		return size
	}
	avg := float64(size) / float64(count)
	return int64(float64(size) / (1 - math.Exp(-avg/float64(rate))))
}

// shortFile keeps the last two elements of a path: "orders/cache.go".
func shortFile(path string) string {
	if i := strings.LastIndexByte(path, '/'); i > 0 {
		if j := strings.LastIndexByte(path[:i], '/'); j >= 0 {
			return path[j+1:]
		}
	}
	return path
}
