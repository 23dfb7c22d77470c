package sample

import (
	"testing"
)

func TestMask(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, sample, real string }{
		{"text time", "17:41:24.704 INFO  hello", "09:01:02.003 INFO  hello"},
		{"json time", `{"timestamp":"2026-11-26T17:24:05.038Z"}`, `{"timestamp":"2027-01-01T00:00:00.1Z"}`},
		{"trace and span ids", "dd.trace_id=6b086b39000000006e60a4367546787d dd.span_id=7953537495739037821", "dd.trace_id=6c000000000000000000000000000001 dd.span_id=123456789012345"},
		{"access duration", "duration=166687", "duration=9"},
		{"span duration", "GET /hello (http.request)  97.6µs  200", "GET /hello (http.request)  1.2ms  200"},
		{"port", "addr=127.0.0.1:8080", "addr=127.0.0.1:41234"},
		{"path", "    \t…/examples/handson/step2-errors/main.go:30", "    \t/home/me/ddx/examples/handson/step2-errors/main.go:30"},
		{"pprof header", "Time: 2026-11-26 17:24:40 UTC", "Time: 2027-01-02 09:01:02 JST"},
		{"build id", "Build ID: 3f6a2b0c", "Build ID: e18e18136f22c7b2b51ad5623e264f344133aea8"},
		{"memory", `memory.heap="56.0MiB of 64.0MiB" memory.gc_cpu_share=0.003`, `memory.heap="57.1MiB of 64.0MiB" memory.gc_cpu_share=0.12`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if a, b := Mask(tc.sample), Mask(tc.real); a != b {
				t.Errorf("masked differently:\n%s\n%s", a, b)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	out := []string{"a 1", "b 2", "c 3"}
	tests := []struct {
		name  string
		lines []string
		ok    bool
	}{
		{"in order, lines left out", []string{"a 1", "…", "c 3"}, true},
		{"a cut inside a line", []string{"a …", "c …"}, true},
		{"out of order", []string{"c 3", "a 1"}, false},
		{"not there", []string{"d 4"}, false},
		{"a cut is not a whole-line wildcard for text", []string{"b"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{TB: t}
			Match(rec, Block{File: "x.md", Lines: tc.lines}, out)
			if rec.failed == tc.ok {
				t.Errorf("Match failed=%v, want ok=%v", rec.failed, tc.ok)
			}
		})
	}
}

// recorder notes a failure instead of failing the test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

func TestWhole(t *testing.T) {
	t.Parallel()
	out := []string{"a 1", "b 2", "c 3"}
	errs := []string{"x", "y"}
	tests := []struct {
		name  string
		lines []string
		ok    bool
	}{
		{"everything", []string{"a 1", "x", "b 2", "y", "c 3"}, true},
		{"everything, the streams one after the other", []string{"a 1", "b 2", "c 3", "x", "y"}, true},
		{"a line left out without …", []string{"a 1", "c 3", "x", "y"}, false},
		{"a line left out with …", []string{"a 1", "…", "c 3", "x", "y"}, true},
		{"the end left out without …", []string{"a 1", "b 2", "x", "y"}, false},
		{"the end left out with …", []string{"a 1", "b 2", "x", "y", "…"}, true},
		{"the start left out without …", []string{"b 2", "c 3", "x", "y"}, false},
		{"the start left out with …", []string{"…", "b 2", "c 3", "x", "y"}, true},
		{"a stream not shown", []string{"a 1", "b 2", "c 3"}, false},
		{"a stream left out after …", []string{"a 1", "b 2", "c 3", "…"}, true},
		{"… is a cut in every stream", []string{"…", "c 3", "y"}, true},
		{"a cut inside a line", []string{"a …", "b 2", "c …", "x", "y"}, true},
		{"out of order", []string{"b 2", "a 1", "c 3", "x", "y"}, false},
		{"a line that is not there", []string{"a 1", "b 2", "c 3", "x", "y", "z"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{TB: t}
			Whole(rec, Block{File: "x.md", Lines: tc.lines}, out, errs)
			if rec.failed == tc.ok {
				t.Errorf("Whole failed=%v, want ok=%v", rec.failed, tc.ok)
			}
		})
	}
}
