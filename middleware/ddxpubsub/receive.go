package ddxpubsub

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

// A Handler handles one message. Its error decides the message's fate by
// the Kind table (see [Receive]); ctx carries the message's
// pubsub.receive span and is canceled when Receive is asked to stop.
// The handler must not Ack or Nack the message: Receive does.
type Handler func(ctx context.Context, m *pubsub.Message) error

// The consumer's line and what it and the span carry beyond dd-trace-go's
// tags.
const (
	receiveMessage = "pubsub message"
	ackAck         = "ack"
	ackNack        = "nack"
	attrAttempt    = attr.PubsubDeliveryAttempt
)

// Receive receives the messages of s, as s.Receive does (concurrently, as
// s.ReceiveSettings says), and hands each to h until ctx is done. Each
// message gets one pubsub.receive span around h, a child of the
// publisher's span from the message's attributes (never of a span in
// ctx), and one line, "pubsub message", joined to it. The message is
// settled by h's error, as package outcome's Consume decides:
//
//   - nil: acked, INFO;
//   - an expected kind (Invalid, NotFound, Conflict, FailedPrecondition,
//     ...): acked, WARN, no span error; a redelivery would fail the same
//     way;
//   - Canceled while ctx is done (the service stops): nacked, INFO, no
//     span error; the message comes back to whoever receives next;
//   - any other kind, or a panic (recovered): nacked, ERROR, a span error.
//     Receive does not retry in the process: the subscription's retry
//     policy and dead-letter topic do the rest.
//
// The span's pubsub.ack tag says which, "ack" or "nack". Receive returns
// ctx's error once ctx is done and the handlers running have returned, or
// s.Receive's error when it cannot go on. Options: [WithService],
// [WithLogger].
func Receive(ctx context.Context, s *pubsub.Subscriber, h Handler, opts ...Option) error {
	const op = errors.Op("ddxpubsub.Receive")
	if ctx == nil {
		ctx = context.Background()
	}
	if s == nil || h == nil {
		return errors.E(op, errors.Invalid, "a nil subscriber or handler")
	}
	r := newReceiver(s, h, newConfig(opts))
	if err := s.Receive(ctx, func(mctx context.Context, m *pubsub.Message) { r.handle(ctx, mctx, m) }); err != nil {
		return errors.E(op, err)
	}
	return ctx.Err()
}

type receiver struct {
	h     Handler
	cfg   *config
	sub   string
	start tracer.StartSpanOption // the static part of each span
	line  atomic.Pointer[line]
}

// line is the logger of the receiver's lines, with the attributes every
// message shares already added (the handler encodes them once, and a
// message's own fit in slog.Record without an allocation), and the
// handler it was made from.
type line struct {
	base   slog.Handler
	logger *slog.Logger
}

// logger returns the lines' logger. It is resolved per message
// (slog.Default() can change): one that is not the handler the cached
// logger was made from makes it again. Messages are handled
// concurrently; two that race to make it make the same.
func (r *receiver) logger() *slog.Logger {
	l := outcome.Logger(r.cfg.logger)
	if c := r.line.Load(); c != nil && c.base == l.Handler() {
		return c.logger
	}
	c := &line{base: l.Handler(), logger: l.With(
		slog.String(outcome.AttrMessagingSystem, ext.MessagingSystemGCPPubsub),
		slog.String(outcome.AttrMessagingDestination, r.sub),
		slog.String(outcome.AttrMessagingOperation, "receive"),
	)}
	r.line.Store(c)
	return c.logger
}

func newReceiver(s *pubsub.Subscriber, h Handler, cfg *config) *receiver {
	sub := s.String()
	o := []tracer.StartSpanOption{
		tracer.ResourceName(sub),
		tracer.SpanType(ext.SpanTypeMessageConsumer),
		tracer.Tag(ext.Component, componentName),
		tracer.Tag(ext.SpanKind, ext.SpanKindConsumer),
		tracer.Tag(ext.MessagingSystem, ext.MessagingSystemGCPPubsub),
		tracer.Tag(ext.MessagingOperationName, "receive"),
		tracer.Tag(ext.MessagingDestinationName, sub),
		tracer.Measured(),
	}
	if id := projectID(sub); id != "" {
		o = append(o, tracer.Tag(ext.GCPProjectID, id))
	}
	if cfg.service != "" {
		o = append(o, tracer.ServiceName(cfg.service))
	}
	return &receiver{
		h: h, cfg: cfg, sub: sub,
		start: tracer.WithStartSpanConfig(tracer.NewStartSpanConfig(o...)),
	}
}

// handle runs the handler on m and settles m. ctx is Receive's, mctx the
// one the client gives the message (ctx's child).
func (r *receiver) handle(ctx, mctx context.Context, m *pubsub.Message) {
	start := time.Now()
	var s *tracer.Span
	if pc, err := tracer.Extract(carrier(m.Attributes)); err == nil {
		//lint:ignore SA1019 an extracted SpanContext has no StartChild; dd-trace-go's pubsubtrace uses ChildOf too
		s = tracer.StartSpan(spanReceive, tracer.ChildOf(pc), r.start, tracer.StartTime(start))
	} else {
		s = tracer.StartSpan(spanReceive, r.start, tracer.StartTime(start))
	}
	s.SetTag(ext.PubsubMessageID, m.ID)
	s.SetTag(ext.MessagingMessageID, m.ID)
	s.SetTag(ext.PubsubMessageSize, len(m.Data))
	s.SetTag(ext.PubsubNumAttributes, len(m.Attributes))
	if m.OrderingKey != "" {
		s.SetTag(ext.PubsubOrderingKey, m.OrderingKey)
	}
	if !m.PublishTime.IsZero() {
		s.SetTag(ext.PubsubPublishTime, m.PublishTime.String())
	}
	if m.DeliveryAttempt != nil {
		s.SetTag(tagAttempt, *m.DeliveryAttempt)
	}
	hctx := tracer.ContextWithSpan(mctx, s)

	err := call(hctx, r.h, m)
	// No retry in the process: the subscription's policy retries.
	d := outcome.Consume(ctx, err, 0, 0)
	ack := ackNack
	if d.Settle == outcome.Ack {
		ack = ackAck
		m.Ack()
	} else {
		// Retry, Reject and Stop: the server delivers it again, after the
		// subscription's backoff, or to its dead-letter topic.
		m.Nack()
	}

	s.SetTag(tagAck, ack)
	outcome.RecordError(s, d.Verdict, d.Flag, "")
	took := time.Since(start)
	if l := r.logger(); l.Enabled(hctx, d.Level) {
		var buf [4]slog.Attr
		attrs := append(buf[:0],
			slog.String(outcome.AttrMessagingMessageID, m.ID),
			slog.String(tagAck, ack),
		)
		if m.DeliveryAttempt != nil {
			attrs = append(attrs, slog.Int(attrAttempt, *m.DeliveryAttempt))
		}
		attrs = append(attrs, slog.Int64(outcome.AttrDuration, int64(took)))
		outcome.LogAt(hctx, l, start.Add(took), d.Level, receiveMessage, d.Verdict.Err, attrs)
	}
	s.Finish(tracer.FinishTime(start.Add(took)))
}

// call runs h, a panic becoming an Internal error as RunJob's does.
func call(ctx context.Context, h Handler, m *pubsub.Message) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = outcome.PanicError(p)
		}
	}()
	return h(ctx, m)
}
