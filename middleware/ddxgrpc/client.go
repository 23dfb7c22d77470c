package ddxgrpc

import (
	"context"
	"io"
	"log/slog"
	"time"

	grpctrace "github.com/DataDog/dd-trace-go/contrib/google.golang.org/grpc/v2"
	"google.golang.org/grpc"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

// attrTarget is the attribute naming the connection's target on client
// errors. Error attributes are logged inside the error group, so "duration"
// below does not clash with an access-log line's own.
const attrTarget = attr.GRPCTarget

// DialOptions returns the grpc.DialOptions that install
// [UnaryClientInterceptor] and [StreamClientInterceptor]. Put them first in
// grpc.NewClient's arguments so they are the outermost interceptors.
func DialOptions(opts ...Option) []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(UnaryClientInterceptor(opts...)),
		grpc.WithChainStreamInterceptor(StreamClientInterceptor(opts...)),
	}
}

// UnaryClientInterceptor returns an interceptor that traces outgoing unary
// calls with dd-trace-go (span and propagation) and returns failures as
// errors.E errors classified by their status code. Expected kinds do not
// flag the span as an error.
func UnaryClientInterceptor(opts ...Option) grpc.UnaryClientInterceptor {
	c := newConfig(opts)
	trace := grpctrace.UnaryClientInterceptor(c.contribOptions(spanErrorByKind)...)
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, callOpts ...grpc.CallOption) error {
		start := time.Now()
		// The classification runs inside contrib's interceptor so the span's
		// error check and error.message see the classified error.
		return trace(ctx, method, req, reply, cc, func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...grpc.CallOption) error {
			return clientError(method, cc, start, invoker(ctx, method, req, reply, cc, opts...))
		}, callOpts...)
	}
}

// StreamClientInterceptor is [UnaryClientInterceptor] for streams: errors from
// opening the stream, RecvMsg and SendMsg are classified; io.EOF is returned
// unchanged, as callers compare it by identity.
func StreamClientInterceptor(opts ...Option) grpc.StreamClientInterceptor {
	c := newConfig(opts)
	trace := grpctrace.StreamClientInterceptor(c.contribOptions(spanErrorByKind)...)
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, callOpts ...grpc.CallOption) (grpc.ClientStream, error) {
		start := time.Now()
		return trace(ctx, desc, cc, method, func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			cs, err := streamer(ctx, desc, cc, method, opts...)
			if err != nil {
				return nil, clientError(method, cc, start, err)
			}
			return &clientStream{ClientStream: cs, method: method, cc: cc, start: start}, nil
		}, callOpts...)
	}
}

type clientStream struct {
	grpc.ClientStream
	method string
	cc     *grpc.ClientConn
	start  time.Time
}

func (s *clientStream) RecvMsg(m any) error {
	return clientError(s.method, s.cc, s.start, s.ClientStream.RecvMsg(m))
}

func (s *clientStream) SendMsg(m any) error {
	return clientError(s.method, s.cc, s.start, s.ClientStream.SendMsg(m))
}

// spanErrorByKind is contrib's error check on the client: a status of an
// expected kind (a NotFound from a dependency) is not a span error; what it
// means is the caller's decision.
func spanErrorByKind(_ string, err error) bool {
	return !kindOfClientError(err).Expected()
}

func kindOfClientError(err error) errors.Kind {
	var e *errors.Error
	if !errors.As(err, &e) {
		var gs grpcStatuser
		if errors.As(err, &gs) {
			if st := gs.GRPCStatus(); st != nil {
				return kindOfCode(st.Code())
			}
		}
	}
	return errors.KindOf(err)
}

// clientError wraps a failed call's error with the method as operation, the
// Kind of its status code, the target and the duration. nil and io.EOF are
// returned unchanged.
func clientError(method string, cc *grpc.ClientConn, start time.Time, err error) error {
	if err == nil || err == io.EOF { //nolint:errorlint // io.EOF is compared by identity by every stream reader
		return err
	}
	target := ""
	if cc != nil {
		target = cc.Target()
	}
	return errors.E(
		errors.Op(method),
		kindOfCode(grpcstatus.Code(err)),
		err,
		slog.String(attrTarget, target),
		slog.Duration(outcome.AttrDuration, time.Since(start)),
	)
}
