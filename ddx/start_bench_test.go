package ddx_test

import (
	"testing"
	"time"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
)

// BenchmarkStart measures how long Start keeps main waiting, by what the
// Agent does. Plain tracer.Start against a hanging Agent takes about 10 s
// (measured when ddx was designed); the figure for ddx is the README's.
//
//	go test -run '^$' -bench BenchmarkStart -benchtime 20x -count 3 ./ddx/
func BenchmarkStart(b *testing.B) {
	b.Setenv("DD_INSTRUMENTATION_TELEMETRY_ENABLED", "false")
	modes := []struct {
		name string
		mode testagent.Mode
		down bool
	}{
		{"agent=healthy", testagent.Healthy, false},
		{"agent=absent", testagent.Healthy, true},
		{"agent=hangs", testagent.Hang, false},
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			a := testagent.Start(b)
			a.SetMode(m.mode)
			if m.down {
				a.Down()
			}
			for b.Loop() {
				rt := ddx.Start(ddx.WithAgentURL(a.URL()), ddx.WithLogWriter(&testlog.Buffer{}), ddx.WithProfiling(false),
					ddx.WithStopTimeout(300*time.Millisecond))
				b.StopTimer()
				rt.Stop()
				b.StartTimer()
			}
		})
	}
}
