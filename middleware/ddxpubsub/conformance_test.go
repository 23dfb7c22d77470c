package ddxpubsub_test

import (
	"context"
	"maps"
	"testing"

	"cloud.google.com/go/pubsub/v2"

	"github.com/ddx-go/ddx/internal/conformance/messaging"
	"github.com/ddx-go/ddx/middleware/ddxpubsub"
	"github.com/ddx-go/ddx/outcome"
)

// pubsubAdapter is the suite's Pub/Sub: pstest, Publish and Receive; the
// settlement is the server's acks, nacks and deliveries of the message. A
// nacked message is delivered again by the server, so Receive has no
// retries of its own.
var pubsubAdapter = messaging.Adapter{
	Name: "pubsub", System: "googlepubsub", Component: "cloud.google.com/go/pubsub.v2",
	ProduceSpan: "pubsub.publish", ConsumeSpan: "pubsub.receive",
	ProduceResource: topic, ConsumeResource: subscription,
	Destination: subscription, Line: "pubsub message",
	SettlementTag: "pubsub.ack",
	Settlements:   map[outcome.Settlement]string{outcome.Ack: "ack", outcome.Reject: "nack"},
	Redelivers:    true,
	Start: func(t *testing.T) messaging.Broker {
		return &pubsubBroker{t: t, f: newFake(t)}
	},
}

type pubsubBroker struct {
	t  *testing.T
	f  *fake
	id string // of the message published
}

func (b *pubsubBroker) Produce(ctx context.Context, value []byte, headers map[string]string) error {
	m := &pubsub.Message{Data: value, Attributes: maps.Clone(headers)}
	id, err := ddxpubsub.Publish(ctx, b.f.publisher(b.t, topic), m).Get(ctx)
	b.id = id
	return err
}

func (b *pubsubBroker) Consume(ctx context.Context, h messaging.Handler, _ int) error {
	return ddxpubsub.Receive(ctx, b.f.client.Subscriber(subscription), func(ctx context.Context, m *pubsub.Message) error {
		return h(ctx, m.Data)
	})
}

func (b *pubsubBroker) Settlement(t *testing.T) messaging.Settlement {
	m := b.f.srv.Message(b.id)
	if m == nil {
		t.Fatalf("no message %s on the server", b.id)
	}
	return messaging.Settlement{Settled: m.Acks > 0, Returned: nacks(m), Deliveries: m.Deliveries}
}

func TestConformance(t *testing.T) { messaging.Run(t, pubsubAdapter) }
