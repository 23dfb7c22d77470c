// This program is a Go service started from the ddx golden-path template
// (see README.md): traces, profiles, runtime metrics and trace-correlated
// JSON logs from one line, an HTTP server that shuts down gracefully, a
// background job, and the files to ship it (Dockerfile, deploy/).
//
//	go run .                          # serves on :8080
//	curl -i localhost:8080/items/1    # 200
//	curl -i localhost:8080/items/9    # 404: expected, a WARN line, no alert
//
// Datadog's own variables configure ddx (DD_SERVICE, DD_ENV, DD_VERSION,
// DD_AGENT_HOST); the service's own settings are in config.go. Items live
// in SQLite (items.db) unless DATABASE_URL names a PostgreSQL server.
package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

func main() {
	os.Exit(start())
}

// start runs the service until SIGTERM (what Kubernetes sends) or Ctrl-C and
// returns the exit code. It is separate from main so that ddx's Stop, which
// flushes the last traces, runs before os.Exit.
func start() int {
	defer ddx.Start().Stop()

	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		slog.Error("invalid configuration", "error", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		slog.Error("cannot listen", "error", errors.E(errors.Op("main.listen"), errors.Unavailable, err))
		return 1
	}
	st, closeStore, err := openStore(ctx, cfg.databaseURL, cfg.sqlitePath)
	if err != nil {
		ln.Close()
		slog.Error("cannot open the store", "error", err)
		return 1
	}
	defer closeStore()
	if err := run(ctx, cfg, ln, newService(st)); err != nil {
		slog.Error("service failed", "error", err)
		return 1
	}
	return 0
}

// run serves svc on ln and runs its background job until ctx is done, then
// shuts down: /readyz fails at once so the load balancer stops sending
// requests, the server keeps answering for cfg.drainDelay while that
// propagates, then stops accepting connections and waits up to
// cfg.shutdownTimeout for the requests in flight. If the server fails
// instead, run returns its error. Either way the job is stopped first.
func run(ctx context.Context, cfg config, ln net.Listener, svc *service) error {
	srv := &http.Server{
		Handler:           svc.handler(),
		ReadHeaderTimeout: 5 * time.Second,
		// net/http's own complaints (TLS handshakes, bad requests) as JSON too.
		ErrorLog: slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}

	// The job stops when run returns, whatever the reason, and run waits for
	// the run in progress: nothing of the service outlives run.
	jobCtx, stopJob := context.WithCancel(context.WithoutCancel(ctx))
	var jobs sync.WaitGroup
	jobs.Go(func() { _ = middleware.Every(jobCtx, cfg.jobInterval, "items.refresh", svc.refresh) })
	defer func() {
		stopJob()
		jobs.Wait()
	}()

	// Serving ends once the drain is over: until then the server keeps
	// answering while /readyz fails and the load balancer takes the pod
	// out. middleware.Serve then waits up to cfg.shutdownTimeout for the
	// requests in flight.
	serving, stopServing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServing()
	defer context.AfterFunc(ctx, func() {
		svc.ready.Store(false)
		slog.Info("shutting down", "drain_delay", cfg.drainDelay.String())
		time.Sleep(cfg.drainDelay)
		stopServing()
	})() // a server that failed on its own is not drained
	svc.ready.Store(true)
	slog.Info("listening", "addr", ln.Addr().String())
	if err := middleware.Serve(serving, srv, ln, cfg.shutdownTimeout); err != nil {
		return errors.E(errors.Op("main.serve"), err)
	}
	slog.Info("stopped")
	return nil
}
