package errors_test

import (
	"context"
	stderrors "errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"testing"

	"github.com/ddx-go/ddx/errors"
)

// These tests run this package's standard-library API side by side with the
// standard library's: a program that switches imports must not notice.

func TestNewLikeStd(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"", "boom", "multi\nline", "ünïcödé"} {
		ours, std := errors.New(text), stderrors.New(text)
		if ours.Error() != std.Error() {
			t.Errorf("New(%q).Error() = %q, std %q", text, ours.Error(), std.Error())
		}
		if reflect.TypeOf(ours) != reflect.TypeOf(std) {
			t.Errorf("New(%q) type %T, std %T", text, ours, std)
		}
		if ours == errors.New(text) || errors.Is(ours, errors.New(text)) {
			t.Errorf("New(%q) values are not distinct", text)
		}
		if !errors.Is(ours, ours) || errors.Unwrap(ours) != nil {
			t.Errorf("New(%q) is not a plain sentinel", text)
		}
	}
}

func TestErrorfLikeStd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format string
		args   []any
	}{
		{"no verbs", "boom", nil},
		{"value", "order %d", []any{42}},
		{"wrap", "read: %w", []any{io.EOF}},
		{"wrap two", "%w and %w", []any{io.EOF, context.Canceled}},
		{"wrap nil", "x: %w", []any{nil}},
		{"wrap non-error", "x: %w", []any{42}},
		{"missing arg", "x: %w %d", []any{io.EOF}},
		{"indexed", "%[2]w %[1]d", []any{1, io.EOF}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ours, std := errors.Errorf(tt.format, tt.args...), fmt.Errorf(tt.format, tt.args...)
			if ours.Error() != std.Error() {
				t.Errorf("text %q, std %q", ours.Error(), std.Error())
			}
			if reflect.TypeOf(ours) != reflect.TypeOf(std) {
				t.Errorf("type %T, std %T", ours, std)
			}
			if errors.Unwrap(ours) != stderrors.Unwrap(std) {
				t.Errorf("Unwrap %v, std %v", errors.Unwrap(ours), stderrors.Unwrap(std))
			}
			for _, target := range []error{io.EOF, context.Canceled} {
				if errors.Is(ours, target) != stderrors.Is(std, target) {
					t.Errorf("Is(%v) differs", target)
				}
			}
		})
	}
}

type myErr struct{ msg string }

func (e *myErr) Error() string { return e.msg }

type isAll struct{}

func (isAll) Error() string        { return "matches everything" }
func (isAll) Is(target error) bool { return true }
func (isAll) Unwrap() []error      { return []error{io.EOF} }

func TestIsAsUnwrapJoinLikeStd(t *testing.T) {
	t.Parallel()
	mine := &myErr{"mine"}
	ddx := errors.E(errors.Op("a"), errors.NotFound, mine)
	errs := []struct {
		name string
		err  error
	}{
		{"nil", nil},
		{"EOF", io.EOF},
		{"mine", mine},
		{"fmt over mine", fmt.Errorf("x: %w", mine)},
		{"ddx over mine", ddx},
		{"fmt over ddx", fmt.Errorf("x: %w", ddx)},
		{"join", stderrors.Join(io.EOF, ddx)},
		{"nested join", stderrors.Join(stderrors.Join(context.Canceled), fmt.Errorf("%w", mine))},
		{"custom Is", isAll{}},
		{"path error", &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist}},
	}
	targets := []error{nil, io.EOF, mine, ddx, context.Canceled, fs.ErrNotExist, &myErr{"mine"}}
	for _, e := range errs {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			for _, target := range targets {
				if got, want := errors.Is(e.err, target), stderrors.Is(e.err, target); got != want {
					t.Errorf("Is(%v) = %v, std %v", target, got, want)
				}
			}
			if got, want := errors.Unwrap(e.err), stderrors.Unwrap(e.err); got != want {
				t.Errorf("Unwrap = %v, std %v", got, want)
			}

			var ours, std *myErr
			if got, want := errors.As(e.err, &ours), stderrors.As(e.err, &std); got != want || ours != std {
				t.Errorf("As(*myErr) = %v %v, std %v %v", got, ours, want, std)
			}
			var oursPath, stdPath *fs.PathError
			if got, want := errors.As(e.err, &oursPath), stderrors.As(e.err, &stdPath); got != want || oursPath != stdPath {
				t.Errorf("As(*fs.PathError) = %v, std %v", got, want)
			}
			var oursIface, stdIface interface{ Timeout() bool }
			if got, want := errors.As(e.err, &oursIface), stderrors.As(e.err, &stdIface); got != want || oursIface != stdIface {
				t.Errorf("As(interface) = %v, std %v", got, want)
			}
			gotT, gotOK := errors.AsType[*myErr](e.err)
			wantT, wantOK := stderrors.AsType[*myErr](e.err)
			if gotT != wantT || gotOK != wantOK {
				t.Errorf("AsType = %v %v, std %v %v", gotT, gotOK, wantT, wantOK)
			}
		})
	}
}

func TestAsPanicsLikeStd(t *testing.T) {
	t.Parallel()
	for _, target := range []any{nil, myErr{}, (*myErr)(nil), new(int)} {
		ours, std := panics(func() { errors.As(io.EOF, target) }), panics(func() { stderrors.As(io.EOF, target) })
		if ours != std {
			t.Errorf("As(%T) panics = %v, std %v", target, ours, std)
		}
		if !ours {
			t.Errorf("As(%T) does not panic", target)
		}
	}
}

func panics(f func()) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	f()
	return false
}

func TestJoinLikeStd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		errs []error
	}{
		{"none", nil},
		{"all nil", []error{nil, nil}},
		{"one", []error{io.EOF}},
		{"two with nil", []error{io.EOF, nil, context.Canceled}},
		{"ddx", []error{errors.E("x"), io.EOF}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ours, std := errors.Join(tt.errs...), stderrors.Join(tt.errs...)
			if (ours == nil) != (std == nil) {
				t.Fatalf("Join = %v, std %v", ours, std)
			}
			if ours == nil {
				return
			}
			if ours.Error() != std.Error() || reflect.TypeOf(ours) != reflect.TypeOf(std) {
				t.Errorf("Join = %T %q, std %T %q", ours, ours.Error(), std, std.Error())
			}
			u1, _ := ours.(interface{ Unwrap() []error })
			u2, _ := std.(interface{ Unwrap() []error })
			if !reflect.DeepEqual(u1.Unwrap(), u2.Unwrap()) {
				t.Errorf("Join unwraps to %v, std %v", u1.Unwrap(), u2.Unwrap())
			}
			if errors.Unwrap(ours) != nil {
				t.Error("Unwrap of a join is not nil")
			}
		})
	}
}

func TestErrUnsupported(t *testing.T) {
	t.Parallel()
	if errors.ErrUnsupported != stderrors.ErrUnsupported {
		t.Error("ErrUnsupported is not the standard library's")
	}
}
