// A user's program of ddxpgx, built from the published module.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/middleware/ddxpgx"
)

func main() {
	defer ddx.Start().Stop()
	ctx := context.Background()
	pool, err := ddxpgx.NewPool(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		slog.Error("connect", "error", err)
		return
	}
	defer pool.Close()
	var one int
	if err := pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		slog.Error("query", "error", err)
	}
}
