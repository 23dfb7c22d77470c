package ddxkafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/internal/conformance/messaging"
	"github.com/ddx-go/ddx/middleware/ddxkafka"
	"github.com/ddx-go/ddx/outcome"
)

// kafkaAdapter is the suite's Kafka: kfake, Hooks on the producing and
// the consuming client, Consume with the suite's retries; the settlement
// is the group's committed offset, read from the broker with kadm.
var kafkaAdapter = messaging.Adapter{
	Name: "kafka", System: "kafka", Component: "twmb/franz-go",
	ProduceSpan: "kafka.produce", ConsumeSpan: "kafka.consume",
	ProduceResource: "Produce Topic " + topic, ConsumeResource: "Consume Topic " + topic,
	Destination: topic, Line: "kafka message",
	SettlementTag: "messaging.kafka.settlement",
	// Retries spent without a dead-letter topic: committed with its ERROR.
	Settlements: map[outcome.Settlement]string{outcome.Ack: "committed", outcome.Reject: "committed"},
	Start: func(t *testing.T) messaging.Broker {
		return &kafkaBroker{t: t, addrs: cluster(t)}
	},
}

type kafkaBroker struct {
	t     *testing.T
	addrs []string
}

func (b *kafkaBroker) Produce(ctx context.Context, value []byte, headers map[string]string) error {
	r := &kgo.Record{Topic: topic, Value: value}
	for k, v := range headers {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: k, Value: []byte(v)})
	}
	return client(b.t, b.addrs).ProduceSync(ctx, r).FirstErr()
}

func (b *kafkaBroker) Consume(ctx context.Context, h messaging.Handler, retries int) error {
	return ddxkafka.Consume(ctx, consumerClient(b.t, b.addrs), func(ctx context.Context, r *kgo.Record) error {
		return h(ctx, r.Value)
	}, ddxkafka.WithRetries(retries), ddxkafka.WithBackoff(time.Millisecond, 5*time.Millisecond))
}

func (b *kafkaBroker) Settlement(t *testing.T) messaging.Settlement {
	// Kafka counts no deliveries, and a consumer cannot hand a record back.
	return messaging.Settlement{Settled: committed(t, b.addrs, topic) >= 1, Deliveries: -1}
}

func TestConformance(t *testing.T) { messaging.Run(t, kafkaAdapter) }
