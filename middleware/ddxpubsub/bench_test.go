package ddxpubsub

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/internal/benchratio"
)

// BenchmarkPublishRatio compares, per message and in interleaved batches,
// a publish to pstest that waits for its result: untraced, with the
// minimal hook (one span a child of the request's, the trace context in
// the attributes, finished with the server's id: what dd-trace-go's
// contrib does), and with Publish (whose span a goroutine finishes when
// the result is ready). Every message is published in a request span;
// the publisher sends each message at once (no batching delay), so that
// the round trip to the server is the same for all three.
func BenchmarkPublishRatio(b *testing.B) {
	ddxtest.Start(b)
	srv := pstest.NewServer()
	defer srv.Close()
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	client, err := pubsub.NewClient(ctx, "shop", option.WithGRPCConn(conn))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	const topic = "projects/shop/topics/orders"
	if _, err := client.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topic}); err != nil {
		b.Fatal(err)
	}
	p := client.Publisher(topic)
	p.PublishSettings.DelayThreshold = 0
	p.PublishSettings.CountThreshold = 1
	defer p.Stop()
	data := []byte(`{"order":42,"amount":1999}`)
	wait := func(r *pubsub.PublishResult) string {
		id, err := r.Get(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return id
	}
	parent := benchratio.NewParent(100)
	defer parent.Finish()
	res := benchratio.Run(b, 25, []benchratio.Entry{
		{Name: "untraced", F: func() { wait(p.Publish(parent.Ctx(), &pubsub.Message{Data: data})) }},
		{Name: "anchor", F: func() {
			span, _ := tracer.SpanFromContext(parent.Ctx())
			s := span.StartChild(spanPublish, tracer.ResourceName(topic), tracer.SpanType(ext.SpanTypeMessageProducer),
				tracer.Tag(ext.SpanKind, ext.SpanKindProducer), tracer.Tag(ext.MessagingSystem, ext.MessagingSystemGCPPubsub))
			m := &pubsub.Message{Data: data, Attributes: map[string]string{}}
			_ = tracer.Inject(s.Context(), tracer.TextMapCarrier(m.Attributes))
			s.SetTag(ext.MessagingMessageID, wait(p.Publish(parent.Ctx(), m)))
			s.Finish()
		}},
		{Name: "ddxpubsub", F: func() { wait(Publish(parent.Ctx(), p, &pubsub.Message{Data: data})) }},
	})
	benchratio.Ratio(b, res, "ddxpubsub", "anchor")
	benchratio.Ratio(b, res, "anchor", "untraced")
	benchratio.Ratio(b, res, "ddxpubsub", "untraced")
}

// BenchmarkReceiveRatio compares, per message and in interleaved
// batches, the work around a handler: the minimal hook (extract the
// attributes, one span a child of the publisher's with the tags Datadog
// needs, finish) against Receive's (its span, the settlement by
// outcome.Consume, the ack and the "pubsub message" line through ddx's
// JSON handler to io.Discard). The tracer sends to ddxtest's Agent.
func BenchmarkReceiveRatio(b *testing.B) {
	ddxtest.Start(b)
	parent := tracer.StartSpan("pubsub.publish")
	attrs := map[string]string{"authorization": "Bearer x"}
	_ = tracer.Inject(parent.Context(), tracer.TextMapCarrier(attrs))
	parent.Finish()
	m := &pubsub.Message{ID: "m1", Data: []byte("42"), Attributes: attrs}
	h := func(context.Context, *pubsub.Message) error { return nil }
	r := newReceiver(&pubsub.Subscriber{}, h, newConfig([]Option{WithLogger(slog.New(ddx.NewHandler(io.Discard, nil)))}))
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
