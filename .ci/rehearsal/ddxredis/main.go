// A user's program of ddxredis, built from the published module.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/middleware/ddxredis"
)

func main() {
	defer ddx.Start().Stop()
	ctx := context.Background()
	rdb := ddxredis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	defer rdb.Close()
	name, err := rdb.Get(ctx, "session:42").Result()
	switch {
	case err == redis.Nil:
		slog.Info("no session")
	case err != nil:
		slog.Error("get session", "error", err)
	default:
		slog.Info("session", "name", name)
	}
}
