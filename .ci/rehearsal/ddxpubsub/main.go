// A user's program of ddxpubsub, built from the published module.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"

	"cloud.google.com/go/pubsub/v2"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware/ddxpubsub"
)

func main() {
	defer ddx.Start().Stop()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	client, err := pubsub.NewClient(ctx, os.Getenv("GOOGLE_CLOUD_PROJECT"))
	if err != nil {
		slog.Error("pubsub client", "error", err)
		return
	}
	defer client.Close()
	invoices := client.Publisher("invoices")
	defer invoices.Stop()
	err = ddxpubsub.Receive(ctx, client.Subscriber("billing"), func(ctx context.Context, m *pubsub.Message) error {
		if len(m.Data) == 0 {
			return errors.E(errors.Invalid, "empty order") // acked, one WARN
		}
		_, err := ddxpubsub.Publish(ctx, invoices, &pubsub.Message{Data: m.Data}).Get(ctx)
		return err // an outage is nacked, and comes back
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		slog.Error("receive", "error", err)
	}
}
