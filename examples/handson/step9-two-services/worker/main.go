// Step 9, the worker: it consumes the orders the shop publishes and asks
// the shop for each item's stock. Its spans join the trace the shop's
// request started: the record's headers carry it.
//
//	cd step9-two-services
//	go run ./worker    # after the shop, in another terminal; Ctrl-C stops it
//
// ddxkafka.Consume gives each record a span, a child of the shop's produce
// span, and one "kafka message" line; the handler's error decides the
// record's fate. An order it cannot use (no such item, or not a number) is
// a poison message: committed, one WARN, nobody paged; a retry would not
// help. A shop that is down is an outage: the record is retried. Only what
// was settled is committed, so the consumer group (kgo.ConsumerGroup) must
// not commit on its own (kgo.DisableAutoCommit).
//
// KAFKA_BROKERS lists the brokers (the shop's, 127.0.0.1:9092, by default);
// SHOP_URL is the shop (http://localhost:8080 by default).
package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxkafka"
)

var (
	client = middleware.NewClient()
	shop   = cmp.Or(os.Getenv("SHOP_URL"), "http://localhost:8080")
)

// reserve handles one order; its error decides what becomes of the record.
func reserve(ctx context.Context, r *kgo.Record) error {
	item, err := strconv.Atoi(string(r.Value))
	if err != nil {
		return errors.E(errors.Op("orders.Reserve"), errors.Invalid, err) // poison: committed, WARN
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second) // never wait forever on a dependency
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/stock/%d", shop, item), nil)
	resp, err := client.Do(req) // ctx: the call is a span of the order's trace
	if err != nil {
		return errors.E(errors.Op("orders.Reserve"), err) // the shop is down: Unavailable, retried
	}
	defer resp.Body.Close()
	if err := middleware.CheckResponse(resp); err != nil {
		return errors.E(errors.Op("orders.Reserve"), err) // a 404, NotFound: poison, committed, WARN
	}
	slog.InfoContext(ctx, "reserved", "item.id", item)
	return nil
}

func main() {
	if err := run(); err != nil {
		os.Exit(1) // run has said why
	}
}

func run() error {
	defer ddx.Start().Stop()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	cl, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(cmp.Or(os.Getenv("KAFKA_BROKERS"), "127.0.0.1:9092"), ",")...),
		kgo.ConsumerGroup("worker"), kgo.ConsumeTopics("orders"),
		kgo.DisableAutoCommit(), kgo.BlockRebalanceOnPoll(), // Consume commits what it settled
	)
	if err != nil {
		slog.Error("invalid Kafka configuration", "error", err)
		return err
	}
	defer cl.Close()

	slog.Info("waiting for orders", "shop", shop)
	err = ddxkafka.Consume(ctx, cl, reserve) // until Ctrl-C; then it commits what it settled
	if ctx.Err() == nil {
		slog.Error("consumer failed", "error", err)
		return err
	}
	return nil
}
