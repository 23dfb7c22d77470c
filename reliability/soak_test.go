package reliability_test

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
)

// heapSample is the live heap and goroutine count at one moment of a soak.
type heapSample struct {
	at         time.Duration
	heap       uint64 // HeapAlloc after a GC: live bytes
	goroutines int
}

// TestMemoryBoundedDuringAgentOutage keeps the service under a steady load
// (-soak-rate requests per second, 1000 by default) while the Agent is out — refusing connections, then accepting and never
// answering, the worse case since every send holds its payload until the
// 10 s request timeout — and samples the live heap after a forced GC.
// dd-trace-go bounds what it keeps (a queue of 1000 trace chunks, payloads
// flushed every 2 s and dropped when the send fails, at most 100 sends in
// flight), so the heap must level off: after a warm-up (a fifth of the run,
// at least 75 s when the run is long enough, at most a third of it: the
// profiler's first upload, at one minute, allocates its compressor for
// good, and a hanging Agent holds each payload for the 10 s request
// timeout), the median sample of the second half
// must stay within 25% (plus 4 MiB for GC noise) of the median of the
// first half. Goroutines must level off the same way. The level itself
// depends on the request rate: with a hanging Agent it is about 10 s worth
// of spans (see the README's Reliability section); 256 MiB over the
// baseline is a backstop against runaway growth in short runs.
//
// By default each outage lasts a few seconds; -soak sets it:
//
//	go test ./reliability -run Memory -soak 3m -soak-rate 1000 -v
func TestMemoryBoundedDuringAgentOutage(t *testing.T) {
	outages := []agentFault{agentFaults[0], agentFaults[1]} // refuses, hangs
	for _, f := range outages {
		t.Run(f.name, func(t *testing.T) {
			agent := testagent.Start(t)
			f.start(t, agent)
			rt, logs := startDDX(t, agent.URL(), ddx.WithStopTimeout(stopTimeout))
			svc := startService(t, serviceMux())

			base := sampleHeap(0)
			every := max(*soak/40, 100*time.Millisecond)
			var samples []heapSample
			done := make(chan loadResult, 1)
			begin := time.Now()
			go func() {
				const workers = 4
				every := time.Second * workers / time.Duration(max(*soakRate, 1))
				done <- svc.paced(workers, *soak, 0, every, func(i int) string { return fmt.Sprintf("/work/%d", i) })
			}()
			tick := time.NewTicker(every)
			var res loadResult
		sampling:
			for {
				select {
				case res = <-done:
					break sampling
				case <-tick.C:
					samples = append(samples, sampleHeap(time.Since(begin)))
				}
			}
			tick.Stop()

			assertAllAnswered(t, res)
			svc.close()
			rt.Stop()
			logs.check(t)

			warm := min(max(*soak/5, 75*time.Second), *soak/3)
			mid := warm + (*soak-warm)/2
			var early, late []heapSample // after warm-up, the first and second halves
			var peak uint64
			for _, s := range samples {
				peak = max(peak, s.heap)
				switch {
				case s.at < warm:
				case s.at < mid:
					early = append(early, s)
				default:
					late = append(late, s)
				}
			}
			if len(early) < 3 || len(late) < 3 {
				t.Fatalf("too few samples (%d) to compare", len(samples))
			}
			// Medians: a sample lands anywhere between two flushes, so the
			// heap it sees swings by up to a payload; a leak moves the median.
			eh, lh := median(early, heapOf), median(late, heapOf)
			eg, lg := median(early, goroutinesOf), median(late, goroutinesOf)
			t.Logf("%s for %v: %d requests (%.0f/s); live heap baseline %.1f MiB, peak %.1f MiB; "+
				"after warm-up (%v), median %.1f MiB in the first half, %.1f MiB in the second; goroutines %d then %d",
				f.name, *soak, res.requests, float64(res.requests)/soak.Seconds(), mib(base.heap), mib(peak),
				warm, mib(eh), mib(lh), eg, lg)
			if *soak >= time.Minute {
				var b strings.Builder
				for _, s := range samples {
					fmt.Fprintf(&b, " %v:%.0fMiB/%dg", s.at.Round(time.Second), mib(s.heap), s.goroutines)
				}
				t.Logf("samples (time:live heap/goroutines):%s", b.String())
			}

			assert.Less(t, peak, base.heap+256<<20, "the heap grew by more than 256 MiB during the outage")
			assert.LessOrEqual(t, lh, eh+eh/4+4<<20, "the heap is still growing: %.1f MiB, then %.1f MiB", mib(eh), mib(lh))
			assert.LessOrEqual(t, lg, eg+eg/4+10, "goroutines are still growing")
		})
	}
}

func sampleHeap(at time.Duration) heapSample {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return heapSample{at: at, heap: m.HeapAlloc, goroutines: serviceGoroutines()}
}

// serviceGoroutines counts goroutines, leaving out the test Agent's
// handlers: a hanging Agent's handler never learns that the client gave up
// (net/http notices a closed connection only once the request body is
// read, and a hanging Agent reads nothing), so those pile up in the test
// process; a real Agent is another process.
func serviceGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	n := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if !bytes.Contains(g, []byte("internal/testagent.(*Agent).handle")) {
			n++
		}
	}
	return n
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func heapOf(s heapSample) uint64       { return s.heap }
func goroutinesOf(s heapSample) uint64 { return uint64(s.goroutines) }

// median of f over ss.
func median(ss []heapSample, f func(heapSample) uint64) uint64 {
	vs := make([]uint64, len(ss))
	for i, s := range ss {
		vs[i] = f(s)
	}
	slices.Sort(vs)
	return vs[len(vs)/2]
}
