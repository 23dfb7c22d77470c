package errors_test

import (
	"context"
	stderrors "errors"
	"fmt"
	"io"
	"io/fs"
	"testing"

	"github.com/ddx-go/ddx/errors"
)

// timeoutErr says it is a deadline through its Is method, the way net/http's
// client timeout does.
type timeoutErr struct{}

func (timeoutErr) Error() string        { return "client timeout" }
func (timeoutErr) Is(target error) bool { return target == context.DeadlineExceeded }

// canceledErr says it is a cancellation, the way net's canceled dial does.
type canceledErr struct{}

func (canceledErr) Error() string        { return "operation was canceled" }
func (canceledErr) Is(target error) bool { return target == context.Canceled }

// loop unwraps to itself, a broken error a walk must survive.
type loop struct{}

func (l *loop) Error() string { return "loop" }
func (l *loop) Unwrap() error { return l }

// deep wraps err in n layers of fmt.Errorf.
func deep(n int, err error) error {
	for range n {
		err = fmt.Errorf("layer: %w", err)
	}
	return err
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	var nilErr *errors.Error
	tests := []struct {
		name string
		err  error
		want errors.Kind
	}{
		{"nil", nil, errors.Other},
		{"plain", stderrors.New("boom"), errors.Internal},
		{"io.EOF", io.EOF, errors.Internal},
		{"path error", &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist}, errors.Internal},
		{"E without kind", errors.E(errors.Op("a"), "x"), errors.Internal},
		{"E with Other", errors.E(errors.Other, "x"), errors.Internal},
		{"empty literal", &errors.Error{}, errors.Internal},
		{"typed nil *Error", nilErr, errors.Internal},
		{"unknown kind number kept", errors.E(errors.Kind(99)), errors.Kind(99)},

		{"context.Canceled", context.Canceled, errors.Canceled},
		{"context.DeadlineExceeded", context.DeadlineExceeded, errors.DeadlineExceeded},
		{"fmt-wrapped Canceled", fmt.Errorf("read: %w", context.Canceled), errors.Canceled},
		{"fmt-wrapped DeadlineExceeded", fmt.Errorf("read: %w", context.DeadlineExceeded), errors.DeadlineExceeded},
		{"Is says deadline", timeoutErr{}, errors.DeadlineExceeded},
		{"Is says canceled", fmt.Errorf("dial: %w", canceledErr{}), errors.Canceled},

		{"fmt-wrapped kind", fmt.Errorf("x: %w", errors.E(errors.NotFound)), errors.NotFound},
		{"outer without kind", errors.E(errors.Op("a"), "get", errors.E(errors.NotFound)), errors.NotFound},
		{"innermost wins", errors.E(errors.Internal, errors.E(errors.NotFound)), errors.NotFound},
		{"innermost wins through fmt", errors.E(errors.Invalid, fmt.Errorf("x: %w", errors.E(errors.Conflict))), errors.Conflict},
		{"kind over unclassified cause", errors.E(errors.NotFound, io.EOF), errors.NotFound},
		{"context under kind wins", errors.E(errors.Unavailable, "call payment", context.Canceled), errors.Canceled},
		{"deadline under kind wins", errors.E(errors.Internal, fmt.Errorf("q: %w", context.DeadlineExceeded)), errors.DeadlineExceeded},
		{"several %w, first expected wins", fmt.Errorf("%w: %w", context.Canceled, errors.E(errors.NotFound)), errors.Canceled},
		{"misuse keeps kind", errors.E(errors.NotFound, 42), errors.NotFound},        //ddxvet:ignore an int on purpose
		{"misuse keeps cause kind", errors.E(42, context.Canceled), errors.Canceled}, //ddxvet:ignore an int on purpose
		{"no arguments", errors.E(), errors.Internal},

		{"join expected", stderrors.Join(errors.E(errors.NotFound), errors.E(errors.Conflict)), errors.NotFound},
		{"join real problem wins", stderrors.Join(errors.E(errors.NotFound), errors.E(errors.Unavailable)), errors.Unavailable},
		{"join unclassified is internal", stderrors.Join(errors.E(errors.NotFound), io.EOF), errors.Internal},
		{"join skips nil", stderrors.Join(nil, errors.E(errors.Invalid)), errors.Invalid},
		{"join of contexts", stderrors.Join(context.Canceled, context.DeadlineExceeded), errors.DeadlineExceeded},
		{"fmt several %w", fmt.Errorf("%w and %w", errors.E(errors.NotFound), errors.E(errors.Invalid)), errors.NotFound},
		{"join inside E", errors.E(errors.Internal, stderrors.Join(errors.E(errors.NotFound))), errors.NotFound},
		{"E with several causes", errors.E(errors.Op("a"), errors.E(errors.Invalid), errors.E(errors.Unimplemented)), errors.Unimplemented},
		{"join under fmt", fmt.Errorf("x: %w", stderrors.Join(errors.E(errors.TooManyRequests))), errors.TooManyRequests},
		{"empty join is unclassified", errors.E(stderrors.Join()), errors.Internal},

		{"deep chain", deep(50, errors.E(errors.Unauthenticated)), errors.Unauthenticated},
		{"chain too deep to walk", deep(300, errors.E(errors.Unauthenticated)), errors.Internal},
		{"cycle", &loop{}, errors.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errors.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestKindOfEveryKind runs every kind through every wrapping shape.
func TestKindOfEveryKind(t *testing.T) {
	t.Parallel()
	shapes := []struct {
		name string
		wrap func(error) error
	}{
		{"bare", func(err error) error { return err }},
		{"fmt %w", func(err error) error { return fmt.Errorf("x: %w", err) }},
		{"fmt %w twice", func(err error) error { return fmt.Errorf("y: %w", fmt.Errorf("x: %w", err)) }},
		{"E without kind", func(err error) error { return errors.E(errors.Op("a"), "x", err) }},
		{"E with other kind", func(err error) error { return errors.E(errors.Op("a"), errors.Internal, err) }},
		{"Join", func(err error) error { return stderrors.Join(err) }},
		{"Join with nil", func(err error) error { return stderrors.Join(nil, err, nil) }},
		{"E, fmt, Join, E", func(err error) error {
			return errors.E(errors.Op("c"), stderrors.Join(fmt.Errorf("b: %w", errors.E(errors.Op("a"), err))))
		}},
		{"cause with unclassified sibling", func(err error) error { return errors.E(errors.Op("a"), err, nil) }},
	}
	for k := errors.Invalid; k <= errors.Internal; k++ {
		for _, s := range shapes {
			t.Run(k.String()+"/"+s.name, func(t *testing.T) {
				t.Parallel()
				err := s.wrap(errors.E(errors.Op("leaf"), k, "leaf message"))
				if got := errors.KindOf(err); got != k {
					t.Errorf("KindOf = %v, want %v (%v)", got, k, err)
				}
				if got := errors.TypeName(err); got != k.String() {
					t.Errorf("TypeName = %q, want %q", got, k.String())
				}
				want := "leaf message"
				if !k.Expected() {
					want = errors.Public(errors.E(k)) // the generic text
					if want == "leaf message" {
						t.Fatalf("generic text of %v is the message", k)
					}
				}
				if got := errors.Public(err); got != want {
					t.Errorf("Public = %q, want %q", got, want)
				}
			})
		}
	}
}

func TestPublic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"expected with message", errors.E(errors.NotFound, "order 42 not found"), "order 42 not found"},
		{"expected through layers", errors.E(errors.Op("api.Get"), "get order",
			fmt.Errorf("x: %w", errors.E(errors.Op("db.Find"), errors.NotFound, "order 42 not found"))), "order 42 not found"},
		{"outer restatement wins", errors.E(errors.NotFound, "no such order",
			errors.E(errors.NotFound, "sql: no rows")), "no such order"},
		{"message of the winning kind", errors.E(errors.Invalid, "bad order",
			errors.E(errors.NotFound, "no such customer")), "no such customer"},
		{"expected without message", errors.E(errors.Op("a"), errors.NotFound), "not found"},
		{"cause text never", errors.E(errors.Invalid, io.ErrUnexpectedEOF), "invalid request"},
		{"cause text never with message", errors.E(errors.Invalid, "body is not JSON", io.ErrUnexpectedEOF), "body is not JSON"},
		{"internal message hidden", errors.E(errors.Internal, "nil map in cache.Put"), "internal error"},
		{"unavailable message hidden", errors.E(errors.Unavailable, "payment db at 10.0.0.5 down"), "service unavailable"},
		{"deadline", errors.E(errors.DeadlineExceeded, "x"), "deadline exceeded"},
		{"unimplemented", errors.E(errors.Unimplemented, "x"), "not implemented"},
		{"unclassified", io.EOF, "internal error"},
		{"unclassified E", errors.E(errors.Op("a"), "secret detail"), "internal error"},
		{"context canceled", fmt.Errorf("x: %w", context.Canceled), "request canceled"},
		{"canceled with message", errors.E(errors.Canceled, "client went away"), "client went away"},
		{"every expected kind", errors.E(errors.TooManyRequests), "too many requests"},
		{"join picks winning branch", stderrors.Join(errors.E(errors.NotFound, "a"), errors.E(errors.Invalid, "b")), "a"},
		{"join with problem", stderrors.Join(errors.E(errors.NotFound, "a"), io.EOF), "internal error"},
		{"misuse not shown", errors.E(errors.NotFound, "order gone", 42), "order gone"}, //ddxvet:ignore an int on purpose
		{"unknown kind", errors.E(errors.Kind(99), "x"), "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errors.Public(tt.err); got != tt.want {
				t.Errorf("Public = %q, want %q", got, tt.want)
			}
		})
	}
}

type valueErr struct{ code int }

func (e valueErr) Error() string { return fmt.Sprint("code ", e.code) }

func TestTypeName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"kind", errors.E(errors.NotFound), "NotFound"},
		{"kind through fmt", fmt.Errorf("x: %w", errors.E(errors.Unavailable, refused)), "Unavailable"},
		{"innermost kind", errors.E(errors.Unavailable, context.Canceled), "Canceled"},
		{"root cause type", errors.E(errors.Op("a"), "x", refused), "*net.OpError"},
		{"fmt-wrapped root cause", fmt.Errorf("x: %w", refused), "*net.OpError"},
		{"bare root cause", refused, "*net.OpError"},
		{"path error", fmt.Errorf("load: %w", &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist}), "*fs.PathError"},
		{"value type", errors.E(errors.Op("a"), valueErr{3}), "errors_test.valueErr"},
		{"context.Canceled", context.Canceled, "context.Canceled"},
		{"wrapped context.Canceled", errors.E(errors.Op("a"), fmt.Errorf("x: %w", context.Canceled)), "context.Canceled"},
		{"context.DeadlineExceeded", fmt.Errorf("x: %w", context.DeadlineExceeded), "context.DeadlineExceeded"},
		{"plain text", stderrors.New("boom"), "Internal"},
		{"Errorf without %w", fmt.Errorf("boom %d", 1), "Internal"},
		{"sentinel", fmt.Errorf("read: %w", io.EOF), "Internal"},
		{"E without cause", errors.E(errors.Op("a"), "x"), "Internal"},
		{"empty literal", &errors.Error{}, "Internal"},
		{"no arguments", errors.E(), "Internal"},
		{"misuse with cause", errors.E(42, refused), "*net.OpError"}, //ddxvet:ignore an int on purpose
		{"join picks winning branch", stderrors.Join(context.Canceled, refused), "*net.OpError"},
		{"join of text", stderrors.Join(io.EOF), "Internal"},
		{"empty join", errors.E(stderrors.Join()), "Internal"},
		{"cycle", &loop{}, "*errors_test.loop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errors.TypeName(tt.err); got != tt.want {
				t.Errorf("TypeName = %q, want %q", got, tt.want)
			}
		})
	}
}

// multi is an error with several causes that is not errors.Join's: it may
// hold nil branches, no branches, and say it is a context error itself.
type multi struct {
	errs     []error
	canceled bool
}

func (m multi) Error() string        { return "multi" }
func (m multi) Unwrap() []error      { return m.errs }
func (m multi) Is(target error) bool { return m.canceled && target == context.Canceled }

func TestCustomMultiError(t *testing.T) {
	t.Parallel()
	var nilErr *errors.Error
	tests := []struct {
		name   string
		err    error
		kind   errors.Kind
		public string
		typ    string
	}{
		{"no branches", multi{}, errors.Internal, "internal error", "errors_test.multi"},
		{"nil branches", multi{errs: []error{nil, errors.E(errors.NotFound, "gone")}}, errors.NotFound, "gone", "NotFound"},
		{"says canceled", multi{canceled: true}, errors.Canceled, "request canceled", "errors_test.multi"},
		{"branch wins over own Is", multi{errs: []error{errors.E(errors.Invalid, "bad")}, canceled: true}, errors.Invalid, "bad", "Invalid"},
		{"nil *Error branch", multi{errs: []error{nilErr}}, errors.Internal, "internal error", "errors_test.multi"},
		{"under E", errors.E(errors.NotFound, "outer", multi{}), errors.NotFound, "outer", "NotFound"},
		{"own type, not a wrapper", errors.E(errors.Op("a"), multi{errs: []error{refused}}), errors.Unavailable, "service unavailable", "errors_test.multi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errors.KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf = %v, want %v", got, tt.kind)
			}
			if got := errors.Public(tt.err); got != tt.public {
				t.Errorf("Public = %q, want %q", got, tt.public)
			}
			if got := errors.TypeName(tt.err); got != tt.typ {
				t.Errorf("TypeName = %q, want %q", got, tt.typ)
			}
			_ = errors.Attrs(tt.err)
		})
	}
}
