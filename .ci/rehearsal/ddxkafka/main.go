// A user's program of ddxkafka, built from the published module.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware/ddxkafka"
)

func main() {
	defer ddx.Start().Stop()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(os.Getenv("KAFKA_BROKERS"), ",")...),
		kgo.ConsumerGroup("billing"), kgo.ConsumeTopics("orders"),
		kgo.DisableAutoCommit(), kgo.BlockRebalanceOnPoll(),
		ddxkafka.Hooks(),
	)
	if err != nil {
		slog.Error("kafka client", "error", err)
		return
	}
	defer cl.Close()
	err = ddxkafka.Consume(ctx, cl, func(ctx context.Context, r *kgo.Record) error {
		if len(r.Value) == 0 {
			return errors.E(errors.Invalid, "empty order")
		}
		return cl.ProduceSync(ctx, &kgo.Record{Topic: "invoices", Value: r.Value}).FirstErr()
	}, ddxkafka.WithDeadLetter("orders.dlq"))
	if err != nil && !errors.Is(err, context.Canceled) {
		slog.Error("consume", "error", err)
	}
}
