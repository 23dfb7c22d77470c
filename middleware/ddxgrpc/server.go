package ddxgrpc

import (
	"context"
	"log/slog"
	"time"

	grpctrace "github.com/DataDog/dd-trace-go/contrib/google.golang.org/grpc/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/status"
	"github.com/ddx-go/ddx/outcome"
)

// Datadog attribute names of the access-log line.
const (
	attrMethod = attr.GRPCMethod
	attrCode   = attr.GRPCCode
)

// accessMessage is the message of every access-log line, as the HTTP
// middleware's "http request": the attributes say the rest, and a constant
// message groups well in Datadog's log patterns.
const accessMessage = "grpc request"

// ServerOptions returns the grpc.ServerOptions that install
// [UnaryServerInterceptor] and [StreamServerInterceptor]. Put them first in
// grpc.NewServer's arguments so they are the outermost interceptors.
func ServerOptions(opts ...Option) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(UnaryServerInterceptor(opts...)),
		grpc.ChainStreamInterceptor(StreamServerInterceptor(opts...)),
	}
}

// UnaryServerInterceptor returns an interceptor that traces unary calls with
// dd-trace-go, converts errors to statuses by Kind with only the public
// message, recovers panics and writes one access-log line per call. See the
// package documentation for the rules.
func UnaryServerInterceptor(opts ...Option) grpc.UnaryServerInterceptor {
	c := newConfig(opts)
	trace := grpctrace.UnaryServerInterceptor(c.contribOptions(neverSpanError)...)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		method := ""
		if info != nil {
			method = info.FullMethod
		}
		if c.isUntraced(method) {
			return c.serveUnary(ctx, req, method, time.Time{}, handler)
		}
		start := time.Now()
		return trace(ctx, req, info, func(ctx context.Context, req any) (any, error) {
			return c.serveUnary(ctx, req, method, start, handler)
		})
	}
}

// serveUnary runs handler inside the span contrib started (found in ctx). A
// zero start means the method is untraced: no access-log line unless the
// handler panicked.
func (c *config) serveUnary(ctx context.Context, req any, method string, start time.Time, handler grpc.UnaryHandler) (resp any, err error) {
	panicked := false
	defer func() {
		if p := recover(); p != nil {
			err, panicked, resp = panicError(method, p), true, nil
		}
		err = c.finish(ctx, method, start, err, panicked)
	}()
	return handler(ctx, req)
}

// StreamServerInterceptor is [UnaryServerInterceptor] for streaming calls: a
// span per stream (and contrib's grpc.message spans), one access-log line
// when the handler returns.
func StreamServerInterceptor(opts ...Option) grpc.StreamServerInterceptor {
	c := newConfig(opts)
	trace := grpctrace.StreamServerInterceptor(c.contribOptions(neverSpanError)...)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		method := ""
		if info != nil {
			method = info.FullMethod
		}
		if c.isUntraced(method) {
			return c.serveStream(srv, ss, method, time.Time{}, handler)
		}
		start := time.Now()
		return trace(srv, ss, info, func(srv any, ss grpc.ServerStream) error {
			return c.serveStream(srv, ss, method, start, handler)
		})
	}
}

func (c *config) serveStream(srv any, ss grpc.ServerStream, method string, start time.Time, handler grpc.StreamHandler) (err error) {
	panicked := false
	defer func() {
		if p := recover(); p != nil {
			err, panicked = panicError(method, p), true
		}
		err = c.finish(ss.Context(), method, start, err, panicked)
	}()
	return handler(srv, ss)
}

// neverSpanError keeps contrib from flagging spans itself: it only sees the
// status we return, whose message is the public one and which has no
// creation stack. finish records the original error instead.
func neverSpanError(string, error) bool { return false }

// finish records err on the span in ctx, writes the access-log line and
// returns what the client may see.
func (c *config) finish(ctx context.Context, method string, start time.Time, err error, panicked bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var (
		out  error
		logV outcome.Verdict // the error as logged and recorded: the original, classified once
		code = codes.OK
		kind errors.Kind
	)
	span, _ := tracer.SpanFromContext(ctx)
	if err != nil {
		var st *grpcstatus.Status
		st, logV, kind = toStatus(ctx, span, err)
		if reason := logV.Code; reason != "" && kind.Expected() {
			// Like the HTTP problem's "code": only for outcomes a client
			// can act on; the code of a failure stays in logs and spans.
			st = withReason(st, method, reason)
		}
		code = st.Code()
		out = st.Err()
		outcome.RecordError(span, logV, !logV.Kind.Expected(), "")
	}
	if start.IsZero() && !panicked {
		return out // untraced method: no line
	}
	l := c.log()
	level := slog.LevelInfo
	if err != nil {
		level = status.Level(kind)
	}
	if !l.Enabled(ctx, level) {
		return out
	}
	attrs := make([]slog.Attr, 0, 5)
	attrs = append(attrs,
		slog.String(attrMethod, method),
		slog.String(attrCode, code.String()),
	)
	if !start.IsZero() {
		attrs = append(attrs, slog.Int64(outcome.AttrDuration, time.Since(start).Nanoseconds()))
	}
	if ip := clientIP(ctx); ip != "" {
		attrs = append(attrs, slog.String(outcome.AttrClientIP, ip))
	}
	outcome.Log(ctx, l, level, accessMessage, logV.Err, attrs)
	return out
}

// grpcStatuser is what grpc's status package recognizes as a status error.
type grpcStatuser interface{ GRPCStatus() *grpcstatus.Status }

// toStatus decides what the client sees for err, and which error the span
// and the log record. In order:
//
//   - a status error returned as is (status.Error): its code is kept, and
//     for expected kinds its message and details; a real problem's
//     message is replaced by the generic text (see publicStatus);
//   - an error carrying an *errors.Error: the code of its Kind and its public
//     message only;
//   - a plain error wrapping a status (fmt.Errorf("...: %w", st)): the
//     wrapped status as its author made it, without the wrapping text;
//   - anything else: classified by errors.KindOf, public message only.
//
// Kinds that are not expected get the trace id appended to the message, to
// quote to support.
func toStatus(ctx context.Context, span *tracer.Span, err error) (*grpcstatus.Status, outcome.Verdict, errors.Kind) {
	if gs, ok := err.(grpcStatuser); ok {
		if st := gs.GRPCStatus(); st != nil && st.Code() != codes.OK {
			k := kindOfCode(st.Code())
			return publicStatus(span, st, k), outcome.Classify(errors.E(k, err)), k
		}
	}
	var e *errors.Error
	if !errors.As(err, &e) {
		var gs grpcStatuser
		if errors.As(err, &gs) {
			if st := gs.GRPCStatus(); st != nil && st.Code() != codes.OK {
				k := kindOfCode(st.Code())
				return publicStatus(span, st, k), outcome.Classify(errors.E(k, err)), k
			}
		}
	}
	v := outcome.ClassifyIn(ctx, err)
	return grpcstatus.New(codes.Code(status.GRPC(v.Kind)), withTraceID(span, v.Kind, errors.Public(v.Err))), v, v.Kind
}

// publicStatus is st as the client may see it. An expected outcome keeps
// its author's message and details; for a real problem, which is often a
// downstream's status passed on, the message and details are internal (a
// host, a query, a stack), so the client gets the code, the kind's generic
// text and the trace id, as HTTP clients do.
func publicStatus(span *tracer.Span, st *grpcstatus.Status, k errors.Kind) *grpcstatus.Status {
	if k.Expected() {
		return st
	}
	return grpcstatus.New(st.Code(), withTraceID(span, k, errors.Public(errors.E(k))))
}

// withTraceID appends the trace id to msg for kinds that are not expected,
// to quote to support.
func withTraceID(span *tracer.Span, k errors.Kind, msg string) string {
	if !k.Expected() && span != nil {
		if id := span.Context().TraceID(); id != "" && id != tracer.TraceIDZero {
			msg += " (trace_id " + id + ")"
		}
	}
	return msg
}

// kindOfCode classifies a status code; OK (not an error) never reaches it.
func kindOfCode(c codes.Code) errors.Kind {
	k, ok := status.KindOfGRPC(uint32(c))
	if !ok {
		return errors.Other
	}
	return k
}

// panicError is outcome's panic error, under the method's operation: the
// same "panic: ..." as HTTP's, with the stack of where the panic happened.
// Called from the deferred function that recovered.
func panicError(method string, p any) error {
	return errors.E(errors.Op(method), outcome.PanicError(p))
}

func clientIP(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	return outcome.ClientIP(p.Addr.String())
}
