package ddxgrpc_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"google.golang.org/grpc"

	"github.com/ddx-go/ddx/middleware/ddxgrpc"
)

// TestWithService: the option every ddx integration has sets the service
// of the interceptors' spans.
func TestWithService(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	intercept := ddxgrpc.UnaryServerInterceptor(ddxgrpc.WithService("payments-rpc"),
		ddxgrpc.WithLogger(slog.New(slog.DiscardHandler)))
	info := &grpc.UnaryServerInfo{FullMethod: "/svc.Payments/Charge"}
	if _, err := intercept(context.Background(), nil, info, func(context.Context, any) (any, error) { return "ok", nil }); err != nil {
		t.Fatal(err)
	}
	spans := mt.FinishedSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	if got := spans[0].Tag(ext.ServiceName); got != "payments-rpc" {
		t.Errorf("service %v, want payments-rpc", got)
	}
}
