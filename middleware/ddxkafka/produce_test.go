package ddxkafka_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/ddxtest"
)

// TestProduce: each record gets a kafka.produce span, a child of the span
// of the context it was produced with, finished with its own result; its
// headers carry the trace context (Datadog's and W3C's), a header the
// caller set is kept, and the promise sees the record's own Context.
func TestProduce(t *testing.T) {
	const custom = "00-0000000000000000000000000000002a-000000000000002a-01"
	for _, c := range []struct {
		name     string
		request  bool
		headers  []kgo.RecordHeader
		value    []byte
		opts     []kgo.Opt
		kind     string // of a failure
		isError  bool
		wantHead map[string]string // headers with a known value
	}{
		{name: "in a request", request: true},
		{name: "no span in the context"},
		{name: "the caller's traceparent is kept", request: true,
			headers: []kgo.RecordHeader{{Key: "traceparent", Value: []byte(custom)}}, wantHead: map[string]string{"traceparent": custom}},
		{name: "too large", request: true, value: bytes.Repeat([]byte("x"), 4096),
			opts: []kgo.Opt{kgo.ProducerBatchMaxBytes(1024)}, kind: "Internal", isError: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := start(t)
			addrs := cluster(t)
			cl := client(t, addrs, c.opts...)
			ctx := context.Background()
			var parent *tracer.Span
			if c.request {
				parent, ctx = tracer.StartSpanFromContext(ctx, "http.request", tracer.ResourceName("POST /orders"))
			}
			value := c.value
			if value == nil {
				value = []byte("42")
			}
			r := &kgo.Record{Topic: topic, Value: value, Headers: append([]kgo.RecordHeader{{Key: "authorization", Value: []byte("Bearer " + secret)}}, c.headers...)}
			err := cl.ProduceSync(ctx, r).FirstErr()
			if parent != nil {
				parent.Finish()
			}
			assert.Equal(t, ctx, r.Context, "the record's own Context, back")
			ms := []ddxtest.Matcher{ddxtest.Name("kafka.produce"), ddxtest.Resource("Produce Topic orders"),
				ddxtest.Attr("span.kind", "producer"), ddxtest.Attr("messaging.system", "kafka"),
				ddxtest.Attr("component", "twmb/franz-go"), ddxtest.Attr("messaging.destination.name", topic)}
			if parent != nil {
				ms = append(ms, under(parent.Context().SpanID()))
			} else {
				ms = append(ms, ddxtest.SpanFunc("a root", func(s ddxtest.Span) bool { return s.ParentID == 0 }))
			}
			if c.kind != "" {
				require.Error(t, err)
				ms = append(ms, ddxtest.Kind(c.kind))
			} else {
				require.NoError(t, err)
				ms = append(ms, ddxtest.Attr("messaging.kafka.partition", 0), ddxtest.Attr("offset", 0))
			}
			span := rec.RequireSpan(t, ms...)
			assert.Equal(t, c.isError, span.Error)

			count := map[string]int{}
			for _, h := range r.Headers {
				count[h.Key]++
			}
			for _, k := range []string{"x-datadog-trace-id", "x-datadog-parent-id", "traceparent", "tracestate", "authorization"} {
				assert.Equal(t, 1, count[k], "header %s once", k)
			}
			for k, want := range c.wantHead {
				got, _ := header(r, k)
				assert.Equal(t, want, got, "header %s", k)
			}
			if c.wantHead["traceparent"] == "" {
				tid, _ := header(r, "x-datadog-parent-id")
				assert.Equal(t, span.SpanID, parseUint(t, tid), "the record's parent is its produce span")
			}
			requireNoSecret(t, rec)
		})
	}
}
