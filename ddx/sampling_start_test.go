package ddx_test

import (
	"log/slog"
	"testing"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
)

// TestStartSuppressesRepeatedFailures: the logger Start installs turns a
// burst of one failure into its first lines and a summary, written at the
// latest by Stop; WithLogSampling(false) and DDX_LOG_SAMPLING=off write
// every line.
func TestStartSuppressesRepeatedFailures(t *testing.T) {
	tests := []struct {
		name string
		env  string
		opts []ddx.Option
		want int // "outage" lines, summaries not included
	}{
		{"default", "", nil, 10},
		{"option off", "", []ddx.Option{ddx.WithLogSampling(false)}, 200},
		{"env off", "off", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			quietEnv(t)
			t.Setenv("DDX_LOG_SAMPLING", tt.env)
			agent := testagent.Start(t)
			var out testlog.Buffer
			rt := ddx.Start(append([]ddx.Option{ddx.WithAgentURL(agent.URL()), ddx.WithLogWriter(&out),
				ddx.WithProfiling(false)}, tt.opts...)...)
			down := errors.E(errors.Op("prices.Fetch"), errors.Unavailable, "fetch prices")
			for range 200 {
				slog.Error("outage", "error", down)
			}
			rt.Stop()
			n, summaries, suppressed := 0, 0, 0.0
			for _, l := range out.Objects(t) {
				switch l["message"] {
				case "outage":
					n++
				case "ddx: repeated log lines suppressed":
					summaries++
					suppressed += l["log.suppressed"].(float64)
				}
			}
			if n != tt.want {
				t.Errorf("wrote %d lines of the outage, want %d", n, tt.want)
			}
			// Usually one summary, at Stop; two when the once-a-second
			// tick fell during the burst. The counts add up either way.
			if tt.want < 200 && (summaries < 1 || summaries > 2 || suppressed != 190) {
				t.Errorf("%d summaries count %v suppressed lines, want 1 or 2 counting 190", summaries, suppressed)
			}
			if tt.want == 200 && summaries != 0 {
				t.Errorf("%d summaries with sampling off", summaries)
			}
		})
	}
}
