package tracepayload

import (
	"bytes"

	"github.com/tinylib/msgp/msgp"
)

// EncodeV04 lays traces out as the tracer does in a v0.4 payload, the
// inverse of DecodeV04, for tests that need a payload.
func EncodeV04(traces ...[]Span) ([]byte, error) {
	var buf bytes.Buffer
	w := msgp.NewWriter(&buf)
	if err := w.WriteArrayHeader(uint32(len(traces))); err != nil {
		return nil, err
	}
	for _, tr := range traces {
		if err := w.WriteArrayHeader(uint32(len(tr))); err != nil {
			return nil, err
		}
		for _, s := range tr {
			meta := make(map[string]any, len(s.Meta))
			for k, v := range s.Meta {
				meta[k] = v
			}
			metrics := make(map[string]any, len(s.Metrics))
			for k, v := range s.Metrics {
				metrics[k] = v
			}
			if err := w.WriteIntf(map[string]any{
				"name": s.Name, "service": s.Service, "resource": s.Resource, "type": s.Type,
				"trace_id": s.TraceID, "span_id": s.SpanID, "parent_id": s.ParentID,
				"start": s.Start, "duration": s.Duration, "error": s.Error, "meta": meta, "metrics": metrics,
			}); err != nil {
				return nil, err
			}
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
