package errors

import (
	"database/sql"
	"database/sql/driver"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
)

// The errors that libraries return are classified by builtinKind, whose
// rows are the table "What libraries return" of the package documentation;
// a layer is checked against them in that order, the first that applies
// classifying it.

// libraryKind classifies one layer of a chain, not its causes: first with
// the registered classifiers, in the order they were registered, then with
// the built-in table. A method of err that panics (Timeout, SQLState,
// StatusCode) leaves the layer unclassified.
func libraryKind(err error) (k Kind, ok bool) {
	if cs := classifiers.Load(); cs != nil {
		for _, c := range *cs {
			if k, ok := c.classify(err); ok {
				return k, true
			}
		}
	}
	defer func() {
		if recover() != nil {
			k, ok = Other, false
		}
	}()
	return builtinKind(err)
}

// builtinKind is the built-in table.
func builtinKind(err error) (Kind, bool) {
	if code, ok := sqliteCode(err); ok {
		return kindOfSQLite(code), true
	}
	switch x := err.(type) {
	case interface{ SQLState() string }:
		return kindOfSQLState(x.SQLState()), true
	case interface{ StatusCode() int }:
		return KindOfHTTP(x.StatusCode())
	case interface{ HTTPStatus() int }:
		return KindOfHTTP(x.HTTPStatus())
	case syscall.Errno:
		switch x {
		case syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED,
			syscall.EHOSTUNREACH, syscall.ENETUNREACH:
			return Unavailable, true
		}
		// ETIMEDOUT and EAGAIN say so through Timeout, below.
	case *net.DNSError:
		if x.IsNotFound {
			return Unavailable, true
		}
	}
	if t, ok := err.(interface{ Timeout() bool }); ok && t.Timeout() {
		return DeadlineExceeded, true
	}
	switch err {
	case sql.ErrNoRows:
		return NotFound, true
	case driver.ErrBadConn:
		// database/sql's "the connection is gone" (a database restart):
		// a new connection helps.
		return Unavailable, true
	}
	// pgx's connection errors ("conn closed" after the server ended the
	// session) say SafeToRetry when nothing reached the server: a retry
	// on another connection is safe and may well succeed.
	if r, ok := err.(interface{ SafeToRetry() bool }); ok && r.SafeToRetry() {
		return Unavailable, true
	}
	return Other, false
}

// sqliteCode returns the result code of err itself when it is
// modernc.org/sqlite's *sqlite.Error (extended codes: 2067 for a UNIQUE
// constraint), which the package recognises by its type's package path and
// its Code() int method, so as not to import a driver: Code() int alone is
// too common a method to mean SQLite. internal/sqlinfo has the same
// test, for the error's Code.
func sqliteCode(err error) (int, bool) {
	c, ok := err.(interface{ Code() int })
	if !ok {
		return 0, false
	}
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() != "modernc.org/sqlite" || t.Name() != "Error" {
		return 0, false
	}
	return c.Code(), true
}

// SQLite's result codes (https://sqlite.org/rescode.html) that the table
// classifies: the primary code is the low byte of an extended one.
const (
	sqliteBusy                 = 5
	sqliteLocked               = 6
	sqliteConstraintCheck      = 275
	sqliteConstraintForeignKey = 787
	sqliteConstraintNotNull    = 1299
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// kindOfSQLite classifies a SQLite result code as the same failure's
// SQLSTATE is classified on PostgreSQL: a UNIQUE or PRIMARY KEY violation
// is Conflict (23505), a FOREIGN KEY one FailedPrecondition (23503), and a
// database another connection holds locked (SQLITE_BUSY, SQLITE_LOCKED)
// Unavailable, as a serialization failure is: a retry helps.
func kindOfSQLite(code int) Kind {
	switch code {
	case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
		return Conflict
	case sqliteConstraintForeignKey:
		return FailedPrecondition
	}
	switch code & 0xff {
	case sqliteBusy, sqliteLocked:
		return Unavailable
	}
	return Internal
}

// kindOfSQLState classifies a five-character SQLSTATE, the code PostgreSQL
// (and the SQL standard) gives every error.
func kindOfSQLState(state string) Kind {
	switch state {
	case "23505":
		return Conflict
	case "23503":
		return FailedPrecondition
	case "40001", "40P01":
		return Unavailable
	case "57014":
		return Canceled
	case "57P01", "57P02", "57P03":
		// admin_shutdown, crash_shutdown, cannot_connect_now: the server
		// is restarting, and a new connection will find it back.
		return Unavailable
	}
	if len(state) == 5 && state[:2] == "08" {
		return Unavailable
	}
	return Internal
}

// KindOfHTTP returns the kind of an HTTP status code: the kind a server meant
// when it answered with it. It is how KindOf classifies an error with a
// StatusCode or HTTPStatus method, and how ddx's middleware classifies a
// status written without an error. 1xx, 2xx and 3xx have no kind: ok is
// false. A 4xx that has no row of its own is Invalid (the client's doing), a
// 5xx Internal.
func KindOfHTTP(code int) (k Kind, ok bool) {
	switch code {
	case http.StatusBadRequest, http.StatusUnprocessableEntity,
		http.StatusRequestEntityTooLarge, http.StatusRequestURITooLong,
		http.StatusUnsupportedMediaType, http.StatusRequestHeaderFieldsTooLarge,
		http.StatusMethodNotAllowed, http.StatusNotAcceptable,
		http.StatusLengthRequired, http.StatusRequestedRangeNotSatisfiable,
		http.StatusExpectationFailed, http.StatusMisdirectedRequest:
		return Invalid, true
	case http.StatusUnauthorized:
		return Unauthenticated, true
	case http.StatusForbidden:
		return PermissionDenied, true
	case http.StatusNotFound, http.StatusGone:
		return NotFound, true
	case http.StatusConflict:
		return Conflict, true
	case http.StatusPreconditionFailed, http.StatusPreconditionRequired,
		http.StatusLocked, http.StatusFailedDependency, http.StatusTooEarly:
		return FailedPrecondition, true
	case http.StatusTooManyRequests:
		return TooManyRequests, true
	case statusClientClosedRequest:
		return Canceled, true
	case http.StatusGatewayTimeout, http.StatusRequestTimeout:
		return DeadlineExceeded, true
	case http.StatusServiceUnavailable, http.StatusBadGateway:
		return Unavailable, true
	case http.StatusNotImplemented:
		return Unimplemented, true
	}
	switch {
	case code < 400:
		return Other, false
	case code < 500:
		return Invalid, true
	default:
		return Internal, true
	}
}

// statusClientClosedRequest is nginx's 499, which net/http has no name for.
const statusClientClosedRequest = 499

// RegisterClassifier teaches [KindOf] to classify errors it does not know,
// such as a team's own *QuotaError or a client library's error type:
//
//	func init() {
//		errors.RegisterClassifier(func(err error) (errors.Kind, bool) {
//			if _, ok := err.(*billing.QuotaError); ok {
//				return errors.TooManyRequests, true
//			}
//			return errors.Other, false
//		})
//	}
//
// KindOf calls f for each layer of a chain that has no meaningful kind of
// its own (an *Error without a Kind, a fmt.Errorf wrapper, a library's
// error), one layer at a time: f must look at err itself, not unwrap it,
// and return false for errors it does not know. Classifiers run in the
// order they were registered, before the built-in table, so that a
// classifier can also change what a built-in row says. Returning [Other]
// with true counts as false.
//
// RegisterClassifier is meant to be called from init, but it is safe for
// concurrent use at any time. f must be fast and must not allocate: KindOf
// runs for every failed request. A classifier that panics is skipped for
// that error, and the first panic is logged once through [slog.Default].
// A nil f is ignored.
func RegisterClassifier(f func(err error) (Kind, bool)) {
	if f == nil {
		return
	}
	registerMu.Lock()
	defer registerMu.Unlock()
	var next []*classifier
	if cs := classifiers.Load(); cs != nil {
		next = append(next, *cs...)
	}
	next = append(next, &classifier{f: f})
	classifiers.Store(&next)
}

var (
	// classifiers is copied on write, so KindOf reads it without a lock.
	classifiers atomic.Pointer[[]*classifier]
	registerMu  sync.Mutex
)

type classifier struct {
	f        func(error) (Kind, bool)
	panicked atomic.Bool
}

// classify calls the classifier, surviving its panics.
func (c *classifier) classify(err error) (k Kind, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			k, ok = Other, false
			if !c.panicked.Swap(true) {
				slog.Default().Error("errors: a classifier registered with RegisterClassifier panicked; it is skipped for such errors",
					slog.Any("panic", r), slog.String("error.type", typeString(err)))
			}
		}
	}()
	k, ok = c.f(err)
	return k, ok && k != Other
}
