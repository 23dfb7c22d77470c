package ddxkafka_test

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware/ddxkafka"
)

// A handler's NotFound is committed, not retried: an order that no longer
// exists will not come back.
func Example() {
	kafka, _ := kfake.NewCluster(kfake.SeedTopics(1, "orders"))
	defer kafka.Close()
	cl, _ := kgo.NewClient(
		kgo.SeedBrokers(kafka.ListenAddrs()...),
		kgo.ConsumerGroup("billing"), kgo.ConsumeTopics("orders"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(), kgo.BlockRebalanceOnPoll(),
		ddxkafka.Hooks(),
	)
	defer cl.Close()

	ctx, stop := context.WithCancel(context.Background())
	_ = cl.ProduceSync(ctx, &kgo.Record{Topic: "orders", Value: []byte("42")}).FirstErr()
	err := ddxkafka.Consume(ctx, cl, func(ctx context.Context, r *kgo.Record) error {
		defer stop() // one record for the example
		fmt.Println("bill order", string(r.Value))
		return errors.E(errors.NotFound, "order "+string(r.Value)+" not found")
	})
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// bill order 42
	// true
}
