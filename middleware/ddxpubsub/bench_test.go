package ddxpubsub

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"cloud.google.com/go/pubsub/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/internal/benchratio"
)

// BenchmarkReceiveRatio compares, per message and in interleaved
// batches, the work around a handler: the minimal hook (extract the
// attributes, one span a child of the publisher's with the tags Datadog
// needs, finish) against Receive's (its span, the settlement by
// outcome.Consume, the ack and the "pubsub message" line, to a discarding
// logger). The tracer sends to ddxtest's Agent.
func BenchmarkReceiveRatio(b *testing.B) {
	ddxtest.Start(b)
	parent := tracer.StartSpan("pubsub.publish")
	attrs := map[string]string{"authorization": "Bearer x"}
	_ = tracer.Inject(parent.Context(), tracer.TextMapCarrier(attrs))
	parent.Finish()
	m := &pubsub.Message{ID: "m1", Data: []byte("42"), Attributes: attrs}
	h := func(context.Context, *pubsub.Message) error { return nil }
	r := newReceiver(&pubsub.Subscriber{}, h, newConfig([]Option{WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil)))}))
	ctx := context.Background()
	res := benchratio.Run(b, 25, []benchratio.Entry{
		{Name: "anchor", F: func() {
			pc, _ := tracer.Extract(tracer.TextMapCarrier(m.Attributes))
			//lint:ignore SA1019 an extracted SpanContext has no StartChild
			s := tracer.StartSpan(spanReceive, tracer.ChildOf(pc), tracer.ResourceName("projects/shop/subscriptions/billing"),
				tracer.SpanType(ext.SpanTypeMessageConsumer), tracer.Tag(ext.SpanKind, ext.SpanKindConsumer),
				tracer.Tag(ext.MessagingSystem, ext.MessagingSystemGCPPubsub), tracer.Tag(ext.MessagingMessageID, m.ID))
			_ = h(tracer.ContextWithSpan(ctx, s), m)
			m.Ack()
			s.Finish()
		}},
		{Name: "ddxpubsub", F: func() { r.handle(ctx, ctx, m) }},
	})
	benchratio.Ratio(b, res, "ddxpubsub", "anchor")
}
