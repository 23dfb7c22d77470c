package status_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"google.golang.org/grpc/codes"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/status"
)

// TestTable is the README's Kinds table, row by row.
func TestTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind     errors.Kind
		http     int
		httpCond int // for a conditional request
		grpc     codes.Code
		expected bool
		level    slog.Level
	}{
		{errors.Invalid, 400, 400, codes.InvalidArgument, true, slog.LevelWarn},
		{errors.Unauthenticated, 401, 401, codes.Unauthenticated, true, slog.LevelWarn},
		{errors.PermissionDenied, 403, 403, codes.PermissionDenied, true, slog.LevelWarn},
		{errors.NotFound, 404, 404, codes.NotFound, true, slog.LevelWarn},
		{errors.Conflict, 409, 409, codes.AlreadyExists, true, slog.LevelWarn},
		{errors.FailedPrecondition, 400, 412, codes.FailedPrecondition, true, slog.LevelWarn},
		{errors.TooManyRequests, 429, 429, codes.ResourceExhausted, true, slog.LevelWarn},
		{errors.Canceled, 499, 499, codes.Canceled, true, slog.LevelInfo},
		{errors.DeadlineExceeded, 504, 504, codes.DeadlineExceeded, false, slog.LevelError},
		{errors.Unavailable, 503, 503, codes.Unavailable, false, slog.LevelError},
		{errors.Unimplemented, 501, 501, codes.Unimplemented, false, slog.LevelError},
		{errors.Internal, 500, 500, codes.Internal, false, slog.LevelError},
		{errors.Other, 500, 500, codes.Unknown, false, slog.LevelError},
		{errors.Kind(200), 500, 500, codes.Internal, false, slog.LevelError}, // unknown kinds are internal errors
	}
	for _, tc := range tests {
		t.Run(tc.kind.String(), func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.http, status.HTTP(tc.kind, false))
			assert.Equal(t, tc.httpCond, status.HTTP(tc.kind, true))
			assert.Equal(t, tc.grpc, codes.Code(status.GRPC(tc.kind)))
			assert.Equal(t, tc.expected, tc.kind.Expected())
			assert.Equal(t, tc.level, status.Level(tc.kind))
			// The expected kinds are exactly the 4xx (and 499) ones.
			assert.Equal(t, tc.expected, tc.http < 500)
		})
	}
}

// TestRoundTrip checks that classifying the status or code a kind maps to
// gives the kind back, where the mapping is one to one.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for k := errors.Invalid; k <= errors.Internal; k++ {
		if k == errors.Other {
			continue
		}
		got, ok := status.KindOfHTTP(status.HTTP(k, true))
		assert.True(t, ok, k.String())
		assert.Equal(t, k, got, "HTTP round trip of %s", k)
		got, ok = status.KindOfGRPC(status.GRPC(k))
		assert.True(t, ok)
		assert.Equal(t, k, got, "gRPC round trip of %s", k)
	}
}

func TestKindOfHTTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code int
		kind errors.Kind
		ok   bool
	}{
		{200, errors.Other, false},
		{204, errors.Other, false},
		{304, errors.Other, false},
		{400, errors.Invalid, true},
		{405, errors.Invalid, true},
		{413, errors.Invalid, true},
		{422, errors.Invalid, true},
		{418, errors.Invalid, true}, // other 4xx: the client's doing
		{401, errors.Unauthenticated, true},
		{403, errors.PermissionDenied, true},
		{404, errors.NotFound, true},
		{410, errors.NotFound, true},
		{409, errors.Conflict, true},
		{412, errors.FailedPrecondition, true},
		{428, errors.FailedPrecondition, true},
		{429, errors.TooManyRequests, true},
		{499, errors.Canceled, true},
		{408, errors.DeadlineExceeded, true},
		{504, errors.DeadlineExceeded, true},
		{502, errors.Unavailable, true},
		{503, errors.Unavailable, true},
		{501, errors.Unimplemented, true},
		{500, errors.Internal, true},
		{507, errors.Internal, true},
		{599, errors.Internal, true},
	}
	for _, tc := range tests {
		t.Run(http.StatusText(tc.code), func(t *testing.T) {
			t.Parallel()
			k, ok := status.KindOfHTTP(tc.code)
			assert.Equal(t, tc.ok, ok, tc.code)
			assert.Equal(t, tc.kind, k, tc.code)
		})
	}
}

func TestKindOfGRPC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code codes.Code
		kind errors.Kind
		ok   bool
	}{
		{codes.OK, errors.Other, false},
		{codes.Canceled, errors.Canceled, true},
		{codes.Unknown, errors.Other, true},
		{codes.InvalidArgument, errors.Invalid, true},
		{codes.OutOfRange, errors.Invalid, true},
		{codes.DeadlineExceeded, errors.DeadlineExceeded, true},
		{codes.NotFound, errors.NotFound, true},
		{codes.AlreadyExists, errors.Conflict, true},
		{codes.Aborted, errors.Conflict, true},
		{codes.PermissionDenied, errors.PermissionDenied, true},
		{codes.ResourceExhausted, errors.TooManyRequests, true},
		{codes.FailedPrecondition, errors.FailedPrecondition, true},
		{codes.Unimplemented, errors.Unimplemented, true},
		{codes.Unavailable, errors.Unavailable, true},
		{codes.Unauthenticated, errors.Unauthenticated, true},
		{codes.Internal, errors.Internal, true},
		{codes.DataLoss, errors.Internal, true},
		{codes.Code(99), errors.Other, true},
	}
	for _, tc := range tests {
		t.Run(tc.code.String(), func(t *testing.T) {
			t.Parallel()
			k, ok := status.KindOfGRPC(uint32(tc.code))
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.kind, k)
		})
	}
}

func TestConditional(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header string
		want   bool
	}{
		{"plain", "", false},
		{"If-Match", "If-Match", true},
		{"If-None-Match", "If-None-Match", true},
		{"If-Unmodified-Since", "If-Unmodified-Since", true},
		{"If-Modified-Since", "If-Modified-Since", true},
		{"unrelated", "If-Range", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("PUT", "/", nil)
			if tc.header != "" {
				r.Header.Set(tc.header, `"x"`)
			}
			assert.Equal(t, tc.want, status.Conditional(r))
		})
	}
	assert.False(t, status.Conditional(nil))
}
