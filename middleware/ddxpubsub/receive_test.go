package ddxpubsub_test

import (
	"context"
	"sync/atomic"
	"testing"

	"cloud.google.com/go/pubsub/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware/ddxpubsub"
)

// TestReceive holds what TestConformance (the brokers' shared suite) does
// not: Pub/Sub's own tags (the message id on the publish span, the
// receive span and the line, gcloud.project_id, the line's
// messaging.operation.name) and the service, on a message nacked once and
// acked at its redelivery.
func TestReceive(t *testing.T) {
	for _, c := range []struct {
		name    string
		handler ddxpubsub.Handler
		ack     string
		level   string
		kind    string // "" for a success
		isError bool
	}{
		{name: "outage", handler: func(context.Context, *pubsub.Message) error {
			return errors.E(errors.Op("orders.Bill"), errors.Unavailable, "payments down")
		}, ack: "nack", level: "ERROR", kind: "Unavailable", isError: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := start(t)
			f := newFake(t)
			request, id := publishInRequest(t, f.publisher(t, topic), "42")

			var runs atomic.Int32
			stop := receiving(t, f.client.Subscriber(subscription), func(ctx context.Context, m *pubsub.Message) error {
				if runs.Add(1) > 1 {
					return nil // the redelivery of a nacked message
				}
				return c.handler(ctx, m)
			})

			publish := rec.RequireSpan(t, ddxtest.Name("pubsub.publish"), under(request),
				ddxtest.Attr("messaging.message.id", id))
			span := rec.RequireSpan(t, ddxtest.Name("pubsub.receive"), ddxtest.ChildOf(publish),
				ddxtest.TraceID(publish.TraceID), ddxtest.Resource(subscription),
				ddxtest.Attr("span.kind", "consumer"), ddxtest.Attr("messaging.system", "googlepubsub"),
				ddxtest.Attr("component", "cloud.google.com/go/pubsub.v2"),
				ddxtest.Attr("messaging.destination.name", subscription), ddxtest.Attr("messaging.message.id", id),
				ddxtest.Attr("gcloud.project_id", project), ddxtest.Attr("pubsub.ack", c.ack),
				ddxtest.Service("billing"))
			assert.Equal(t, c.isError, span.Error, "error flag")
			line := []ddxtest.Matcher{ddxtest.Message("pubsub message"), ddxtest.Level(c.level), ddxtest.InSpan(span),
				ddxtest.Attr("messaging.system", "googlepubsub"), ddxtest.Attr("messaging.destination.name", subscription),
				ddxtest.Attr("messaging.operation.name", "receive"), ddxtest.Attr("messaging.message.id", id),
				ddxtest.Attr("pubsub.ack", c.ack)}
			if c.kind != "" {
				assert.Equal(t, c.kind, span.Meta["error.kind"], "error.kind")
				line = append(line, ddxtest.Kind(c.kind))
			}
			if c.isError {
				assert.NotEmpty(t, span.Meta["error.message"], "error.message")
			} else {
				assert.NotContains(t, span.Meta, "error.message")
				assert.NotContains(t, span.Meta, "error.stack")
			}
			rec.RequireLog(t, line...)

			settled(t, f.srv, id, c.ack == "ack")
			if c.ack == "nack" {
				// The server delivers it again, and the second run acks.
				m := settled(t, f.srv, id, true)
				assert.GreaterOrEqual(t, m.Deliveries, 2, "deliveries")
				rec.RequireSpan(t, ddxtest.Name("pubsub.receive"), ddxtest.ChildOf(publish), ddxtest.Attr("pubsub.ack", "ack"))
			}
			require.ErrorIs(t, stop(), context.Canceled)
			if c.ack == "ack" {
				rec.Flush(t)
				assert.Len(t, rec.Spans(ddxtest.Name("pubsub.receive")), 1, "receive spans of one message acked once")
				assert.EqualValues(t, 1, runs.Load(), "handler runs")
				assert.Equal(t, 0, nacks(f.srv.Message(id)), "nacks")
			}
			requireNoSecret(t, rec)
		})
	}
}

// TestReceiveShutdown: a handler that returns because Receive's context
// is done gets its message nacked, quietly: an INFO line, no span error,
// and the server delivers it again.
func TestReceiveShutdown(t *testing.T) {
	rec := start(t)
	f := newFake(t)
	_, id := publishInRequest(t, f.publisher(t, topic), "42")

	running := make(chan struct{})
	stop := receiving(t, f.client.Subscriber(subscription), func(ctx context.Context, m *pubsub.Message) error {
		close(running)
		<-ctx.Done()
		return ctx.Err()
	})
	<-running
	require.ErrorIs(t, stop(), context.Canceled)

	span := rec.RequireSpan(t, ddxtest.Name("pubsub.receive"), ddxtest.Attr("pubsub.ack", "nack"))
	assert.False(t, span.Error, "error flag")
	assert.NotContains(t, span.Meta, "error.message")
	rec.RequireLog(t, ddxtest.Message("pubsub message"), ddxtest.Level("INFO"), ddxtest.InSpan(span),
		ddxtest.Attr("pubsub.ack", "nack"))
	rec.RequireNoLog(t, ddxtest.Level("ERROR"))
	rec.RequireNoLog(t, ddxtest.Level("WARN"))
	m := f.srv.Message(id)
	assert.Zero(t, m.Acks, "acks")
	requireNoSecret(t, rec)
}

// TestReceiveIgnoresSpanInContext: the receive span's parent is the
// publisher's, never a span that happens to be in Receive's context; a
// message without a trace context starts a trace of its own.
func TestReceiveIgnoresSpanInContext(t *testing.T) {
	rec := start(t)
	f := newFake(t)
	f.srv.Publish(topic, []byte("42"), nil) // no trace context

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outer, ctx := tracerStart(ctx)
	defer outer.Finish()
	done := make(chan error, 1)
	go func() {
		done <- ddxpubsub.Receive(ctx, f.client.Subscriber(subscription), func(context.Context, *pubsub.Message) error {
			cancel()
			return nil
		})
	}()
	require.ErrorIs(t, <-done, context.Canceled)
	span := rec.RequireSpan(t, ddxtest.Name("pubsub.receive"))
	assert.Zero(t, span.ParentID, "parent of a message without a trace context")
	assert.NotEqual(t, outer.Context().TraceID(), span.TraceID, "trace")
}

func TestReceiveInvalid(t *testing.T) {
	for _, c := range []struct {
		name string
		s    *pubsub.Subscriber
		h    ddxpubsub.Handler
	}{
		{"nil subscriber", nil, func(context.Context, *pubsub.Message) error { return nil }},
		{"nil handler", &pubsub.Subscriber{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ddxpubsub.Receive(context.Background(), c.s, c.h)
			assert.Equal(t, errors.Invalid, errors.KindOf(err))
		})
	}
}
