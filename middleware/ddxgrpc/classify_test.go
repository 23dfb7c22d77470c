package ddxgrpc_test

import (
	"context"
	"fmt"
	"net"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ddx-go/ddx/errors"
)

// TestKindOfPlainClientStatus: a status from a real server, through a
// plain gRPC client with no ddx on either side, is classified by code once
// ddxgrpc is linked.
func TestKindOfPlainClientStatus(t *testing.T) {
	codesToKinds := []struct {
		code codes.Code
		want errors.Kind
	}{
		{codes.NotFound, errors.NotFound},
		{codes.InvalidArgument, errors.Invalid},
		{codes.AlreadyExists, errors.Conflict},
		{codes.PermissionDenied, errors.PermissionDenied},
		{codes.ResourceExhausted, errors.TooManyRequests},
		{codes.Unavailable, errors.Unavailable},
		{codes.DeadlineExceeded, errors.DeadlineExceeded},
		{codes.Unimplemented, errors.Unimplemented},
		{codes.Internal, errors.Internal},
		{codes.Unknown, errors.Internal},
	}
	unary := map[string]unaryFunc{}
	for _, c := range codesToKinds {
		unary[c.code.String()] = func(context.Context) error { return status.Error(c.code, "downstream says "+c.code.String()) }
	}
	sd := newService(unary, nil)
	srv := grpc.NewServer() // no ddx on the server
	srv.RegisterService(sd, struct{}{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })

	for _, c := range codesToKinds {
		t.Run(c.code.String(), func(t *testing.T) {
			err := conn.Invoke(context.Background(), "/"+sd.ServiceName+"/"+c.code.String(), wrapperspb.String("in"), new(wrapperspb.StringValue))
			if status.Code(err) != c.code {
				t.Fatalf("call returned %v, want code %v", err, c.code)
			}
			for name, e := range map[string]error{
				"bare":           err,
				"%w":             fmt.Errorf("prices.Get: %w", err),
				"E without kind": errors.E(errors.Op("prices.Get"), err),
			} {
				if got := errors.KindOf(e); got != c.want {
					t.Errorf("%s: KindOf = %v, want %v", name, got, c.want)
				}
			}
			if got := errors.KindOf(errors.E(errors.Unavailable, err)); got != errors.Unavailable {
				t.Errorf("a stated kind must win: KindOf = %v", got)
			}
		})
	}
}

// TestErrorInfoReason: an expected error's Code reaches the client as the
// reason of an ErrorInfo detail; an unexpected one's does not.
func TestErrorInfoReason(t *testing.T) {
	startTracer(t)
	e := startServer(t, newService(map[string]unaryFunc{
		"Declined": func(context.Context) error {
			return errors.E(errors.Op("pay.Charge"), errors.FailedPrecondition, errors.Code("payment.declined"), "card declined")
		},
		"Broken": func(context.Context) error {
			return errors.E(errors.Op("pay.Charge"), errors.Code("ledger.corrupt"), "ledger broken")
		},
	}, nil))

	err := e.call(context.Background(), "Declined")
	st := innerStatus(err)
	if st.Code() != codes.FailedPrecondition || st.Message() != "card declined" {
		t.Fatalf("Declined: %v", err)
	}
	var info *errdetails.ErrorInfo
	for _, d := range st.Details() {
		if i, ok := d.(*errdetails.ErrorInfo); ok {
			info = i
		}
	}
	if info == nil || info.Reason != "payment.declined" || info.Domain != e.service {
		t.Errorf("Declined: ErrorInfo = %v, want reason payment.declined in domain %s", info, e.service)
	}
	if got := logAttr(t, e, e.method("Declined"), "error.code"); got != "payment.declined" {
		t.Errorf("Declined: log error.code = %q", got)
	}

	err = e.call(context.Background(), "Broken")
	st = innerStatus(err)
	if st.Code() != codes.Internal {
		t.Fatalf("Broken: %v", err)
	}
	if len(st.Details()) != 0 {
		t.Errorf("Broken: details %v leave the service", st.Details())
	}
}
