package ddx

import (
	"testing"
	"time"

	"github.com/ddx-go/ddx/errors"
)

// TestSamplingSummariesDuringOutage: while one failure keeps arriving, a
// summary comes every interval with that interval's count, not one at the
// end of the burst: a crash mid-outage loses at most one interval's count
// (issue 21, item 11). The sampler's ticker calls flush once per
// interval; the test calls it at each interval of a fake clock.
func TestSamplingSummariesDuringOutage(t *testing.T) {
	tests := []struct {
		name    string
		rate    int           // records per second
		seconds int           // length of the outage
		phase   time.Duration // the first tick, in (0, sampleWindow]: where in a window the ticks fall
	}{
		{"200/s for 6 s, ticks on the window", 200, 6, sampleWindow},
		{"200/s for 6 s, ticks mid-window", 200, 6, 500 * time.Millisecond},
		{"1000/s for 3 s", 1000, 3, 250 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, out, clock, s := newTestSampler(t)
			down := errors.E(errors.Op("prices.Fetch"), errors.Unavailable, "fetch prices")
			step := time.Second / time.Duration(tt.rate)
			start := clock.now()
			nextTick := start.Add(tt.phase)
			var perTick []float64
			tick := func() {
				before := len(out.Objects(t))
				s.flush()
				lines := out.Objects(t)
				n := 0.0
				for _, line := range lines[before:] {
					if line["message"] == summaryMessage {
						n += line["log.suppressed"].(float64)
					}
				}
				perTick = append(perTick, n)
			}
			for i := range tt.rate * tt.seconds {
				for !clock.now().Before(nextTick) {
					tick()
					nextTick = nextTick.Add(sampleWindow)
				}
				l.Error("http request", accessAttrs("/prices", 503, down)...)
				if i < tt.rate*tt.seconds-1 {
					clock.add(step)
				}
			}
			if len(perTick) < tt.seconds-1 { // a tick a second, the last maybe after the outage
				t.Fatalf("%d ticks in %d s", len(perTick), tt.seconds)
			}
			// Every tick counted the records suppressed since the last
			// (each case's first tick comes after more than the burst).
			for i, n := range perTick {
				if n == 0 {
					t.Errorf("tick %d (of %d) during the outage wrote no summary: %v", i+1, len(perTick), perTick)
				}
			}
			// Nothing lost: the last tick's summary and the bursts make the total.
			s.close()
			total := 0.0
			written := 0
			for _, line := range out.Objects(t) {
				if line["message"] == summaryMessage {
					total += line["log.suppressed"].(float64)
				} else {
					written++
				}
			}
			if int(total)+written != tt.rate*tt.seconds {
				t.Errorf("written %d + suppressed %v != %d records", written, total, tt.rate*tt.seconds)
			}
		})
	}
}
