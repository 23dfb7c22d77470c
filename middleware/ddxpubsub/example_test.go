package ddxpubsub_test

import (
	"context"
	"fmt"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware/ddxpubsub"
)

// A handler's NotFound is acked, not redelivered: an order that no longer
// exists will not come back.
func Example() {
	srv := pstest.NewServer() // a Pub/Sub server in the process
	defer srv.Close()
	conn, _ := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	defer conn.Close()
	ctx, stop := context.WithCancel(context.Background())
	client, _ := pubsub.NewClient(ctx, "shop", option.WithGRPCConn(conn))
	defer client.Close()
	_, _ = client.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: "projects/shop/topics/orders"})
	_, _ = client.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{
		Name: "projects/shop/subscriptions/billing", Topic: "projects/shop/topics/orders"})

	publisher := client.Publisher("orders")
	defer publisher.Stop()
	id, _ := ddxpubsub.Publish(ctx, publisher, &pubsub.Message{Data: []byte("42")}).Get(ctx)

	err := ddxpubsub.Receive(ctx, client.Subscriber("billing"), func(ctx context.Context, m *pubsub.Message) error {
		defer stop() // one message for the example
		fmt.Println("bill order", string(m.Data))
		return errors.E(errors.NotFound, "order "+string(m.Data)+" not found")
	})
	fmt.Println(errors.Is(err, context.Canceled))
	fmt.Println("acked:", acked(srv, id))
	// Output:
	// bill order 42
	// true
	// acked: true
}
