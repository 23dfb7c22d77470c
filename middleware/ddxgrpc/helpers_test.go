package ddxgrpc_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware/ddxgrpc"
)

// TestMain checks that no goroutine outlives the tests: servers, client
// connections and the client stream spans' goroutines must all end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// seelog, pulled in by dd-trace-go, starts a logger goroutine in its init.
		goleak.IgnoreAnyFunction("github.com/cihub/seelog.(*asyncLoopLogger).processQueue"),
	)
}

// startTracer starts a mock tracer for one top-level test, which must not
// be parallel: the tracer is global. Its subtests may be: they find their
// spans by resource, the full method name, unique per test case.
func startTracer(t *testing.T) mocktracer.Tracer {
	t.Helper()
	mt := mocktracer.Start()
	t.Cleanup(mt.Stop)
	return mt
}

// services numbers the test services: each test's methods have names of
// their own, so its spans are told apart from other tests' (and from earlier
// runs under -count) in the shared mock tracer.
var services atomic.Int64

// unaryFunc is the body of a test method: what the handler returns.
type unaryFunc func(ctx context.Context) error

// streamFunc is the body of a server-streaming test method.
type streamFunc func(ctx context.Context, send func(string) error) error

// newService builds a service without generated code: every method takes
// and returns a wrapperspb.StringValue, so the default proto codec works.
func newService(unary map[string]unaryFunc, streams map[string]streamFunc) *grpc.ServiceDesc {
	service := fmt.Sprintf("ddx.test.Echo%d", services.Add(1))
	sd := &grpc.ServiceDesc{ServiceName: service, HandlerType: (*any)(nil)}
	for name, fn := range unary {
		full := "/" + service + "/" + name
		sd.Methods = append(sd.Methods, grpc.MethodDesc{
			MethodName: name,
			Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				h := func(ctx context.Context, _ any) (any, error) {
					if err := fn(ctx); err != nil {
						return nil, err
					}
					return wrapperspb.String("ok"), nil
				}
				if interceptor == nil {
					return h(ctx, in)
				}
				return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: full}, h)
			},
		})
	}
	for name, fn := range streams {
		sd.Streams = append(sd.Streams, grpc.StreamDesc{
			StreamName:    name,
			ServerStreams: true,
			Handler: func(_ any, ss grpc.ServerStream) error {
				in := new(wrapperspb.StringValue)
				if err := ss.RecvMsg(in); err != nil {
					return err
				}
				return fn(ss.Context(), func(s string) error { return ss.SendMsg(wrapperspb.String(s)) })
			},
		})
	}
	return sd
}

// env is a running server and a client connected to it, both with ddxgrpc.
type env struct {
	conn    *grpc.ClientConn
	logs    *testlog.Records
	addr    string
	service string
}

// method is the full name of the test service's method name.
func (e *env) method(name string) string { return "/" + e.service + "/" + name }

func startServer(t *testing.T, sd *grpc.ServiceDesc, opts ...ddxgrpc.Option) *env {
	t.Helper()
	logs := &testlog.Records{}
	opts = append([]ddxgrpc.Option{ddxgrpc.WithLogger(slog.New(logs))}, opts...)
	srv := grpc.NewServer(ddxgrpc.ServerOptions(opts...)...)
	srv.RegisterService(sd, struct{}{})
	healthpb.RegisterHealthServer(srv, health.NewServer())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	conn := dial(t, ln.Addr().String())
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return &env{conn: conn, logs: logs, addr: ln.Addr().String(), service: sd.ServiceName}
}

func dial(t *testing.T, addr string, opts ...ddxgrpc.Option) *grpc.ClientConn {
	t.Helper()
	dopts := append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, ddxgrpc.DialOptions(opts...)...)
	conn, err := grpc.NewClient(addr, dopts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func (e *env) call(ctx context.Context, name string) error {
	out := new(wrapperspb.StringValue)
	return e.conn.Invoke(ctx, e.method(name), wrapperspb.String("in"), out)
}

// record is one access-log line as the tests read it: testlog's record
// with the error attribute expanded into the error.* keys the ddx handler
// writes (error.kind, error.message, error.stack).
type record struct {
	testlog.Record
	Msg string
}

// find returns the records of logs whose grpc.method is method.
func find(logs *testlog.Records, method string) []record {
	var out []record
	for _, l := range logs.Lines() {
		if v, ok := l.Attrs["grpc.method"]; !ok || v.String() != method {
			continue
		}
		flat := make(map[string]slog.Value, len(l.Attrs))
		for k, v := range l.Attrs {
			flatten(flat, "", slog.Attr{Key: k, Value: v})
		}
		l.Attrs = flat
		out = append(out, record{Record: l, Msg: l.Message})
	}
	return out
}

func flatten(m map[string]slog.Value, prefix string, a slog.Attr) {
	key := a.Key
	if prefix != "" {
		key = prefix + "." + key
	}
	v := a.Value.Resolve()
	if err, ok := v.Any().(error); ok && v.Kind() == slog.KindAny {
		// What the ddx handler does with any error: the error.* group.
		v = errors.LogValue(err)
	}
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			flatten(m, key, g)
		}
		return
	}
	m[key] = v
}

// spansOf waits until n finished spans named op with resource exist, and
// returns them. Client stream spans finish on a goroutine, hence the wait.
func spansOf(t *testing.T, mt mocktracer.Tracer, op, resource string, n int) []*mocktracer.Span {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var out []*mocktracer.Span
		for _, s := range mt.FinishedSpans() {
			if s.OperationName() == op && s.Tag(ext.ResourceName) == resource {
				out = append(out, s)
			}
		}
		if len(out) >= n || time.Now().After(deadline) {
			if len(out) != n {
				t.Fatalf("want %d %s spans for %s, got %d", n, op, resource, len(out))
			}
			return out
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func isSpanError(s *mocktracer.Span) bool {
	v, _ := s.Tag(ext.MapSpanError).(int32)
	return v != 0
}

func tagString(s *mocktracer.Span, k string) string {
	v, _ := s.Tag(k).(string)
	return v
}
