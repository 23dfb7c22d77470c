package ddxgrpc_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/status"
	"github.com/ddx-go/ddx/middleware/ddxgrpc"
	"github.com/ddx-go/ddx/outcome"
)

// FuzzServerStatus runs the unary server interceptor in process on errors of
// any kind, message and cause: it must not panic, the code must be the
// kind's, and the client's message must be the public one, which never
// contains the cause's text unless the author's own message does.
func FuzzServerStatus(f *testing.F) {
	f.Add(uint8(errors.NotFound), "user 42 not found", "sql: password=hunter2", false)
	f.Add(uint8(errors.Unavailable), "", "dial tcp 10.0.0.5:443: connection refused", false)
	f.Add(uint8(errors.Other), "x", "", true)
	f.Add(uint8(200), "\xff\x00", "\n\t", false)
	f.Add(uint8(errors.Canceled), "stopped", "context canceled", true)
	f.Add(uint8(errors.Canceled), "stopped", "", false)
	intercept := ddxgrpc.UnaryServerInterceptor(ddxgrpc.WithLogger(slog.New(slog.DiscardHandler)))
	info := &grpc.UnaryServerInfo{FullMethod: "/fuzz.Svc/Do"}
	f.Fuzz(func(t *testing.T, kind uint8, msg, cause string, panics bool) {
		args := []any{errors.Op("fuzz.Do"), errors.Kind(kind)}
		if msg != "" {
			args = append(args, msg)
		}
		if cause != "" {
			args = append(args, errors.New(cause))
		}
		herr := errors.E(args...)
		_, err := intercept(context.Background(), nil, info, func(context.Context, any) (any, error) {
			if panics {
				panic(herr)
			}
			return nil, herr
		})
		st, ok := grpcstatus.FromError(err)
		if !ok || err == nil {
			t.Fatalf("not a status: %v", err)
		}
		// The call's context is never canceled: a Canceled error is the
		// server's own doing (outcome.ClassifyIn), Internal.
		want := outcome.ClassifyIn(context.Background(), herr).Err
		if panics {
			want = errors.E(errors.Internal) // a panic is Internal, whatever it carries
		}
		if st.Code() != codes.Code(status.GRPC(errors.KindOf(want))) {
			t.Fatalf("code %v for kind %v", st.Code(), errors.KindOf(want))
		}
		if st.Message() != errors.Public(want) {
			t.Fatalf("message %q, want public %q", st.Message(), errors.Public(want))
		}
		if cause != "" && !strings.Contains(msg, cause) && strings.Contains(st.Message(), cause) &&
			!strings.Contains(errors.Public(errors.E(errors.KindOf(want))), cause) {
			t.Fatalf("cause text %q reached the client: %q", cause, st.Message())
		}
	})
}
