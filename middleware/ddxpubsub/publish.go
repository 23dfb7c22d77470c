package ddxpubsub

import (
	"context"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

// Span names and tags, as dd-trace-go's contrib for Pub/Sub has them.
const (
	spanPublish   = "pubsub.publish"
	spanReceive   = "pubsub.receive"
	componentName = "cloud.google.com/go/pubsub.v2"
	tagAck        = attr.PubsubAck
	tagAttempt    = ext.PubsubDeliveryAttempt
)

// resultGrace is how long past the publisher's own timeout Publish's
// span waits for a result before it gives up on it: the client fails a
// message it could not publish within PublishSettings.Timeout, so the
// wait is a bound on a goroutine, not a deadline of the message.
const resultGrace = 10 * time.Second

// Publish publishes m with p, as p.Publish(ctx, m) does, in a
// pubsub.publish span, a child of ctx's span (a root span without one).
// The trace context (Datadog's and W3C's) is written into m.Attributes,
// an attribute the caller set being kept. The span is finished when the
// result is ready, with the server's message id or the error by the Kind
// table (see the package documentation), whether or not the caller waits
// on the result: a goroutine waits on it, at most the publisher's
// PublishSettings.Timeout and a grace, so that none outlives a message.
// p must be Stopped, as always, before the program exits.
func Publish(ctx context.Context, p *pubsub.Publisher, m *pubsub.Message) *pubsub.PublishResult {
	if ctx == nil {
		ctx = context.Background()
	}
	topic := p.String()
	o := []tracer.StartSpanOption{
		tracer.ResourceName(topic),
		tracer.SpanType(ext.SpanTypeMessageProducer),
		tracer.Tag(ext.Component, componentName),
		tracer.Tag(ext.SpanKind, ext.SpanKindProducer),
		tracer.Tag(ext.MessagingSystem, ext.MessagingSystemGCPPubsub),
		tracer.Tag(ext.MessagingOperationName, "send"),
		tracer.Tag(ext.MessagingDestinationName, topic),
		tracer.Tag(ext.PubsubMessageSize, len(m.Data)),
	}
	if m.OrderingKey != "" {
		o = append(o, tracer.Tag(ext.PubsubOrderingKey, m.OrderingKey))
	}
	if id := projectID(topic); id != "" {
		o = append(o, tracer.Tag(ext.GCPProjectID, id))
	}
	var s *tracer.Span
	if parent, ok := tracer.SpanFromContext(ctx); ok {
		s = parent.StartChild(spanPublish, o...)
	} else {
		s = tracer.StartSpan(spanPublish, o...)
	}
	if m.Attributes == nil {
		m.Attributes = make(map[string]string, 8)
	}
	_ = tracer.Inject(s.Context(), carrier(m.Attributes)) // fails only without a span context
	s.SetTag(ext.PubsubNumAttributes, len(m.Attributes))

	r := p.Publish(ctx, m)
	select {
	case <-r.Ready():
		finishPublish(ctx, s, r)
	default:
		wait := p.PublishSettings.Timeout
		if wait <= 0 {
			wait = pubsub.DefaultPublishSettings.Timeout
		}
		wait += max(p.PublishSettings.DelayThreshold, 0) + resultGrace
		go waitPublish(ctx, s, r, wait)
	}
	return r
}

func waitPublish(ctx context.Context, s *tracer.Span, r *pubsub.PublishResult, wait time.Duration) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-r.Ready():
		finishPublish(ctx, s, r)
	case <-t.C:
		err := errors.E(errors.Op("ddxpubsub.Publish"), errors.DeadlineExceeded, "no publish result within "+wait.String())
		outcome.RecordError(s, outcome.Classify(err), true, "")
		s.Finish()
	}
}

// finishPublish finishes s with r, which is ready.
func finishPublish(ctx context.Context, s *tracer.Span, r *pubsub.PublishResult) {
	id, err := r.Get(context.Background()) // ready: does not wait
	if err != nil {
		v := outcome.ClassifyIn(ctx, publishError(err))
		outcome.RecordError(s, v, !v.Kind.Expected(), "")
	} else {
		s.SetTag(ext.PubsubServerID, id)
		s.SetTag(ext.MessagingMessageID, id)
	}
	s.Finish()
}
