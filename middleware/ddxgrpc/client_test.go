package ddxgrpc_test

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ddx-go/ddx/errors"
)

// recvAll opens a server stream on method, sends one message and reads
// until the stream ends. It returns the error that ended it, nil for io.EOF,
// and fails if the client interceptor wrapped io.EOF.
func recvAll(ctx context.Context, conn *grpc.ClientConn, method string) ([]string, error) {
	cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, method)
	if err != nil {
		return nil, err
	}
	if err := cs.SendMsg(wrapperspb.String("in")); err != nil {
		return nil, err
	}
	if err := cs.CloseSend(); err != nil {
		return nil, err
	}
	var got []string
	for {
		m := new(wrapperspb.StringValue)
		err := cs.RecvMsg(m)
		if err == io.EOF { //nolint:errorlint // the contract under test is identity
			return got, nil
		}
		if err != nil {
			return got, err
		}
		got = append(got, m.GetValue())
	}
}

func TestUnaryClient(t *testing.T) {
	mt := startTracer(t)
	cases := []struct {
		name      string
		fn        unaryFunc
		kind      errors.Kind
		code      codes.Code
		spanError bool
	}{
		{"ClientNotFound", func(context.Context) error { return errors.E(errors.NotFound, "no such order") },
			errors.NotFound, codes.NotFound, false},
		{"ClientInvalid", func(context.Context) error { return errors.E(errors.Invalid, "bad id") },
			errors.Invalid, codes.InvalidArgument, false},
		{"ClientUnavailable", func(context.Context) error { return errors.E(errors.Unavailable, errors.New("down")) },
			errors.Unavailable, codes.Unavailable, true},
		{"ClientInternal", func(context.Context) error { return errors.New("bug") },
			errors.Internal, codes.Internal, true},
		{"ClientOK", func(context.Context) error { return nil }, errors.Other, codes.OK, false},
	}
	fns := map[string]unaryFunc{}
	for _, tc := range cases {
		fns[tc.name] = tc.fn
	}
	e := startServer(t, newService(fns, nil))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method := e.method(tc.name)
			err := e.call(context.Background(), tc.name)
			if status.Code(err) != tc.code {
				t.Fatalf("status.Code = %v, want %v", status.Code(err), tc.code)
			}
			client := spansOf(t, mt, "grpc.client", method, 1)[0]
			server := spansOf(t, mt, "grpc.server", method, 1)[0]
			if isSpanError(client) != tc.spanError {
				t.Errorf("client span error = %v, want %v; tags %v", isSpanError(client), tc.spanError, client.Tags())
			}
			// Propagation: the server span continues the client's trace.
			if server.TraceID() != client.TraceID() || server.ParentID() != client.SpanID() {
				t.Errorf("server span (trace %d parent %d) is not the child of client span (trace %d id %d)",
					server.TraceID(), server.ParentID(), client.TraceID(), client.SpanID())
			}
			if err == nil {
				return
			}
			var de *errors.Error
			if !errors.As(err, &de) {
				t.Fatalf("client error %T is not an *errors.Error", err)
			}
			if got := errors.KindOf(err); got != tc.kind {
				t.Errorf("KindOf = %v, want %v", got, tc.kind)
			}
			for _, want := range []string{method, "grpc.target=", "duration="} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestClientTransportFailures(t *testing.T) {
	mt := startTracer(t)
	// A port nobody listens on: taken, then released.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	e := startServer(t, newService(map[string]unaryFunc{
		"Slow": func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		},
	}, nil))

	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	cases := []struct {
		name      string
		conn      *grpc.ClientConn
		ctx       func() (context.Context, context.CancelFunc)
		method    string
		kind      errors.Kind
		spanError bool
	}{
		{"refused", dial(t, closed), func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 5*time.Second)
		}, e.method("Refused"), errors.Unavailable, true},
		{"canceled", e.conn, func() (context.Context, context.CancelFunc) { return canceled, func() {} },
			e.method("CanceledByCaller"), errors.Canceled, false},
		{"deadline", e.conn, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, e.method("Slow"), errors.DeadlineExceeded, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := tc.ctx()
			defer cancel()
			err := tc.conn.Invoke(ctx, tc.method, wrapperspb.String("in"), new(wrapperspb.StringValue))
			if got := errors.KindOf(err); got != tc.kind {
				t.Fatalf("KindOf(%v) = %v, want %v", err, got, tc.kind)
			}
			if !strings.HasPrefix(err.Error(), tc.method+": ") {
				t.Errorf("error %q does not start with the method", err)
			}
			client := spansOf(t, mt, "grpc.client", tc.method, 1)[0]
			if isSpanError(client) != tc.spanError {
				t.Errorf("client span error = %v, want %v", isSpanError(client), tc.spanError)
			}
		})
	}
}

func TestStreamClient(t *testing.T) {
	mt := startTracer(t)
	e := startServer(t, newService(nil, map[string]streamFunc{
		"ClientStreamOK": func(_ context.Context, send func(string) error) error {
			return send("a")
		},
		"ClientStreamDenied": func(_ context.Context, send func(string) error) error {
			_ = send("a")
			return errors.E(errors.PermissionDenied, "not yours")
		},
	}))
	// io.EOF reaches the caller unchanged (recvAll checks identity).
	got, err := recvAll(context.Background(), e.conn, e.method("ClientStreamOK"))
	if err != nil || len(got) != 1 {
		t.Fatalf("ok stream: %v, %v", got, err)
	}
	_, err = recvAll(context.Background(), e.conn, e.method("ClientStreamDenied"))
	if errors.KindOf(err) != errors.PermissionDenied || status.Code(err) != codes.PermissionDenied {
		t.Fatalf("denied stream: kind %v code %v (%v)", errors.KindOf(err), status.Code(err), err)
	}
	if !strings.Contains(err.Error(), "not yours") || !strings.HasPrefix(err.Error(), e.method("ClientStreamDenied")+": ") {
		t.Errorf("stream error reads %q", err)
	}
	// The client's stream spans (one per call) are no errors for an expected kind.
	for _, s := range spansOf(t, mt, "grpc.client", e.method("ClientStreamDenied"), 1) {
		if isSpanError(s) {
			t.Errorf("expected kind flagged the client stream span: %v", s.Tags())
		}
	}
}
