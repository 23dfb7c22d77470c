package ddxkafka

import (
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// carrier is a record's headers as the tracer's TextMapCarrier (and Data
// Streams'). It reads only the keys the propagators ask for: no other
// header's value reaches a span.
type carrier struct{ r *kgo.Record }

func (c carrier) ForeachKey(fn func(key, val string) error) error {
	for _, h := range c.r.Headers {
		if err := fn(h.Key, string(h.Value)); err != nil {
			return err
		}
	}
	return nil
}

// Get finds key without the tracer's walk over every header.
func (c carrier) Get(key string) (string, bool) {
	for _, h := range c.r.Headers {
		if strings.EqualFold(h.Key, key) {
			return string(h.Value), true
		}
	}
	return "", false
}

// Set adds key unless the record has it already, in any case: a header
// the caller set is theirs, and a record forwarded with its headers keeps
// the trace it came with.
func (c carrier) Set(key, val string) {
	if _, ok := c.Get(key); ok {
		return
	}
	c.r.Headers = append(c.r.Headers, kgo.RecordHeader{Key: key, Value: []byte(val)})
}

// pathwayCarrier is a carrier whose Set replaces: a record's Data Streams
// pathway is the checkpoint's, wherever it came from.
type pathwayCarrier struct{ r *kgo.Record }

func (c pathwayCarrier) Set(key, val string) {
	for i, h := range c.r.Headers {
		if strings.EqualFold(h.Key, key) {
			c.r.Headers[i].Value = []byte(val)
			return
		}
	}
	c.r.Headers = append(c.r.Headers, kgo.RecordHeader{Key: key, Value: []byte(val)})
}

// propagationHeaders are the headers the tracer and Data Streams write.
// A dead-letter record drops the original's, so that it carries the trace
// of the consume that gave up on it.
var propagationHeaders = []string{
	"x-datadog-trace-id", "x-datadog-parent-id", "x-datadog-sampling-priority",
	"x-datadog-origin", "x-datadog-tags", "traceparent", "tracestate", "baggage",
	"dd-pathway-ctx-base64",
}

func isPropagation(key string) bool {
	for _, k := range propagationHeaders {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}
