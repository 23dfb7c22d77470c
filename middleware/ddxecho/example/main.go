// Command example is a whole echo service under ddx, the one the README
// shows: JSON log lines only, a graceful stop on SIGTERM, and the deferred
// Stop that flushes the last traces. PORT sets the port (default 8080).
package main

import (
	"cmp"
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxecho"
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

	e := echo.New()
	e.HideBanner, e.HidePort = true, true // no banner among the JSON lines
	e.Use(ddxecho.Middleware())
	e.GET("/users/:id", func(c echo.Context) error {
		if c.Param("id") != "1" {
			return errors.E(errors.NotFound, "user "+c.Param("id")+" not found") // 404
		}
		return c.JSON(http.StatusOK, map[string]any{"id": 1, "name": "Ada"})
	})

	ln, err := net.Listen("tcp", "127.0.0.1:"+cmp.Or(os.Getenv("PORT"), "8080"))
	if err == nil {
		slog.Info("listening", "addr", "http://"+ln.Addr().String())
		// Not e.Start: it never returns on SIGTERM, so Stop would not flush.
		err = middleware.Serve(ctx, &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}, ln, 10*time.Second)
	}
	if err != nil {
		slog.Error("server failed", "error", err)
	}
	return err
}
