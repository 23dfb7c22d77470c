package ddxgrpc_test

// Cost of the interceptors against dd-trace-go's grpc integration alone and
// against no instrumentation, in one run:
//
//	go test -run '^$' -bench BenchmarkUnary -benchmem -count=5 ./middleware/ddxgrpc
//
// Client and server run in process over bufconn, so the network's noise is
// out; both sides are instrumented in the traced variants. The tracer is the
// real one, sending to a local Agent that discards every payload. Access-log
// lines go through ddx.NewHandler to io.Discard.

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	grpctrace "github.com/DataDog/dd-trace-go/contrib/google.golang.org/grpc/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware/ddxgrpc"
)

// benchConn serves sd over bufconn with the server options and returns a
// client connection with the dial options.
func benchConn(b *testing.B, sd *grpc.ServiceDesc, sopts []grpc.ServerOption, dopts []grpc.DialOption) *grpc.ClientConn {
	b.Helper()
	ln := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(sopts...)
	srv.RegisterService(sd, struct{}{})
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	dopts = append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return ln.DialContext(ctx) }),
	}, dopts...)
	conn, err := grpc.NewClient("passthrough:///bufconn", dopts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		conn.Close()
		srv.Stop()
		<-done
	})
	return conn
}

func BenchmarkUnary(b *testing.B) {
	testagent.StartDiscarding(b, tracer.WithService("bench"))
	logger := slog.New(ddx.NewHandler(io.Discard, nil))
	fail := errors.E(errors.Op("users.Get"), errors.NotFound, "user 42 not found")
	sd := newService(map[string]unaryFunc{
		"OK":       func(context.Context) error { return nil },
		"NotFound": func(context.Context) error { return fail },
	}, nil)

	variants := []struct {
		name  string
		sopts []grpc.ServerOption
		dopts []grpc.DialOption
	}{
		{name: "bare"},
		{
			name: "grpctrace",
			sopts: []grpc.ServerOption{
				grpc.ChainUnaryInterceptor(grpctrace.UnaryServerInterceptor()),
				grpc.ChainStreamInterceptor(grpctrace.StreamServerInterceptor()),
			},
			dopts: []grpc.DialOption{
				grpc.WithChainUnaryInterceptor(grpctrace.UnaryClientInterceptor()),
				grpc.WithChainStreamInterceptor(grpctrace.StreamClientInterceptor()),
			},
		},
		{
			name:  "ddx",
			sopts: ddxgrpc.ServerOptions(ddxgrpc.WithLogger(logger)),
			dopts: ddxgrpc.DialOptions(),
		},
	}
	for _, method := range []string{"OK", "NotFound"} {
		for _, v := range variants {
			b.Run(method+"/"+v.name, func(b *testing.B) {
				conn := benchConn(b, sd, v.sopts, v.dopts)
				full := "/" + sd.ServiceName + "/" + method
				in, out := wrapperspb.String("in"), new(wrapperspb.StringValue)
				b.ReportAllocs()
				for b.Loop() {
					err := conn.Invoke(context.Background(), full, in, out)
					if (err != nil) != (method != "OK") {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkUnaryRatio is ddxgrpc over dd-trace-go's interceptors alone,
// calls interleaved (swapping order every iteration) so both see the same
// noise; the metric is ddx's total time over the anchor's.
func BenchmarkUnaryRatio(b *testing.B) {
	testagent.StartDiscarding(b, tracer.WithService("bench"))
	logger := slog.New(ddx.NewHandler(io.Discard, nil))
	fail := errors.E(errors.Op("users.Get"), errors.NotFound, "user 42 not found")
	sd := newService(map[string]unaryFunc{
		"OK":       func(context.Context) error { return nil },
		"NotFound": func(context.Context) error { return fail },
	}, nil)
	for _, method := range []string{"OK", "NotFound"} {
		b.Run(method, func(b *testing.B) {
			anchor := benchConn(b, sd,
				[]grpc.ServerOption{grpc.ChainUnaryInterceptor(grpctrace.UnaryServerInterceptor())},
				[]grpc.DialOption{grpc.WithChainUnaryInterceptor(grpctrace.UnaryClientInterceptor())})
			ours := benchConn(b, sd, ddxgrpc.ServerOptions(ddxgrpc.WithLogger(logger)), ddxgrpc.DialOptions())
			full := "/" + sd.ServiceName + "/" + method
			in := wrapperspb.String("in")
			call := func(c *grpc.ClientConn) func() {
				return func() { _ = c.Invoke(context.Background(), full, in, new(wrapperspb.StringValue)) }
			}
			a, d := call(anchor), call(ours)
			var ta, td time.Duration
			for i := 0; b.Loop(); i++ {
				first, second, tf, ts := a, d, &ta, &td
				if i%2 == 1 {
					first, second, tf, ts = d, a, &td, &ta
				}
				t0 := time.Now()
				first()
				t1 := time.Now()
				second()
				*tf += t1.Sub(t0)
				*ts += time.Since(t1)
			}
			if ta > 0 {
				b.ReportMetric(float64(td)/float64(ta), "ddx/anchor")
			}
		})
	}
}
