package tracepayload_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tinylib/msgp/msgp"

	"github.com/ddx-go/ddx/internal/tracepayload"
)

// encode builds a v0.4 payload the way the tracer lays it out.
func encode(t testing.TB, traces [][]map[string]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := msgp.NewWriter(&buf)
	if err := w.WriteArrayHeader(uint32(len(traces))); err != nil {
		t.Fatal(err)
	}
	for _, tr := range traces {
		if err := w.WriteArrayHeader(uint32(len(tr))); err != nil {
			t.Fatal(err)
		}
		for _, s := range tr {
			if err := w.WriteIntf(s); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeV04(t *testing.T) {
	t.Parallel()
	payload := encode(t, [][]map[string]any{
		{
			{"name": "http.request", "service": "shop", "resource": "GET /users/{id}", "type": "web",
				"trace_id": uint64(0xfedcba9876543210), "span_id": uint64(1), "parent_id": uint64(0),
				"start": int64(1_700_000_000_000_000_000), "duration": int64(12_400_000), "error": int32(1),
				"meta":    map[string]any{"_dd.p.tid": "0123456789abcdef", "http.status_code": "503"},
				"metrics": map[string]any{"_sampling_priority_v1": float64(1), "n": int64(3), "f": float32(0.5)}},
			{"name": "db.query", "trace_id": uint64(0xfedcba9876543210), "span_id": uint64(2), "parent_id": uint64(1)},
		},
		{{"name": "job.run", "trace_id": uint64(7), "span_id": uint64(3)}},
	})
	traces, err := tracepayload.DecodeV04(payload)
	if err != nil {
		t.Fatal(err)
	}
	if len(traces) != 2 || len(traces[0]) != 2 || len(traces[1]) != 1 {
		t.Fatalf("traces = %d, want chunks of 2 and 1 spans: %+v", len(traces), traces)
	}
	root := traces[0][0]
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"name", root.Name, "http.request"},
		{"service", root.Service, "shop"},
		{"resource", root.Resource, "GET /users/{id}"},
		{"type", root.Type, "web"},
		{"trace id 128", root.TraceID128(), "0123456789abcdeffedcba9876543210"},
		{"duration", root.Duration, int64(12_400_000)},
		{"error", root.Error, int32(1)},
		{"meta", root.Meta["http.status_code"], "503"},
		{"float metric", root.Metrics["_sampling_priority_v1"], 1.0},
		{"int metric", root.Metrics["n"], 3.0},
		{"float32 metric", root.Metrics["f"], 0.5},
		{"child parent", traces[0][1].ParentID, uint64(1)},
		{"child shares the 128-bit trace id", traces[0][1].TraceID128(), "0123456789abcdeffedcba9876543210"},
		{"64-bit trace id pads the high half", traces[1][0].TraceID128(), "00000000000000000000000000000007"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestDecodeV04Refuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload []byte
		want    string
	}{
		{"empty", nil, "decode traces"},
		{"not an array", encode(t, nil)[:0], "decode traces"},
		{"a map", []byte{0x80}, "payload is not an array"},
		{"trace not an array", []byte{0x91, 0x01}, "trace is not an array"},
		{"span not a map", []byte{0x91, 0x91, 0x01}, "span is not a map"},
		// array32 claiming 4 billion elements in a 5-byte payload.
		{"lying length", []byte{0xdd, 0xff, 0xff, 0xff, 0xff}, "decode traces"},
		// str32 claiming 4 GiB.
		{"lying string", []byte{0x91, 0x91, 0x81, 0xdb, 0xff, 0xff, 0xff, 0xff}, "decode traces"},
		{"truncated", encode(t, [][]map[string]any{{{"name": "x"}}})[:5], "decode traces"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tracepayload.DecodeV04(tc.payload)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestReadV04RefusesOversizedPayloads(t *testing.T) {
	t.Parallel()
	_, err := tracepayload.ReadV04(bytes.NewReader(make([]byte, tracepayload.MaxPayload+1)))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v, want a size error", err)
	}
	traces, err := tracepayload.ReadV04(bytes.NewReader(encode(t, [][]map[string]any{{{"name": "x"}}})))
	if err != nil || len(traces) != 1 || traces[0][0].Name != "x" {
		t.Fatalf("ReadV04 = %+v, %v", traces, err)
	}
}

func FuzzDecodeV04(f *testing.F) {
	f.Add(encode(f, [][]map[string]any{{{"name": "a", "meta": map[string]any{"k": "v"}, "metrics": map[string]any{"m": 1.5}}}}))
	f.Add(encode(f, [][]map[string]any{{{"trace_id": "12", "span_id": -1, "error": "x"}}, {}}))
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x91, 0x91, 0x81, 0xa1, 'k', 0xc0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		traces, err := tracepayload.DecodeV04(payload)
		if err != nil && traces != nil {
			t.Fatalf("traces and an error: %v", err)
		}
		for _, tr := range traces {
			for _, s := range tr {
				if s.Meta == nil || s.Metrics == nil {
					t.Fatal("nil maps")
				}
				_ = s.TraceID128()
			}
		}
	})
}
