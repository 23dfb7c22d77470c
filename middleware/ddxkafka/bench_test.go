package ddxkafka

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/benchratio"
	"github.com/ddx-go/ddx/internal/testagent"
)

// BenchmarkProduceRatio compares, per record and in interleaved batches,
// ProduceSync on one client to kfake untraced, with the minimal tracing
// hook (one span started and finished per record, the trace context
// injected into its headers, what dd-trace-go's contrib does), and with
// Hooks. Every record is produced in a request span; the tracer sends to
// an Agent that drops the payloads. The ratios are medians over rounds of
// adjacent batches (see internal/benchratio).
func BenchmarkProduceRatio(b *testing.B) {
	testagent.StartDiscarding(b)
	kafka, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"))
	if err != nil {
		b.Fatal(err)
	}
	defer kafka.Close()
	sw := &switched{anchor: anchorHooks{}, ddx: newHooks(newConfig(nil))}
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafka.ListenAddrs()...), kgo.WithHooks(sw), kgo.DefaultProduceTopic("orders"))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	value := []byte(`{"order":42,"amount":1999}`)
	produce := func(ctx context.Context) {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: value}).FirstErr(); err != nil {
			b.Fatal(err)
		}
	}
	parent := benchratio.NewParent(100)
	defer parent.Finish()
	r := benchratio.Run(b, 25, []benchratio.Entry{
		{Name: "untraced", F: func() { sw.mode = 0; produce(parent.Ctx()) }},
		{Name: "anchor", F: func() { sw.mode = 1; produce(parent.Ctx()); sw.mode = 0 }},
		{Name: "ddxkafka", F: func() { sw.mode = 2; produce(parent.Ctx()); sw.mode = 0 }},
	})
	benchratio.Ratio(b, r, "ddxkafka", "anchor")
	benchratio.Ratio(b, r, "anchor", "untraced")
	benchratio.Ratio(b, r, "ddxkafka", "untraced")
}

// BenchmarkConsumeRatio compares, per record of a poll and in interleaved
// batches, the work around a handler that returns nil: the minimal hook
// (the producer's span context extracted from the headers, one span
// started and finished around the handler) against Consume's (the span
// with its tags, the settlement, the offset marked for the commit, and
// the "kafka message" line through ddx's JSON handler to io.Discard). The
// broker's fetch and commit are the same for both and left out.
func BenchmarkConsumeRatio(b *testing.B) {
	testagent.StartDiscarding(b)
	// Records as a traced producer wrote them.
	span := tracer.StartSpan("kafka.produce")
	records := make([]*kgo.Record, 64)
	for i := range records {
		r := &kgo.Record{Topic: "orders", Partition: 3, Offset: int64(i), Value: []byte(`{"order":42}`)}
		_ = tracer.Inject(span.Context(), carrier{r})
		records[i] = r
	}
	span.Finish()
	cfg := newConfig([]Option{WithLogger(slog.New(ddx.NewHandler(io.Discard, nil)))})
	c := newConsumer(nil, func(context.Context, *kgo.Record) error { return nil }, "billing", cfg)
	anchor := func(ctx context.Context, r *kgo.Record) {
		opts := []tracer.StartSpanOption{tracer.ResourceName("Consume Topic " + r.Topic),
			tracer.SpanType(ext.SpanTypeMessageConsumer), tracer.Tag(ext.MessagingSystem, ext.MessagingSystemKafka),
			tracer.Tag(ext.MessagingKafkaPartition, r.Partition), tracer.Tag("offset", r.Offset)}
		if pc, err := tracer.Extract(carrier{r}); err == nil {
			//lint:ignore SA1019 an extracted SpanContext has no StartChild (as in consume.go)
			opts = append(opts, tracer.ChildOf(pc))
		}
		s := tracer.StartSpan("kafka.consume", opts...)
		err := c.h(tracer.ContextWithSpan(ctx, s), r)
		s.Finish(tracer.WithError(err))
	}
	ctx := context.Background()
	i := 0
	next := func() *kgo.Record { i++; return records[i%len(records)] }
	r := benchratio.Run(b, 25, []benchratio.Entry{
		{Name: "anchor", F: func() { anchor(ctx, next()) }},
		{Name: "ddxkafka", F: func() {
			if err := c.handle(ctx, next()); err != nil {
				b.Fatal(err)
			}
		}},
	})
	benchratio.Ratio(b, r, "ddxkafka", "anchor")
}

// switched is a client's hooks that are the anchor's (mode 1), ddxkafka's
// (mode 2), or nothing. Only for sequential use.
type switched struct {
	mode        int
	anchor, ddx interface {
		kgo.HookProduceRecordBuffered
		kgo.HookProduceRecordUnbuffered
	}
}

func (s *switched) OnProduceRecordBuffered(r *kgo.Record) {
	switch s.mode {
	case 1:
		s.anchor.OnProduceRecordBuffered(r)
	case 2:
		s.ddx.OnProduceRecordBuffered(r)
	}
}

func (s *switched) OnProduceRecordUnbuffered(r *kgo.Record, err error) {
	switch s.mode {
	case 1:
		s.anchor.OnProduceRecordUnbuffered(r, err)
	case 2:
		s.ddx.OnProduceRecordUnbuffered(r, err)
	}
}

// anchorHooks is the cheapest correct trace of a produced record: one
// span with the tags Datadog needs, its context in the headers.
type anchorHooks struct{}

func (anchorHooks) OnProduceRecordBuffered(r *kgo.Record) {
	span, ctx := tracer.StartSpanFromContext(r.Context, "kafka.produce",
		tracer.SpanType(ext.SpanTypeMessageProducer), tracer.ResourceName("Produce Topic "+r.Topic),
		tracer.Tag(ext.MessagingSystem, ext.MessagingSystemKafka), tracer.Tag(ext.Component, componentName),
		tracer.Tag(ext.SpanKind, ext.SpanKindProducer), tracer.Tag(ext.MessagingDestinationName, r.Topic))
	_ = tracer.Inject(span.Context(), carrier{r})
	r.Context = ctx
}

func (anchorHooks) OnProduceRecordUnbuffered(r *kgo.Record, err error) {
	span, ok := tracer.SpanFromContext(r.Context)
	if !ok {
		return
	}
	span.SetTag(ext.MessagingKafkaPartition, r.Partition)
	span.SetTag("offset", r.Offset)
	span.Finish(tracer.WithError(err))
}
