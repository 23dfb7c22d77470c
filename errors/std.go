package errors

import (
	stderrors "errors"
	"fmt"
)

// The standard library's API. Each function is the standard library's own,
// so that a program can replace import "errors" with this package and change
// nothing else. None of them records a stack or a kind: use [E] for that.

// ErrUnsupported is the standard library's [stderrors.ErrUnsupported]: the
// same value, so Is matches either.
var ErrUnsupported = stderrors.ErrUnsupported

// New returns an error whose text is text, exactly like the standard
// library's errors.New: each call returns a distinct value, with no stack,
// which makes it the right tool for sentinel errors.
func New(text string) error { return stderrors.New(text) }

// Errorf formats an error like [fmt.Errorf], wrapping the operands of %w.
func Errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }

// Is reports whether any error in err's tree matches target, like the
// standard library's errors.Is.
func Is(err, target error) bool { return stderrors.Is(err, target) }

// As finds the first error in err's tree that matches target and sets target
// to it, like the standard library's errors.As. It panics, as that does, if
// target is not a non-nil pointer to an interface or to a type implementing
// error.
func As(err error, target any) bool { return stderrors.As(err, target) }

// AsType finds the first error in err's tree of type E and returns it, like
// the standard library's errors.AsType.
func AsType[E error](err error) (E, bool) { return stderrors.AsType[E](err) }

// Join returns an error that wraps errs, discarding nils, like the standard
// library's errors.Join; nil if every one is nil.
func Join(errs ...error) error { return stderrors.Join(errs...) }

// Unwrap returns the result of err's Unwrap() error method, or nil, like the
// standard library's errors.Unwrap. Like that, it returns nil for an error
// made by [Join], which has Unwrap() []error.
func Unwrap(err error) error { return stderrors.Unwrap(err) }
