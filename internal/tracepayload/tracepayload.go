// Package tracepayload decodes the trace payloads dd-trace-go posts to the
// Datadog Agent's /v0.4/traces endpoint (msgpack: an array of traces, each an
// array of span maps). The test Agent and ddx's local trace view both read
// the real tracer's output through it, so what they show is what an Agent
// would receive.
package tracepayload

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/tinylib/msgp/msgp"
)

// Span is a span as the Agent receives it.
type Span struct {
	Name     string
	Service  string
	Resource string
	Type     string
	TraceID  uint64 // low 64 bits
	SpanID   uint64
	ParentID uint64
	Start    int64 // Unix nanoseconds
	Duration int64 // nanoseconds
	Error    int32
	Meta     map[string]string
	Metrics  map[string]float64

	// TraceIDHigh is the high 64 bits of the trace id in 16 hex digits, as
	// the _dd.p.tid tag carries them. The tracer puts that tag on the first
	// span of a chunk only; DecodeV04 copies it here for every span of the
	// chunk.
	TraceIDHigh string
}

// TraceID128 is the span's 128-bit trace id as 32 lowercase hex digits, the
// form ddx writes to dd.trace_id.
func (s Span) TraceID128() string {
	hi := s.TraceIDHigh
	if hi == "" {
		hi = s.Meta["_dd.p.tid"]
	}
	if len(hi) != 16 {
		hi = "0000000000000000"
	}
	return hi + fmt.Sprintf("%016x", s.TraceID)
}

// MaxPayload is the largest payload worth reading: the tracer flushes at
// 5 MiB and the Agent accepts up to 25 MiB.
const MaxPayload = 25 << 20

// ReadV04 reads a v0.4 payload of at most [MaxPayload] bytes from body and
// decodes it with [DecodeV04].
func ReadV04(body io.Reader) ([][]Span, error) {
	b, err := io.ReadAll(io.LimitReader(body, MaxPayload+1))
	if err != nil {
		return nil, fmt.Errorf("read traces: %w", err)
	}
	if len(b) > MaxPayload {
		return nil, errors.New("read traces: payload larger than 25 MiB")
	}
	return DecodeV04(b)
}

// DecodeV04 decodes a v0.4 payload into its traces (chunks of one trace's
// spans, as the tracer grouped them). It never panics on bad input, and
// never allocates for more elements or longer strings than the payload has
// bytes.
func DecodeV04(payload []byte) (traces [][]Span, err error) {
	defer func() {
		// msgp's generic reader is not built for hostile input; a panic
		// here would take down the Agent or, for the local view, the
		// tracer's flush goroutine.
		if v := recover(); v != nil {
			traces, err = nil, fmt.Errorf("decode traces: %v", v)
		}
	}()
	r := msgp.NewReader(bytes.NewReader(payload))
	// Every element and every string byte takes at least a byte of the
	// payload: a length header claiming more is a lie, refused before
	// anything is allocated for it.
	r.SetMaxElements(uint32(min(len(payload), MaxPayload)))
	r.SetMaxStringLength(uint64(len(payload)))
	raw, err := r.ReadIntf()
	if err != nil {
		return nil, fmt.Errorf("decode traces: %w", err)
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, errors.New("decode traces: payload is not an array")
	}
	traces = make([][]Span, 0, len(list))
	for _, t := range list {
		trace, ok := t.([]any)
		if !ok {
			return nil, errors.New("decode traces: trace is not an array")
		}
		spans := make([]Span, 0, len(trace))
		for _, s := range trace {
			m, ok := s.(map[string]any)
			if !ok {
				return nil, errors.New("decode traces: span is not a map")
			}
			spans = append(spans, toSpan(m))
		}
		shareTraceIDHigh(spans)
		traces = append(traces, spans)
	}
	return traces, nil
}

// shareTraceIDHigh gives every span of a chunk the high half of its trace
// id, which the tracer writes on one span of the chunk.
func shareTraceIDHigh(chunk []Span) {
	high := map[uint64]string{}
	for _, s := range chunk {
		if hi := s.Meta["_dd.p.tid"]; hi != "" {
			high[s.TraceID] = hi
		}
	}
	for i := range chunk {
		chunk[i].TraceIDHigh = high[chunk[i].TraceID]
	}
}

func toSpan(m map[string]any) Span {
	s := Span{
		Name:     str(m["name"]),
		Service:  str(m["service"]),
		Resource: str(m["resource"]),
		Type:     str(m["type"]),
		TraceID:  uint64(num(m["trace_id"])),
		SpanID:   uint64(num(m["span_id"])),
		ParentID: uint64(num(m["parent_id"])),
		Start:    num(m["start"]),
		Duration: num(m["duration"]),
		Error:    int32(num(m["error"])),
		Meta:     map[string]string{},
		Metrics:  map[string]float64{},
	}
	if meta, ok := m["meta"].(map[string]any); ok {
		for k, v := range meta {
			s.Meta[k] = str(v)
		}
	}
	if metrics, ok := m["metrics"].(map[string]any); ok {
		for k, v := range metrics {
			switch v := v.(type) {
			case float64:
				s.Metrics[k] = v
			case float32:
				s.Metrics[k] = float64(v)
			default:
				s.Metrics[k] = float64(num(v))
			}
		}
	}
	return s
}

func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func num(v any) int64 {
	switch v := v.(type) {
	case int64:
		return v
	case uint64:
		return int64(v)
	case int32:
		return int64(v)
	case uint32:
		return int64(v)
	case int:
		return int64(v)
	case float64:
		return int64(v)
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	default:
		return 0
	}
}
