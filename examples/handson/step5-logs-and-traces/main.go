// Step 5: from a trace to its logs, and from a log line to its trace.
//
//	go run ./step5-logs-and-traces     # then, in another terminal:
//	curl -i localhost:8080/checkout/42 # 503; the answer carries a trace_id
//
// Every line logged with the request's context carries that trace id as
// dd.trace_id: that one id joins the client's answer, the log lines and the
// trace. Ctrl-C stops it; PORT changes the port (PORT=0 picks a free one).
package main

import (
	"cmp"
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

var client = middleware.NewClient()

func checkout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()                                                       // carries the request's trace
	slog.InfoContext(ctx, "checkout started", "order.id", r.PathValue("id")) // joined: has dd.trace_id
	slog.Info("checkout started, logged without ctx")                        // not joined: no dd.trace_id

	req, _ := http.NewRequestWithContext(ctx, "POST", "http://127.0.0.1:1/charges", nil)
	resp, err := client.Do(req) // the payment service is down
	if err != nil {
		return errors.E(errors.Op("checkout"), "charge order "+r.PathValue("id"), err)
	}
	resp.Body.Close()
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

	mux := http.NewServeMux()
	mux.Handle("GET /checkout/{id}", middleware.HandlerFunc(checkout))

	port := cmp.Or(os.Getenv("PORT"), "8080")
	ln, err := net.Listen("tcp", "localhost:"+port)
	if err != nil { // most often another program (an earlier step?) has the port
		slog.Error("cannot listen on port "+port+", pick another: PORT=8081 go run ./step5-logs-and-traces", "error", err)
		return err
	}
	slog.Info("listening", "addr", "http://"+ln.Addr().String())
	srv := &http.Server{Handler: middleware.Wrap(mux)}
	return middleware.Serve(ctx, srv, ln, 10*time.Second) // until Ctrl-C, then a graceful stop
}
