// A user's program of the root module: ddx, errors, middleware (net/http,
// outbound HTTP, jobs) and ddxgrpc, built from the published module.
package main

import (
	"context"
	"net/http"
	"time"

	"google.golang.org/grpc"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxgrpc"
)

func main() {
	defer ddx.Start().Stop()
	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return errors.E(errors.Op("users.Get"), errors.NotFound, "user "+r.PathValue("id")+" not found")
	}))
	_ = middleware.Wrap(mux)
	_ = middleware.NewClient()
	_ = grpc.NewServer(ddxgrpc.ServerOptions()...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = middleware.RunJob(ctx, "example", func(context.Context) error { return nil })
}
