package ddxgrpc_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware/ddxgrpc"
)

// secret is internal text that must never reach a client.
const secret = "password=hunter2"

// unaryCases is the Kind table (internal/status, the README's Kinds section) for unary calls. Each case
// is its own method, so its spans and log line are found by name.
var unaryCases = []struct {
	name      string
	fn        unaryFunc
	code      codes.Code
	msg       string // the exact message the client sees, before any trace id
	traceID   bool   // the message ends with the trace id
	spanError bool
	level     slog.Level
	kind      string // error.kind on the span and in the log; "" for none
	stack     bool   // the span's error.stack is where the error was made
	// clientCancels: the client cancels its call once it has started; what
	// it sees is its own cancel, not an answer.
	clientCancels bool
}{
	{
		name: "OK", fn: func(context.Context) error { return nil },
		code: codes.OK, level: slog.LevelInfo,
	},
	{
		name: "NotFound",
		fn: func(context.Context) error {
			return errors.E(errors.Op("users.Get"), errors.NotFound, "user 42 not found", errors.New("sql: no rows; "+secret))
		},
		code: codes.NotFound, msg: "user 42 not found", level: slog.LevelWarn, kind: "NotFound",
	},
	{
		name: "Invalid", fn: func(context.Context) error { return errors.E(errors.Invalid, "id must be a number") },
		code: codes.InvalidArgument, msg: "id must be a number", level: slog.LevelWarn, kind: "Invalid",
	},
	{
		name: "Unauthenticated", fn: func(context.Context) error { return errors.E(errors.Unauthenticated) },
		code: codes.Unauthenticated, msg: "unauthenticated", level: slog.LevelWarn, kind: "Unauthenticated",
	},
	{
		name: "PermissionDenied", fn: func(context.Context) error { return errors.E(errors.PermissionDenied, "not your order") },
		code: codes.PermissionDenied, msg: "not your order", level: slog.LevelWarn, kind: "PermissionDenied",
	},
	{
		name: "Conflict", fn: func(context.Context) error { return errors.E(errors.Conflict, "order exists") },
		code: codes.AlreadyExists, msg: "order exists", level: slog.LevelWarn, kind: "Conflict",
	},
	{
		name: "FailedPrecondition", fn: func(context.Context) error { return errors.E(errors.FailedPrecondition, "cart is empty") },
		code: codes.FailedPrecondition, msg: "cart is empty", level: slog.LevelWarn, kind: "FailedPrecondition",
	},
	{
		name: "TooManyRequests", fn: func(context.Context) error { return errors.E(errors.TooManyRequests) },
		code: codes.ResourceExhausted, msg: "too many requests", level: slog.LevelWarn, kind: "TooManyRequests",
	},
	{
		// The client went away: its cancel reaches the handler's context.
		name: "Canceled", fn: func(ctx context.Context) error { <-ctx.Done(); return fmt.Errorf("read body: %w", ctx.Err()) },
		code: codes.Canceled, level: slog.LevelInfo, kind: "Canceled", clientCancels: true,
	},
	{
		// context.Canceled while the client still waits: the server's own
		// doing (a context it derived and canceled), a real failure.
		name: "CanceledInside", fn: func(context.Context) error { return fmt.Errorf("read body: %w", context.Canceled) },
		code: codes.Internal, msg: "internal error", traceID: true, spanError: true,
		level: slog.LevelError, kind: "Internal",
	},
	{
		name: "DeadlineExceeded", fn: func(context.Context) error { return fmt.Errorf("query: %w", context.DeadlineExceeded) },
		code: codes.DeadlineExceeded, msg: "deadline exceeded", traceID: true, spanError: true,
		level: slog.LevelError, kind: "DeadlineExceeded",
	},
	{
		name: "Unavailable",
		fn: func(context.Context) error {
			return errors.E(errors.Op("payment.Charge"), errors.Unavailable,
				errors.New("dial tcp 10.0.0.5:443: connect: connection refused ("+secret+")"))
		},
		code: codes.Unavailable, msg: "service unavailable", traceID: true, spanError: true,
		level: slog.LevelError, kind: "Unavailable", stack: true,
	},
	{
		name: "Unimplemented", fn: func(context.Context) error { return errors.E(errors.Unimplemented, "refunds") },
		code: codes.Unimplemented, msg: "not implemented", traceID: true, spanError: true,
		level: slog.LevelError, kind: "Unimplemented", stack: true,
	},
	{
		name: "PlainError", fn: func(context.Context) error { return errors.New("db rejected " + secret) },
		code: codes.Internal, msg: "internal error", traceID: true, spanError: true,
		level: slog.LevelError, kind: "Internal",
	},
	{
		name: "OtherKind", fn: func(context.Context) error { return errors.E(errors.Op("x.Y"), "no kind said "+secret) },
		code: codes.Internal, msg: "internal error", traceID: true, spanError: true,
		level: slog.LevelError, kind: "Internal",
	},
	{
		name: "OwnStatus", fn: func(context.Context) error { return status.Error(codes.FailedPrecondition, "stock is locked") },
		code: codes.FailedPrecondition, msg: "stock is locked", level: slog.LevelWarn, kind: "FailedPrecondition",
	},
	{
		name: "OwnStatusInternal", fn: func(context.Context) error { return status.Error(codes.DataLoss, "page torn") },
		code: codes.DataLoss, msg: "internal error", traceID: true, spanError: true, level: slog.LevelError, kind: "Internal",
	},
	{
		// A downstream's status passed on verbatim: its internal text
		// must not reach this service's client.
		name: "DownstreamUnavailable", fn: func(context.Context) error {
			return status.Error(codes.Unavailable, "dial tcp 10.0.0.7:5432: "+secret)
		},
		code: codes.Unavailable, msg: "service unavailable", traceID: true, spanError: true, level: slog.LevelError, kind: "Unavailable",
	},
	{
		name: "WrappedStatus",
		fn: func(context.Context) error {
			return fmt.Errorf("lookup in %s: %w", secret, status.Error(codes.NotFound, "no such user"))
		},
		code: codes.NotFound, msg: "no such user", level: slog.LevelWarn, kind: "NotFound",
	},
	{
		name: "StatusUnderE",
		fn: func(context.Context) error {
			return errors.E(errors.Op("users.Get"), errors.NotFound, "user 7 not found", status.Error(codes.Internal, secret))
		},
		code: codes.NotFound, msg: "user 7 not found", level: slog.LevelWarn, kind: "NotFound",
	},
	{
		name: "PanicValue", fn: func(context.Context) error { panicHere("nil map " + secret); return nil },
		code: codes.Internal, msg: "internal error", traceID: true, spanError: true,
		level: slog.LevelError, kind: "Internal", stack: true,
	},
	{
		name: "PanicError", fn: func(context.Context) error { panic(fmt.Errorf("index out of range %s", secret)) },
		code: codes.Internal, msg: "internal error", traceID: true, spanError: true,
		level: slog.LevelError, kind: "Internal", stack: true,
	},
	{
		// A panic is a bug even when its value says NotFound.
		name: "PanicExpectedKind", fn: func(context.Context) error { panicHere(errors.E(errors.NotFound, "gone")); return nil },
		code: codes.Internal, msg: "internal error", traceID: true, spanError: true,
		level: slog.LevelError, kind: "Internal", stack: true,
	},
}

// panicHere panics from a frame of its own, which the error stack must show.
func panicHere(v any) { panic(v) }

func TestUnaryServer(t *testing.T) {
	mt := startTracer(t)
	fns := map[string]unaryFunc{}
	for _, tc := range unaryCases {
		fns[tc.name] = tc.fn
	}
	e := startServer(t, newService(fns, nil))

	for _, tc := range unaryCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method := e.method(tc.name)
			ctx := context.Background()
			if tc.clientCancels {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				time.AfterFunc(50*time.Millisecond, cancel)
			}
			err := e.call(ctx, tc.name)

			// What the client sees: the code of the Kind and the public message.
			st, _ := status.FromError(err)
			if got := status.Code(err); got != tc.code {
				t.Fatalf("code = %v, want %v (err %v)", got, tc.code, err)
			}
			srv := spansOf(t, mt, "grpc.server", method, 1)[0]
			if err != nil && !tc.clientCancels {
				// The client interceptor wraps the status: the status
				// message is the innermost one.
				msg := innerStatus(err).Message()
				want := tc.msg
				if tc.traceID {
					want += " (trace_id " + srv.Context().TraceID() + ")"
				}
				if msg != want {
					t.Errorf("client message = %q, want %q", msg, want)
				}
				if strings.Contains(st.Message(), secret) || strings.Contains(err.Error(), secret) {
					t.Errorf("internal text reached the client: %q", err.Error())
				}
				if strings.Contains(err.Error(), ".go:") {
					t.Errorf("a file name reached the client: %q", err.Error())
				}
			}

			// The span: error flag by Kind, error.kind always, the
			// original error's text and creation stack for real problems.
			if got := isSpanError(srv); got != tc.spanError {
				t.Errorf("span error = %v, want %v; tags %v", got, tc.spanError, srv.Tags())
			}
			if got := tagString(srv, "error.kind"); got != tc.kind {
				t.Errorf("span error.kind = %q, want %q", got, tc.kind)
			}
			if got := tagString(srv, "grpc.code"); got != tc.code.String() {
				t.Errorf("span grpc.code = %q, want %q", got, tc.code)
			}
			if tc.spanError {
				// An error made by errors.E (panics included) carries the
				// stack of its creation; a plain error only the place where
				// it was recorded.
				if tagString(srv, ext.ErrorStack) == "" && tagString(srv, "error.handling_stack") == "" {
					t.Errorf("span has no stack; tags %v", srv.Tags())
				}
				if tagString(srv, ext.ErrorMsg) == "" || tagString(srv, ext.ErrorType) == "" {
					t.Errorf("span lacks error.message or error.type; tags %v", srv.Tags())
				}
				if st := tagString(srv, ext.ErrorStack); tc.stack && !strings.Contains(st, "ddxgrpc_test.") {
					t.Errorf("error.stack does not show the test's frames:\n%s", st)
				}
			} else if tagString(srv, ext.ErrorMsg) != "" {
				t.Errorf("expected outcome has error.message %q", tagString(srv, ext.ErrorMsg))
			}

			// One access-log line, joined to the span, at the level of the outcome.
			recs := find(e.logs, method)
			if len(recs) != 1 {
				t.Fatalf("want 1 access-log line, got %d", len(recs))
			}
			r := recs[0]
			if r.Level != tc.level || r.Msg != "grpc request" {
				t.Errorf("log line %q at %v, want \"grpc request\" at %v", r.Msg, r.Level, tc.level)
			}
			if r.SpanID != srv.SpanID() {
				t.Errorf("log line span id %d, server span %d", r.SpanID, srv.SpanID())
			}
			if got := r.Attrs["grpc.code"].String(); got != tc.code.String() {
				t.Errorf("grpc.code = %q", got)
			}
			if d := r.Attrs["duration"]; d.Kind() != slog.KindInt64 || d.Int64() <= 0 {
				t.Errorf("duration = %v", d)
			}
			if got := r.Attrs["network.client.ip"].String(); got != "127.0.0.1" {
				t.Errorf("network.client.ip = %q", got)
			}
			got, has := r.Attrs["error.kind"]
			switch {
			case tc.kind == "" && has:
				t.Errorf("success logged error.kind %v", got)
			case tc.kind != "" && got.String() != tc.kind:
				t.Errorf("log error.kind = %v, want %q", got, tc.kind)
			}
			if has && strings.Contains(r.Attrs["error.message"].String(), "trace_id") {
				t.Errorf("log error.message is the client's text, not the original: %v", r.Attrs["error.message"])
			}
		})
	}
}

// innerStatus is the status a server sent, under the client's wrapping.
func innerStatus(err error) *status.Status {
	var gs interface{ GRPCStatus() *status.Status }
	if errors.As(err, &gs) {
		return gs.GRPCStatus()
	}
	return status.New(codes.Unknown, err.Error())
}

func TestPanicStackAndLog(t *testing.T) {
	mt := startTracer(t)
	e := startServer(t, newService(map[string]unaryFunc{
		"Panics": func(context.Context) error { panicHere("boom"); return nil },
	}, nil))
	_ = e.call(context.Background(), "Panics")
	method := e.method("Panics")
	srv := spansOf(t, mt, "grpc.server", method, 1)[0]
	for _, where := range []string{tagString(srv, ext.ErrorStack), logAttr(t, e, method, "error.stack")} {
		if !strings.Contains(where, "panicHere") {
			t.Errorf("stack does not show the panicking frame:\n%s", where)
		}
	}
	if msg := logAttr(t, e, method, "error.message"); !strings.Contains(msg, "panic: boom") {
		t.Errorf("log error.message = %q, want the panic value", msg)
	}
}

func logAttr(t *testing.T, e *env, method, key string) string {
	t.Helper()
	recs := find(e.logs, method)
	if len(recs) != 1 {
		t.Fatalf("want 1 log line for %s, got %d", method, len(recs))
	}
	return recs[0].Attrs[key].String()
}

func TestHealthIsUntraced(t *testing.T) {
	mt := startTracer(t)
	e := startServer(t, newService(nil, nil))
	client := healthpb.NewHealthClient(e.conn)
	if _, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range mt.FinishedSpans() {
		if s.Tag(ext.ResourceName) == healthpb.Health_Check_FullMethodName {
			t.Errorf("health check made a %s span", s.OperationName())
		}
	}
	if recs := find(e.logs, healthpb.Health_Check_FullMethodName); len(recs) != 0 {
		t.Errorf("health check wrote %d log lines", len(recs))
	}
}

func TestWithUntracedMethods(t *testing.T) {
	mt := startTracer(t)
	sd := newService(map[string]unaryFunc{
		"Quiet":       func(context.Context) error { return nil },
		"QuietPanics": func(context.Context) error { panic("still recovered") },
	}, nil)
	full := func(name string) string { return "/" + sd.ServiceName + "/" + name }
	e := startServer(t, sd, ddxgrpc.WithUntracedMethods(full("Quiet"), full("QuietPanics")))
	if err := e.call(context.Background(), "Quiet"); err != nil {
		t.Fatal(err)
	}
	// A panic in an untraced method is still recovered and logged.
	if err := e.call(context.Background(), "QuietPanics"); status.Code(err) != codes.Internal {
		t.Fatalf("QuietPanics: %v", err)
	}
	if n := len(find(e.logs, e.method("Quiet"))); n != 0 {
		t.Errorf("untraced method logged %d lines", n)
	}
	recs := find(e.logs, e.method("QuietPanics"))
	if len(recs) != 1 || recs[0].Level != slog.LevelError {
		t.Errorf("panic in untraced method: %+v", recs)
	}
	for _, s := range mt.FinishedSpans() {
		if r := s.Tag(ext.ResourceName); r == e.method("Quiet") && s.OperationName() == "grpc.server" {
			t.Error("untraced method has a server span")
		}
	}
}

func TestServerStream(t *testing.T) {
	mt := startTracer(t)
	cases := []struct {
		name      string
		fn        streamFunc
		code      codes.Code
		spanError bool
		level     slog.Level
	}{
		{"StreamOK", func(_ context.Context, send func(string) error) error {
			_ = send("a")
			return send("b")
		}, codes.OK, false, slog.LevelInfo},
		{"StreamNotFound", func(_ context.Context, send func(string) error) error {
			_ = send("a")
			return errors.E(errors.NotFound, "no more pages", errors.New(secret))
		}, codes.NotFound, false, slog.LevelWarn},
		{"StreamPanic", func(_ context.Context, send func(string) error) error {
			_ = send("a")
			panicHere("stream broke")
			return nil
		}, codes.Internal, true, slog.LevelError},
	}
	fns := map[string]streamFunc{}
	for _, tc := range cases {
		fns[tc.name] = tc.fn
	}
	e := startServer(t, newService(nil, fns))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method := e.method(tc.name)
			got, err := recvAll(context.Background(), e.conn, method)
			if status.Code(err) != tc.code {
				t.Fatalf("code = %v, want %v (%v)", status.Code(err), tc.code, err)
			}
			if len(got) == 0 || got[0] != "a" {
				t.Errorf("messages = %v", got)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("internal text reached the client: %v", err)
			}
			srv := spansOf(t, mt, "grpc.server", method, 1)[0]
			if isSpanError(srv) != tc.spanError {
				t.Errorf("span error = %v, want %v", isSpanError(srv), tc.spanError)
			}
			recs := find(e.logs, method)
			if len(recs) != 1 || recs[0].Level != tc.level || recs[0].SpanID != srv.SpanID() {
				t.Errorf("log lines = %+v, want one at %v joined to span %d", recs, tc.level, srv.SpanID())
			}
		})
	}
}
