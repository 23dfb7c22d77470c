package middleware_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ddx-go/ddx/middleware"
)

// A service's main: serve until SIGTERM (what Kubernetes sends) or Ctrl-C,
// let the requests in flight finish, then return, so that a deferred
// ddx.Start().Stop() sends the last spans.
func ExampleServe() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	time.AfterFunc(10*time.Millisecond, stop) // here, in place of the signal

	srv := &http.Server{Handler: middleware.Wrap(http.NewServeMux())}
	err = middleware.Serve(ctx, srv, ln, 10*time.Second)
	fmt.Println("stopped, error:", err)
	// Output: stopped, error: <nil>
}
