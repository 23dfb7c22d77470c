// Package status is the one place where an errors.Kind meets a transport:
// the HTTP status, gRPC code and log level for each kind, and the way back.
// The behaviour table of the README's Kinds section is this file;
// middleware and ddxgrpc only look it up.
package status

import (
	"log/slog"
	"net/http"

	"google.golang.org/grpc/codes"

	"github.com/ddx-go/ddx/errors"
)

// StatusClientClosedRequest is nginx's 499: the client went away before the
// answer. Not in net/http, but what Datadog users know from their proxies.
const StatusClientClosedRequest = 499

type entry struct {
	http int
	grpc codes.Code
}

// table is indexed by Kind. Other and Internal share the 500/Internal row;
// FailedPrecondition answers 412 only for conditional requests (If-Match and
// friends), which is why HTTP takes the request below.
var table = [...]entry{
	errors.Other:              {http.StatusInternalServerError, codes.Unknown},
	errors.Invalid:            {http.StatusBadRequest, codes.InvalidArgument},
	errors.Unauthenticated:    {http.StatusUnauthorized, codes.Unauthenticated},
	errors.PermissionDenied:   {http.StatusForbidden, codes.PermissionDenied},
	errors.NotFound:           {http.StatusNotFound, codes.NotFound},
	errors.Conflict:           {http.StatusConflict, codes.AlreadyExists},
	errors.FailedPrecondition: {http.StatusBadRequest, codes.FailedPrecondition},
	errors.TooManyRequests:    {http.StatusTooManyRequests, codes.ResourceExhausted},
	errors.Canceled:           {StatusClientClosedRequest, codes.Canceled},
	errors.DeadlineExceeded:   {http.StatusGatewayTimeout, codes.DeadlineExceeded},
	errors.Unavailable:        {http.StatusServiceUnavailable, codes.Unavailable},
	errors.Unimplemented:      {http.StatusNotImplemented, codes.Unimplemented},
	errors.Internal:           {http.StatusInternalServerError, codes.Internal},
}

func lookup(k errors.Kind) entry {
	if int(k) < len(table) {
		return table[k]
	}
	return table[errors.Internal]
}

// HTTP returns the HTTP status for k. conditional reports whether the request
// carried a precondition header (If-Match, If-None-Match, If-Unmodified-Since),
// in which case FailedPrecondition is 412 as RFC 9110 asks.
func HTTP(k errors.Kind, conditional bool) int {
	if k == errors.FailedPrecondition && conditional {
		return http.StatusPreconditionFailed
	}
	return lookup(k).http
}

// Conditional reports whether r carries a precondition header.
func Conditional(r *http.Request) bool {
	if r == nil {
		return false
	}
	h := r.Header
	return h.Get("If-Match") != "" || h.Get("If-None-Match") != "" ||
		h.Get("If-Unmodified-Since") != "" || h.Get("If-Modified-Since") != ""
}

// GRPC returns the gRPC code for k.
func GRPC(k errors.Kind) codes.Code { return lookup(k).grpc }

// KindOfHTTP classifies a status code that was written without an error, for
// example by a handler that calls WriteHeader(404) itself or by a dependency
// that answered an outbound call. 2xx and 3xx have no kind; ok is false. The
// table is the errors package's, which classifies errors that carry a status
// the same way.
func KindOfHTTP(code int) (k errors.Kind, ok bool) { return errors.KindOfHTTP(code) }

// KindOfGRPC classifies a gRPC code. OK has no kind; ok is false.
func KindOfGRPC(c codes.Code) (k errors.Kind, ok bool) {
	switch c {
	case codes.OK:
		return errors.Other, false
	case codes.Canceled:
		return errors.Canceled, true
	case codes.InvalidArgument, codes.OutOfRange:
		return errors.Invalid, true
	case codes.DeadlineExceeded:
		return errors.DeadlineExceeded, true
	case codes.NotFound:
		return errors.NotFound, true
	case codes.AlreadyExists, codes.Aborted:
		return errors.Conflict, true
	case codes.PermissionDenied:
		return errors.PermissionDenied, true
	case codes.ResourceExhausted:
		return errors.TooManyRequests, true
	case codes.FailedPrecondition:
		return errors.FailedPrecondition, true
	case codes.Unimplemented:
		return errors.Unimplemented, true
	case codes.Unavailable:
		return errors.Unavailable, true
	case codes.Unauthenticated:
		return errors.Unauthenticated, true
	case codes.Internal, codes.DataLoss:
		return errors.Internal, true
	default:
		return errors.Other, true
	}
}

// Level is the log level of an outcome of kind k, the table's last column:
// a client that went away is INFO, other expected kinds WARN, the rest
// ERROR.
func Level(k errors.Kind) slog.Level {
	switch {
	case k == errors.Canceled:
		return slog.LevelInfo
	case k.Expected():
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}
