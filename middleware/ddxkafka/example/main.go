// Command example is a whole Kafka worker under ddx, the shape the
// template's README shows: JSON log lines only, probes on PORT (default
// 8080) for Kubernetes, records settled by the Kind table, and a graceful
// stop on SIGTERM that commits what was settled before the deferred Stop
// flushes the last traces. KAFKA_BROKERS lists the brokers
// (localhost:9092 by default).
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxkafka"
)

type order struct {
	ID     int `json:"id"`
	Amount int `json:"amount"`
}

// bill handles one record; its error decides what becomes of it.
func bill(ctx context.Context, r *kgo.Record) error {
	var o order
	if err := json.Unmarshal(r.Value, &o); err != nil {
		return errors.E(errors.Op("bill"), errors.Invalid, err) // poison: committed, WARN, nobody paged
	}
	slog.InfoContext(ctx, "billed", "order.id", o.ID, "amount", o.Amount)
	return nil // an Unavailable error instead: retried, then dead-lettered, ERROR
}

func main() {
	if err := run(); err != nil {
		os.Exit(1)
	}
}

func run() error {
	defer ddx.Start().Stop()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cl, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(cmp.Or(os.Getenv("KAFKA_BROKERS"), "localhost:9092"), ",")...),
		kgo.ConsumerGroup("billing"), kgo.ConsumeTopics("orders"),
		kgo.DisableAutoCommit(), kgo.BlockRebalanceOnPoll(), // Consume commits what it settled
		ddxkafka.Hooks(),
	)
	if err != nil {
		slog.Error("invalid Kafka configuration", "error", err)
		return err
	}
	defer cl.Close()

	// No routes, but probes: Kubernetes restarts a worker that stops answering.
	ln, err := net.Listen("tcp", ":"+cmp.Or(os.Getenv("PORT"), "8080"))
	if err != nil {
		slog.Error("cannot listen", "error", err)
		return err
	}
	probes := http.NewServeMux()
	probes.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	served := make(chan error, 1)
	go func() {
		served <- middleware.Serve(ctx, &http.Server{Handler: probes, ReadHeaderTimeout: 5 * time.Second}, ln, 5*time.Second)
	}()
	slog.Info("listening", "addr", "http://"+ln.Addr().String())

	// Until SIGTERM; then it commits what was settled and returns.
	err = ddxkafka.Consume(ctx, cl, bill, ddxkafka.WithDeadLetter("orders.dlq"))
	if ctx.Err() != nil {
		err = nil // stopped, as asked
	}
	if err != nil {
		slog.Error("consumer failed", "error", err)
		stop() // and the probes with it
	}
	if serr := <-served; err == nil {
		err = serr
	}
	return err
}
