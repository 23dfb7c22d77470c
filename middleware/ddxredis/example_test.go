package ddxredis_test

import (
	"context"
	"fmt"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware/ddxredis"
)

// A miss is redis.Nil, unchanged, and a NotFound: returned by a handler
// under middleware.Wrap, it answers 404 and pages nobody.
func Example() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	rdb := ddxredis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()

	_, err := rdb.Get(context.Background(), "session:42").Result()
	fmt.Println(err == redis.Nil, errors.KindOf(fmt.Errorf("load session: %w", err)))
	// Output: true NotFound
}
