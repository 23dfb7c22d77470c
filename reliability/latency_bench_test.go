package reliability_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
)

// BenchmarkRequestUnderAgentFault measures what a client of the service
// sees — the latency of requests through middleware.Wrap over loopback,
// with the real tracer, the profiler and runtime metrics on — while the
// Agent is healthy, then while it refuses, hangs, fails, answers garbage,
// answers slowly, or flaps (down and up every 500 ms). It reports p50 and
// p99 in nanoseconds and, when agent=healthy ran first in the same run,
// p99 as a ratio of the healthy p99 ("p99/healthy"): the bound is
// 1.2. Run with a benchtime longer than the tracer's 2 s flush interval so
// that flushes meet the fault:
//
//	go test ./reliability -run '^$' -bench RequestUnderAgentFault -benchtime 5s -count 5
func BenchmarkRequestUnderAgentFault(b *testing.B) {
	faults := append([]agentFault{{name: "healthy",
		start: func(testing.TB, *testagent.Agent) {}, heal: func(testing.TB, *testagent.Agent) {}}},
		agentFaults...)
	faults = append(faults, agentFault{name: "flaps"})
	var healthyP99 time.Duration
	for _, f := range faults {
		agent, err := testagent.New()
		if err != nil {
			b.Fatal(err)
		}
		stopFlap := func() {}
		if f.name == "flaps" {
			stopFlap = flap(agent, 500*time.Millisecond)
		} else {
			f.start(b, agent)
		}
		rt, _ := startDDX(b, agent.URL(), ddx.WithStopTimeout(stopTimeout))
		svc := startService(b, serviceMux())

		b.Run("agent="+f.name, func(b *testing.B) {
			p50, p99 := measureRequests(b, svc)
			b.ReportMetric(float64(p50), "p50-ns")
			b.ReportMetric(float64(p99), "p99-ns")
			switch {
			case f.name == "healthy":
				healthyP99 = p99
			case healthyP99 > 0:
				b.ReportMetric(float64(p99)/float64(healthyP99), "p99/healthy")
			}
		})

		stopFlap()
		svc.close()
		rt.Stop()
		agent.Close()
	}
}

// measureRequests sends b.N requests from 4×GOMAXPROCS goroutines and
// returns the p50 and p99 of their latencies.
func measureRequests(b *testing.B, svc *service) (p50, p99 time.Duration) {
	var mu sync.Mutex
	all := make([]time.Duration, 0, b.N)
	var seq atomic.Int64
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		lat := make([]time.Duration, 0, 1024)
		for pb.Next() {
			path := fmt.Sprintf("/work/%d", seq.Add(1))
			begin := time.Now()
			code, err := svc.get(context.Background(), path)
			lat = append(lat, time.Since(begin))
			if err != nil || code != 200 {
				b.Errorf("request answered %d, %v", code, err)
				return
			}
		}
		mu.Lock()
		all = append(all, lat...)
		mu.Unlock()
	})
	b.StopTimer()
	return percentile(all, 50), percentile(all, 99)
}

// flap takes the agent down and brings it back every period until the
// returned func is called.
func flap(agent *testagent.Agent, period time.Duration) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(period)
		defer t.Stop()
		down := false
		for {
			select {
			case <-done:
				if down {
					_ = agent.Up()
				}
				return
			case <-t.C:
				if down {
					_ = agent.Up()
				} else {
					agent.Down()
				}
				down = !down
			}
		}
	}()
	return func() { close(done); <-stopped }
}
