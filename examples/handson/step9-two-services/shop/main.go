// Step 9, the shop: an HTTP service that publishes an event for another
// service, the worker, to handle. One trace goes through both.
//
//	cd step9-two-services
//	go run ./shop                              # then the worker, in another terminal
//	curl -i -X POST localhost:8080/orders/1    # 202: the worker reserves item 1
//	curl -i -X POST localhost:8080/orders/0    # 202 too; the worker finds no item 0
//
// POST /orders/{item} publishes an "orders" record to Kafka, inside the
// request's context: ddxkafka.Hooks gives the record a span under the
// request's and writes the trace into the record's headers. GET
// /stock/{item} is what the worker asks for each order.
//
// There is no Kafka to install: the shop runs a broker in its process
// (kfake, franz-go's test broker) on 127.0.0.1:9092, or on KAFKA_PORT
// (0 picks a free one); with KAFKA_BROKERS set it uses those brokers
// instead. Ctrl-C stops it; PORT changes the HTTP port (PORT=0 picks a
// free one).
package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxkafka"
)

var kafka *kgo.Client

var stock = map[string]int{"1": 3, "2": 5} // units left per item; there is no item 0

func order(w http.ResponseWriter, r *http.Request) error {
	rec := &kgo.Record{Topic: "orders", Value: []byte(r.PathValue("item"))}
	if err := kafka.ProduceSync(r.Context(), rec).FirstErr(); err != nil { // r.Context(): the record joins the request's trace
		return errors.E(errors.Op("orders.Publish"), err)
	}
	w.WriteHeader(http.StatusAccepted) // the worker does the rest
	fmt.Fprintln(w, "order accepted")
	return nil
}

func getStock(w http.ResponseWriter, r *http.Request) error {
	n, ok := stock[r.PathValue("item")]
	if !ok {
		return errors.E(errors.Op("stock.Get"), errors.NotFound, "item "+r.PathValue("item")+" not found")
	}
	fmt.Fprintln(w, n)
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

	brokers := os.Getenv("KAFKA_BROKERS")
	if brokers == "" { // the workshop's Kafka: a broker in this process
		kport := cmp.Or(os.Getenv("KAFKA_PORT"), "9092")
		port, err := strconv.Atoi(kport)
		var broker *kfake.Cluster
		if err == nil {
			broker, err = kfake.NewCluster(kfake.Ports(port), kfake.SeedTopics(1, "orders"))
		}
		if err != nil {
			slog.Error("cannot start Kafka on port "+kport+", pick another: KAFKA_PORT=9093 go run ./shop (and KAFKA_BROKERS=127.0.0.1:9093 go run ./worker)", "error", err)
			return err
		}
		defer broker.Close()
		brokers = broker.ListenAddrs()[0]
		slog.Info("kafka started", "addr", brokers)
	}
	var err error
	if kafka, err = kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...), ddxkafka.Hooks()); err != nil {
		slog.Error("invalid Kafka configuration", "error", err)
		return err
	}
	defer kafka.Close()

	mux := http.NewServeMux()
	mux.Handle("POST /orders/{item}", middleware.HandlerFunc(order))
	mux.Handle("GET /stock/{item}", middleware.HandlerFunc(getStock))

	port := cmp.Or(os.Getenv("PORT"), "8080")
	ln, err := net.Listen("tcp", "localhost:"+port)
	if err != nil { // most often another program (an earlier step?) has the port
		slog.Error("cannot listen on port "+port+", pick another: PORT=8081 go run ./shop (and SHOP_URL=http://localhost:8081 go run ./worker)", "error", err)
		return err
	}
	slog.Info("listening", "addr", "http://"+ln.Addr().String())
	srv := &http.Server{Handler: middleware.Wrap(mux)}
	return middleware.Serve(ctx, srv, ln, 10*time.Second) // until Ctrl-C, then a graceful stop
}
