// Command example is a whole gin service under ddx, the one the README
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

	"github.com/gin-gonic/gin"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxgin"
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

	gin.SetMode(gin.ReleaseMode) // no [GIN-debug] lines among the JSON ones
	r := gin.New()               // no gin.Logger, no gin.Recovery: ddx does both
	r.Use(ddxgin.Middleware())
	r.GET("/users/:id", func(c *gin.Context) {
		if c.Param("id") != "1" {
			_ = c.Error(errors.E(errors.NotFound, "user "+c.Param("id")+" not found")) // 404
			return
		}
		c.JSON(http.StatusOK, gin.H{"id": 1, "name": "Ada"})
	})

	ln, err := net.Listen("tcp", "127.0.0.1:"+cmp.Or(os.Getenv("PORT"), "8080"))
	if err == nil {
		slog.Info("listening", "addr", "http://"+ln.Addr().String())
		// Not r.Run: it never returns on SIGTERM, so Stop would not flush.
		err = middleware.Serve(ctx, &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}, ln, 10*time.Second)
	}
	if err != nil {
		slog.Error("server failed", "error", err)
	}
	return err
}
