// Step 3: an HTTP server; every request gets a trace and one log line.
//
//	go run ./step3-http        # then, in another terminal:
//	curl -i localhost:8080/hello     # 200, INFO
//	curl -i localhost:8080/users/7   # 404, WARN: expected, nobody is paged
//	curl -i localhost:8080/boom      # 500, ERROR: a real problem
//	curl -i localhost:8080/healthz   # 200, and nothing is logged
//
// Ctrl-C stops it. PORT changes the port (PORT=0 picks a free one).
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
	"time"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

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
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	})
	// A HandlerFunc returns its error; the middleware answers with the
	// status of its kind and logs it.
	mux.Handle("GET /users/{id}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return errors.E(errors.Op("users.Get"), errors.NotFound, "user "+r.PathValue("id")+" not found")
	}))
	mux.Handle("GET /boom", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return errors.New("the database said no") // a plain error: 500, the client sees none of it
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})

	port := cmp.Or(os.Getenv("PORT"), "8080")
	ln, err := net.Listen("tcp", "localhost:"+port)
	if err != nil { // most often another program (an earlier step?) has the port
		slog.Error("cannot listen on port "+port+", pick another: PORT=8081 go run ./step3-http", "error", err)
		return err
	}
	slog.Info("listening", "addr", "http://"+ln.Addr().String())
	srv := &http.Server{Handler: middleware.Wrap(mux)}    // Wrap: a span and a log line per request
	return middleware.Serve(ctx, srv, ln, 10*time.Second) // until Ctrl-C, then a graceful stop
}
