package ddxgrpc_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware/ddxgrpc"
)

// One option list for the server, one for the client. The health service
// is untraced by default; WithUntracedMethods() traces it here so that the
// example has a call to show.
func Example() {
	// The ddx handler writes Datadog's JSON, with dd.trace_id and dd.span_id
	// when a tracer runs; ids, time, duration and stacks are dropped only to
	// keep the output stable.
	logger := slog.New(ddx.NewHandler(os.Stdout, &ddx.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration", "stack", "dd.trace_id", "dd.span_id":
				return slog.Attr{}
			}
			return a
		},
	}))

	srv := grpc.NewServer(ddxgrpc.ServerOptions(ddxgrpc.WithLogger(logger), ddxgrpc.WithUntracedMethods())...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln) //nolint:errcheck // returns when Stop is called
	defer srv.Stop()

	conn, _ := grpc.NewClient(ln.Addr().String(),
		append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, ddxgrpc.DialOptions()...)...)
	defer conn.Close()

	// Asking about a service the server does not know: NotFound, an
	// expected outcome (WARN, no error span).
	_, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{Service: "billing"})
	fmt.Println(status.Code(err), errors.KindOf(err))
	// Output:
	// {"status":"WARN","message":"grpc request","grpc.method":"/grpc.health.v1.Health/Check","grpc.code":"NotFound","network.client.ip":"127.0.0.1","error":{"kind":"NotFound","message":"rpc error: code = NotFound desc = unknown service"}}
	// NotFound NotFound
}
