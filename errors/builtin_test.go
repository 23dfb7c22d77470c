package errors_test

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	stderrors "errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ddx-go/ddx/errors"
)

// sqlStateErr is a driver error the way pgx's *pgconn.PgError and lib/pq's
// *pq.Error look to KindOf.
type sqlStateErr struct{ state string }

func (e *sqlStateErr) Error() string    { return "ERROR: something (SQLSTATE " + e.state + ")" }
func (e *sqlStateErr) SQLState() string { return e.state }

// retryableErr is shaped like pgx's connection errors ("conn closed"):
// SafeToRetry is true when nothing reached the server.
type retryableErr struct {
	msg   string
	err   error
	retry bool
}

func (e *retryableErr) Error() string     { return e.msg }
func (e *retryableErr) Unwrap() error     { return e.err }
func (e *retryableErr) SafeToRetry() bool { return e.retry }

// codeErr has a Code() int method, as modernc.org/sqlite's *sqlite.Error
// does, and as many unrelated error types do: only SQLite's own type is
// read as a SQLite result code (TestSQLiteCodes in middleware/ddxsql runs
// the real driver).
type codeErr struct{ code int }

func (e codeErr) Error() string { return fmt.Sprintf("code %d", e.code) }
func (e codeErr) Code() int     { return e.code }

// statusErr carries an HTTP status the way many API clients' errors do.
type statusErr struct{ code int }

func (e statusErr) Error() string   { return fmt.Sprintf("api: status %d", e.code) }
func (e statusErr) StatusCode() int { return e.code }

type httpStatusErr struct{ code int }

func (e httpStatusErr) Error() string   { return fmt.Sprintf("api: status %d", e.code) }
func (e httpStatusErr) HTTPStatus() int { return e.code }

// netTimeout is a net.Error whose Timeout is true.
type netTimeout struct{}

func (netTimeout) Error() string   { return "read: i/o timeout" }
func (netTimeout) Timeout() bool   { return true }
func (netTimeout) Temporary() bool { return true }

// pgxNoRows is shaped like pgx v5's ErrNoRows: its own text, wrapping
// sql.ErrNoRows.
type pgxNoRows struct{}

func (pgxNoRows) Error() string { return "no rows in result set" }
func (pgxNoRows) Unwrap() error { return sql.ErrNoRows }

// opErr is what dialing a refused port returns on Linux, built by hand so
// that every row has the same shape; TestBuiltinRealSources dials for real.
func opErr(errno syscall.Errno) error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
}

// TestBuiltinTable covers every row of the built-in classification table:
// bare, wrapped with %w, inside Join, under an outer *Error without a kind
// (the row's kind stands) and under one with a kind (that kind wins).
func TestBuiltinTable(t *testing.T) {
	t.Parallel()
	rows := []struct {
		name string
		err  error
		want errors.Kind
	}{
		{"sql.ErrNoRows", sql.ErrNoRows, errors.NotFound},
		{"pgx-style ErrNoRows", pgxNoRows{}, errors.NotFound},
		{"os.ErrDeadlineExceeded", os.ErrDeadlineExceeded, errors.DeadlineExceeded},
		{"net.Error timeout", netTimeout{}, errors.DeadlineExceeded},
		{"ETIMEDOUT", opErr(syscall.ETIMEDOUT), errors.DeadlineExceeded},
		{"connection refused", opErr(syscall.ECONNREFUSED), errors.Unavailable},
		{"connection reset", opErr(syscall.ECONNRESET), errors.Unavailable},
		{"connection aborted", opErr(syscall.ECONNABORTED), errors.Unavailable},
		{"host unreachable", opErr(syscall.EHOSTUNREACH), errors.Unavailable},
		{"network unreachable", opErr(syscall.ENETUNREACH), errors.Unavailable},
		{"no such host", &net.DNSError{Err: "no such host", Name: "db.internal", IsNotFound: true}, errors.Unavailable},
		{"DNS timeout", &net.DNSError{Err: "i/o timeout", Name: "db.internal", IsTimeout: true}, errors.DeadlineExceeded},
		{"SQLSTATE 23505 unique", &sqlStateErr{"23505"}, errors.Conflict},
		{"SQLSTATE 23503 foreign key", &sqlStateErr{"23503"}, errors.FailedPrecondition},
		{"SQLSTATE 40001 serialization", &sqlStateErr{"40001"}, errors.Unavailable},
		{"SQLSTATE 40P01 deadlock", &sqlStateErr{"40P01"}, errors.Unavailable},
		{"SQLSTATE 57014 canceled", &sqlStateErr{"57014"}, errors.Canceled},
		{"SQLSTATE 08006 connection", &sqlStateErr{"08006"}, errors.Unavailable},
		{"SQLSTATE 08000 connection", &sqlStateErr{"08000"}, errors.Unavailable},
		{"SQLSTATE 42P01 other", &sqlStateErr{"42P01"}, errors.Internal},
		// A database restart: the server ends sessions (57P01 admin
		// shutdown, 57P02 crash shutdown) and refuses new ones while it
		// starts (57P03); a retry on a new connection helps.
		{"SQLSTATE 57P01 admin shutdown", &sqlStateErr{"57P01"}, errors.Unavailable},
		{"SQLSTATE 57P02 crash shutdown", &sqlStateErr{"57P02"}, errors.Unavailable},
		{"SQLSTATE 57P03 cannot connect now", &sqlStateErr{"57P03"}, errors.Unavailable},
		{"driver.ErrBadConn", driver.ErrBadConn, errors.Unavailable},
		{"pgx-style conn closed", &retryableErr{"conn closed", stderrors.New("conn closed"), true}, errors.Unavailable},
		{"SQLSTATE empty", &sqlStateErr{""}, errors.Internal},
		{"StatusCode 404", statusErr{404}, errors.NotFound},
		{"StatusCode 429", statusErr{429}, errors.TooManyRequests},
		{"StatusCode 418 other 4xx", statusErr{418}, errors.Invalid},
		{"StatusCode 502", statusErr{502}, errors.Unavailable},
		{"StatusCode 599 other 5xx", statusErr{599}, errors.Internal},
		{"HTTPStatus 401", httpStatusErr{401}, errors.Unauthenticated},
		{"HTTPStatus 503", httpStatusErr{503}, errors.Unavailable},
	}
	shapes := []struct {
		name string
		wrap func(error) error
		// stated is true when the shape states a kind that must win.
		stated bool
	}{
		{"bare", func(err error) error { return err }, false},
		{"%w", func(err error) error { return fmt.Errorf("load: %w", err) }, false},
		{"Join", func(err error) error { return stderrors.Join(err) }, false},
		{"Join with nil", func(err error) error { return stderrors.Join(nil, err) }, false},
		{"E without kind", func(err error) error { return errors.E(errors.Op("repo.Get"), "get", err) }, false},
		{"E, %w, E", func(err error) error {
			return errors.E(errors.Op("a"), fmt.Errorf("b: %w", errors.E(errors.Op("c"), err)))
		}, false},
		{"E with kind", func(err error) error { return errors.E(errors.Op("repo.Get"), errors.PermissionDenied, err) }, true},
		{"E with kind over %w", func(err error) error {
			return errors.E(errors.PermissionDenied, fmt.Errorf("x: %w", err))
		}, true},
		{"E with kind over Join", func(err error) error {
			return errors.E(errors.PermissionDenied, stderrors.Join(err))
		}, true},
	}
	for _, r := range rows {
		for _, sh := range shapes {
			t.Run(r.name+"/"+sh.name, func(t *testing.T) {
				t.Parallel()
				want := r.want
				if sh.stated {
					want = errors.PermissionDenied
				}
				err := sh.wrap(r.err)
				if got := errors.KindOf(err); got != want {
					t.Errorf("KindOf(%v) = %v, want %v", err, got, want)
				}
			})
		}
	}
}

// TestBuiltinLimits pins what the table does not do: io.EOF and text stay
// Internal, a Timeout() of false classifies nothing, a 2xx or 3xx status has
// no kind, and a context error deeper in the chain still wins over a library
// row above it.
func TestBuiltinLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want errors.Kind
	}{
		{"io.EOF", io.EOF, errors.Internal},
		{"plain text", stderrors.New("connection refused"), errors.Internal},
		{"text through %w", fmt.Errorf("x: %w", stderrors.New("no rows")), errors.Internal},
		{"EPIPE", opErr(syscall.EPIPE), errors.Internal},
		{"StatusCode 200", statusErr{200}, errors.Internal},
		{"StatusCode 302", statusErr{302}, errors.Internal},
		{"status over refused: innermost library row", fmt.Errorf("%w: %w", statusErr{404}, opErr(syscall.ECONNREFUSED)), errors.Unavailable},
		{"library row over a context error", &net.OpError{Op: "read", Err: context.Canceled}, errors.Canceled},
		{"Unavailable stated over Canceled", errors.E(errors.Unavailable, context.Canceled), errors.Canceled},
		{"stated beats a deeper library row", errors.E(errors.NotFound, fmt.Errorf("x: %w", &sqlStateErr{"23505"})), errors.NotFound},
		{"join: library real problem wins over stated expected", stderrors.Join(errors.E(errors.NotFound), opErr(syscall.ECONNREFUSED)), errors.Unavailable},
		{"nil SQLState pointer", (*sqlStateErr)(nil), errors.Internal},
		// Code() int alone is not SQLite's: 2067 of another library's
		// error type means nothing here.
		{"Code() int of another type", codeErr{2067}, errors.Internal},
		{"SafeToRetry false", &retryableErr{"conn busy", nil, false}, errors.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errors.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestBuiltinRealSources classifies errors made by the real network stack.
func TestBuiltinRealSources(t *testing.T) {
	t.Parallel()

	t.Run("dial a closed port", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		_, err = net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			t.Fatal("dial of a closed port succeeded")
		}
		var op *net.OpError
		if !stderrors.As(err, &op) {
			t.Fatalf("dial error %T is no *net.OpError", err)
		}
		if got := errors.KindOf(err); got != errors.Unavailable {
			t.Errorf("KindOf(%v) = %v, want Unavailable", err, got)
		}
		if got := errors.KindOf(errors.E(errors.Op("prices.Fetch"), err)); got != errors.Unavailable {
			t.Errorf("wrapped: KindOf = %v, want Unavailable", got)
		}
	})

	t.Run("read past a deadline", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := ln.Accept()
			if err == nil {
				defer c.Close()
				_, _ = io.Copy(io.Discard, c) // never answers
			}
		}()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		_, err = c.Read(make([]byte, 1))
		c.Close()
		wg.Wait()
		if !stderrors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read error %v is not os.ErrDeadlineExceeded", err)
		}
		if got := errors.KindOf(err); got != errors.DeadlineExceeded {
			t.Errorf("KindOf(%v) = %v, want DeadlineExceeded", err, got)
		}
	})
}

// quotaErr is a team's own error type, taught to KindOf by a classifier.
type quotaErr struct{}

func (quotaErr) Error() string { return "quota exceeded" }

// overridden is a type a built-in row would classify (it has a status),
// which a registered classifier reclassifies: classifiers run first.
type overridden struct{ statusErr }

// panicky makes the panicking classifier below panic.
type panicky struct{}

func (panicky) Error() string { return "panicky" }

func init() {
	errors.RegisterClassifier(nil) // ignored
	errors.RegisterClassifier(func(err error) (errors.Kind, bool) {
		if _, ok := err.(panicky); ok {
			panic("classifier bug")
		}
		return errors.Other, false
	})
	errors.RegisterClassifier(func(err error) (errors.Kind, bool) {
		switch err.(type) {
		case quotaErr:
			return errors.TooManyRequests, true
		case overridden:
			return errors.Conflict, true
		case panicky:
			return errors.Other, true // Other with true counts as false
		}
		return errors.Other, false
	})
}

func TestRegisterClassifier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want errors.Kind
	}{
		{"own type", quotaErr{}, errors.TooManyRequests},
		{"own type wrapped", fmt.Errorf("charge: %w", quotaErr{}), errors.TooManyRequests},
		{"own type under E", errors.E(errors.Op("billing.Charge"), quotaErr{}), errors.TooManyRequests},
		{"stated kind still wins", errors.E(errors.Unavailable, quotaErr{}), errors.Unavailable},
		{"before the built-in table", overridden{statusErr{404}}, errors.Conflict},
		{"panicking classifier is skipped", panicky{}, errors.Internal},
		{"Other with true is no kind", fmt.Errorf("x: %w", panicky{}), errors.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errors.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRegisterClassifierConcurrent registers while other goroutines
// classify; -race checks the registry.
func TestRegisterClassifierConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			errors.RegisterClassifier(func(err error) (errors.Kind, bool) { return errors.Other, i < 0 })
		}()
		go func() {
			defer wg.Done()
			for range 100 {
				if got := errors.KindOf(quotaErr{}); got != errors.TooManyRequests {
					t.Errorf("KindOf = %v during registration", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestKindOfHTTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code int
		want errors.Kind
		ok   bool
	}{
		{100, errors.Other, false}, {200, errors.Other, false}, {304, errors.Other, false},
		{400, errors.Invalid, true}, {401, errors.Unauthenticated, true}, {403, errors.PermissionDenied, true},
		{404, errors.NotFound, true}, {405, errors.Invalid, true}, {408, errors.DeadlineExceeded, true},
		{409, errors.Conflict, true}, {410, errors.NotFound, true}, {412, errors.FailedPrecondition, true},
		{418, errors.Invalid, true}, {422, errors.Invalid, true}, {429, errors.TooManyRequests, true},
		{499, errors.Canceled, true}, {500, errors.Internal, true}, {501, errors.Unimplemented, true},
		{502, errors.Unavailable, true}, {503, errors.Unavailable, true}, {504, errors.DeadlineExceeded, true},
		{599, errors.Internal, true}, {0, errors.Other, false}, {-1, errors.Other, false}, {1000, errors.Internal, true},
	}
	for _, tt := range tests {
		k, ok := errors.KindOfHTTP(tt.code)
		if k != tt.want || ok != tt.ok {
			t.Errorf("KindOfHTTP(%d) = %v, %v; want %v, %v", tt.code, k, ok, tt.want, tt.ok)
		}
	}
}

// panickyState is a library error whose methods panic: KindOf must still
// answer.
type panickyState struct{}

func (panickyState) Error() string    { return "panicky state" }
func (panickyState) SQLState() string { panic("SQLState broke") }

type panickyTimeout struct{}

func (panickyTimeout) Error() string { return "panicky timeout" }
func (panickyTimeout) Timeout() bool { panic("Timeout broke") }

// FuzzKindOfLibraryErrors builds chains of library errors, wrappers, the
// registered classifiers' types (one of which panics) and errors whose
// methods panic, and checks that KindOf, CodeOf, Message, Public and
// TypeName never panic, and that KindOf is a named kind.
func FuzzKindOfLibraryErrors(f *testing.F) {
	f.Add([]byte{0, 1, 2}, "23505", 404)
	f.Add([]byte{3, 4, 5, 6, 7}, "08006", 503)
	f.Add([]byte{8, 9, 10, 11, 12, 13, 14}, "", 200)
	f.Add([]byte{15, 15, 15}, "\x00", -1)
	f.Fuzz(func(t *testing.T, sel []byte, state string, code int) {
		if len(sel) > 32 {
			sel = sel[:32]
		}
		var err error = io.EOF
		for _, b := range sel {
			switch b % 16 {
			case 0:
				err = &sqlStateErr{state}
			case 1:
				err = statusErr{code}
			case 2:
				err = fmt.Errorf("w: %w", err)
			case 3:
				err = errors.E(errors.Op("op"), err)
			case 4:
				err = errors.E(errors.Kind(code%16), errors.Code(state), err)
			case 5:
				err = stderrors.Join(err, &sqlStateErr{state})
			case 6:
				err = panicky{}
			case 7:
				err = fmt.Errorf("%w + %w", err, panicky{})
			case 8:
				err = panickyState{}
			case 9:
				err = panickyTimeout{}
			case 10:
				err = quotaErr{}
			case 11:
				err = opErr(syscall.Errno(code & 0xff))
			case 12:
				err = (*sqlStateErr)(nil)
			case 13:
				err = stderrors.Join(err, context.Canceled)
			case 14:
				err = httpStatusErr{code}
			case 15:
				err = fmt.Errorf("x: %w", sql.ErrNoRows)
			}
		}
		k := errors.KindOf(err)
		if k.String() == "" || k == errors.Other {
			t.Fatalf("KindOf(%v) = %v", err, k)
		}
		_ = errors.CodeOf(err)
		_ = errors.Public(err)
		_ = errors.TypeName(err)
		func() {
			defer func() { _ = recover() }() // a panicking Error() is the caller's; Message may meet one
			_ = errors.Message(err)
		}()
	})
}

type onceErr struct{}

func (onceErr) Error() string { return "once" }

// TestPanickingClassifierLoggedOnce: a classifier that panics is skipped
// and said once, not once per error.
func TestPanickingClassifierLoggedOnce(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(prev)
	errors.RegisterClassifier(func(err error) (errors.Kind, bool) {
		if _, ok := err.(onceErr); ok {
			panic("bad classifier")
		}
		return errors.Other, false
	})
	for range 5 {
		if got := errors.KindOf(fmt.Errorf("x: %w", onceErr{})); got != errors.Internal {
			t.Fatalf("KindOf = %v, want Internal", got)
		}
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 || !strings.Contains(buf.String(), "bad classifier") || !strings.Contains(buf.String(), "errors_test.onceErr") {
		t.Errorf("want one line naming the panic and the error type, got:\n%s", buf.String())
	}
}
