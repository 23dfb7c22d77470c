// Package status is the one place where an errors.Kind meets a transport:
// the HTTP status, gRPC code and log level for each kind, and the way back.
// The behaviour table of the README's Kinds section is this file;
// middleware and ddxgrpc only look it up.
package status

import (
	"log/slog"
	"net/http"

	"github.com/ddx-go/ddx/errors"
)

// StatusClientClosedRequest is nginx's 499: the client went away before the
// answer. Not in net/http, but what Datadog users know from their proxies.
const StatusClientClosedRequest = 499

// The gRPC status codes by number, as google.golang.org/grpc/codes numbers
// them (they are fixed by the gRPC protocol), so that the packages which
// need only the HTTP column — every integration built on package outcome,
// the data stores among them — do not depend on the grpc module. The test
// checks each against the codes package.
const (
	codeOK uint32 = iota
	codeCanceled
	codeUnknown
	codeInvalidArgument
	codeDeadlineExceeded
	codeNotFound
	codeAlreadyExists
	codePermissionDenied
	codeResourceExhausted
	codeFailedPrecondition
	codeAborted
	codeOutOfRange
	codeUnimplemented
	codeInternal
	codeUnavailable
	codeDataLoss
	codeUnauthenticated
)

type entry struct {
	http int
	grpc uint32
}

// table is indexed by Kind. Other and Internal share the 500/Internal row;
// FailedPrecondition answers 412 only for conditional requests (If-Match and
// friends), which is why HTTP takes the request below.
var table = [...]entry{
	errors.Other:              {http.StatusInternalServerError, codeUnknown},
	errors.Invalid:            {http.StatusBadRequest, codeInvalidArgument},
	errors.Unauthenticated:    {http.StatusUnauthorized, codeUnauthenticated},
	errors.PermissionDenied:   {http.StatusForbidden, codePermissionDenied},
	errors.NotFound:           {http.StatusNotFound, codeNotFound},
	errors.Conflict:           {http.StatusConflict, codeAlreadyExists},
	errors.FailedPrecondition: {http.StatusBadRequest, codeFailedPrecondition},
	errors.TooManyRequests:    {http.StatusTooManyRequests, codeResourceExhausted},
	errors.Canceled:           {StatusClientClosedRequest, codeCanceled},
	errors.DeadlineExceeded:   {http.StatusGatewayTimeout, codeDeadlineExceeded},
	errors.Unavailable:        {http.StatusServiceUnavailable, codeUnavailable},
	errors.Unimplemented:      {http.StatusNotImplemented, codeUnimplemented},
	errors.Internal:           {http.StatusInternalServerError, codeInternal},
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

// GRPC returns the gRPC code for k, as a codes.Code's number.
func GRPC(k errors.Kind) uint32 { return lookup(k).grpc }

// KindOfHTTP classifies a status code that was written without an error, for
// example by a handler that calls WriteHeader(404) itself or by a dependency
// that answered an outbound call. 2xx and 3xx have no kind; ok is false. The
// table is the errors package's, which classifies errors that carry a status
// the same way.
func KindOfHTTP(code int) (k errors.Kind, ok bool) { return errors.KindOfHTTP(code) }

// KindOfGRPC classifies a gRPC code, given as a codes.Code's number. OK
// has no kind; ok is false.
func KindOfGRPC(c uint32) (k errors.Kind, ok bool) {
	switch c {
	case codeOK:
		return errors.Other, false
	case codeCanceled:
		return errors.Canceled, true
	case codeInvalidArgument, codeOutOfRange:
		return errors.Invalid, true
	case codeDeadlineExceeded:
		return errors.DeadlineExceeded, true
	case codeNotFound:
		return errors.NotFound, true
	case codeAlreadyExists, codeAborted:
		return errors.Conflict, true
	case codePermissionDenied:
		return errors.PermissionDenied, true
	case codeResourceExhausted:
		return errors.TooManyRequests, true
	case codeFailedPrecondition:
		return errors.FailedPrecondition, true
	case codeUnimplemented:
		return errors.Unimplemented, true
	case codeUnavailable:
		return errors.Unavailable, true
	case codeUnauthenticated:
		return errors.Unauthenticated, true
	case codeInternal, codeDataLoss:
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
