package reliability_test

import (
	"context"
	"sync"
	"time"

	"github.com/ddx-go/ddx/internal/testagent"
)

// flapBench takes the agent down and brings it back every period until
// the returned func is called.
func flapBench(a *testagent.Agent, period time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for down := false; ; down = !down {
			select {
			case <-ctx.Done():
				_ = a.Up()
				return
			case <-t.C:
				if down {
					_ = a.Up()
				} else {
					a.Down()
				}
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}
