package ddxkafka

import (
	"context"

	"github.com/DataDog/dd-trace-go/v2/datastreams"
	"github.com/DataDog/dd-trace-go/v2/datastreams/options"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/outcome"
)

// Span names and tags, as dd-trace-go's contrib for franz-go has them.
const (
	spanProduce   = "kafka.produce"
	spanConsume   = "kafka.consume"
	componentName = "twmb/franz-go"
	tagOffset     = "offset"
	tagGroup      = attr.KafkaGroup
)

// Hooks returns the option of kgo.NewClient that traces producing: each
// record given to Produce or ProduceSync gets a kafka.produce span, a
// child of the span in the context given with it, finished with the
// record's own result (its partition and offset, or its error by the Kind
// table), and the trace context in its headers (Datadog's and W3C's), a
// header the caller set being kept. Options: [WithService].
func Hooks(opts ...Option) kgo.Opt { return kgo.WithHooks(newHooks(newConfig(opts))) }

type hooks struct {
	cfg   *config
	start tracer.StartSpanOption // the static part of each span
}

var (
	_ kgo.HookProduceRecordBuffered   = (*hooks)(nil)
	_ kgo.HookProduceRecordUnbuffered = (*hooks)(nil)
)

func newHooks(cfg *config) *hooks {
	o := []tracer.StartSpanOption{
		tracer.SpanType(ext.SpanTypeMessageProducer),
		tracer.Tag(ext.Component, componentName),
		tracer.Tag(ext.SpanKind, ext.SpanKindProducer),
		tracer.Tag(ext.MessagingSystem, ext.MessagingSystemKafka),
	}
	if cfg.service != "" {
		o = append(o, tracer.ServiceName(cfg.service))
	}
	return &hooks{cfg: cfg, start: tracer.WithStartSpanConfig(tracer.NewStartSpanConfig(o...))}
}

// produceCtx carries a record's span from the buffered hook to the
// unbuffered one in the record's Context, which franz-go hands to both;
// the record gets its own Context back before its promise runs.
type produceCtx struct {
	context.Context
	span *tracer.Span
}

func (h *hooks) OnProduceRecordBuffered(r *kgo.Record) {
	parent := r.Context
	if parent == nil {
		parent = context.Background()
	}
	var s *tracer.Span
	if p, ok := tracer.SpanFromContext(parent); ok {
		s = p.StartChild(spanProduce, h.start)
	} else {
		s = tracer.StartSpan(spanProduce, h.start)
	}
	s.SetTag(ext.ResourceName, "Produce Topic "+r.Topic)
	s.SetTag(ext.MessagingDestinationName, r.Topic)
	_ = tracer.Inject(s.Context(), carrier{r}) // fails only without a span context
	if h.cfg.dsm {
		produceCheckpoint(parent, r)
	}
	r.Context = &produceCtx{Context: parent, span: s}
}

func (h *hooks) OnProduceRecordUnbuffered(r *kgo.Record, err error) {
	pc, ok := r.Context.(*produceCtx)
	if !ok {
		return
	}
	r.Context = pc.Context
	s := pc.span
	if r.Partition >= 0 {
		s.SetTag(ext.MessagingKafkaPartition, r.Partition)
	}
	if err != nil {
		v := outcome.ClassifyIn(pc.Context, err)
		outcome.RecordError(s, v, !v.Kind.Expected(), "")
	} else {
		s.SetTag(tagOffset, r.Offset)
		if h.cfg.dsm {
			tracer.TrackKafkaProduceOffset(r.Topic, r.Partition, r.Offset)
		}
	}
	s.Finish()
}

// produceCheckpoint sets Data Streams' produce checkpoint of r and writes
// its pathway into r's headers. The pathway continues the one in ctx (a
// record produced by a consumer's handler) or, failing that, the one the
// record's headers carry.
func produceCheckpoint(ctx context.Context, r *kgo.Record) {
	if _, ok := datastreams.PathwayFromContext(ctx); !ok {
		ctx = datastreams.ExtractFromBase64Carrier(ctx, carrier{r})
	}
	ctx, ok := tracer.SetDataStreamsCheckpointWithParams(ctx, options.CheckpointParams{PayloadSize: recordSize(r)},
		"direction:out", "topic:"+r.Topic, "type:kafka")
	if ok {
		datastreams.InjectToBase64Carrier(ctx, pathwayCarrier{r})
	}
}

func recordSize(r *kgo.Record) int64 {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return int64(n)
}
