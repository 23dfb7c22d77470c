// Command example is a whole chi service under ddx, the one the README
// shows: a graceful stop on SIGTERM and the deferred Stop that flushes the
// last traces. PORT sets the port (default 8080).
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
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxchi"
)

func main() {
	if err := run(); err != nil {
		os.Exit(1)
	}
}

func run() error {
	defer ddx.Start().Stop()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	r := chi.NewRouter()
	r.Use(ddxchi.Middleware())
	r.Method("GET", "/users/{id}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if id := chi.URLParam(r, "id"); id != "1" {
			return errors.E(errors.NotFound, "user "+id+" not found") // 404
		}
		w.Header().Set("Content-Type", "application/json")
		_, err := fmt.Fprintln(w, `{"id":1,"name":"Ada"}`)
		return err
	}))

	ln, err := net.Listen("tcp", "127.0.0.1:"+cmp.Or(os.Getenv("PORT"), "8080"))
	if err == nil {
		slog.Info("listening", "addr", "http://"+ln.Addr().String())
		err = middleware.Serve(ctx, &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}, ln, 10*time.Second)
	}
	if err != nil {
		slog.Error("server failed", "error", err)
	}
	return err
}
