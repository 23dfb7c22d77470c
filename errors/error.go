package errors

import (
	"fmt"
	"log/slog"
	"reflect"
	"runtime"
	"strconv"

	"github.com/ddx-go/ddx/internal/caller"
)

// Op names the operation that failed, conventionally "package.Function" or
// "service.Method": "orders.Get", "payment.Charge".
type Op string

// Error is a failure with its operation, kind, message, context attributes
// and cause. All fields are optional; build one with [E], which also records
// where it was created.
//
// Errors nest: an Error's cause is often another Error. Nested layers do not
// repeat themselves in the text (see [Error.Error]) and the innermost
// meaningful Kind wins (see [KindOf]).
//
// Every method and function of this package only reads an Error, so one
// may be shared between goroutines as long as nobody changes its fields
// after it has been returned.
type Error struct {
	// Op is the operation being performed, "orders.Get".
	Op Op
	// Kind classifies the failure; Other means "not said here", and the
	// kind of the cause, if any, applies.
	Kind Kind
	// Code is a stable, machine-readable reason, "payment.declined": see
	// [Code]. Empty means "not said here".
	Code Code
	// Msg says what went wrong in this layer, "charge order 42". For
	// expected kinds it is also the text a client may see ([Public]), so
	// it must not contain secrets or internal detail.
	Msg string
	// Attrs is the context of this layer, slog.Int("order_id", 42). It is
	// logged as attributes of the error and appended to the error text.
	Attrs []slog.Attr
	// Err is the cause, or nil.
	Err error

	// pcs are the program counters of where the error was created, or nil
	// when a cause already carries them (or at package initialisation).
	pcs []uintptr
}

// Compile-time checks of the interfaces that logging and tracing rely on.
var (
	_ error          = (*Error)(nil)
	_ fmt.Formatter  = (*Error)(nil)
	_ slog.LogValuer = (*Error)(nil)
)

// E builds an *Error from its arguments, sorted by type:
//
//   - [Op]: the operation, "orders.Get";
//   - [Kind]: the classification, [NotFound];
//   - [Code]: the stable reason, "payment.declined";
//   - string: the message, "charge order 42";
//   - error: the cause; nil causes (also nil pointers such as a
//     (*MyError)(nil)) are ignored, several are joined with [Join];
//   - [slog.Attr] or []slog.Attr: context, slog.Int("order_id", 42).
//
// A repeated Op, Kind, Code or string replaces the earlier one. E records the stack
// of its caller unless a cause already carries a stack, so wrapping an error
// layer by layer records it once, where the failure happened. Errors made
// during package initialisation (sentinels such as
// var ErrNoOrder = errors.E(errors.NotFound, "no such order")) get no stack, so
// wrapping them records the stack of the wrapping call instead. Nothing is
// formatted until the error is printed.
//
// E never panics. Called with no arguments, or with an argument of another
// type, it still returns an error, whose text starts or continues with
// "errors.E: ..." and names the type, and whose stack shows the call.
func E(args ...any) error {
	var (
		op      Op
		kind    Kind
		code    Code
		msg     string
		nattrs  int
		cause   error
		causes  []error // only when there is more than one cause
		bad     []string
		outside caller.Outside
		stack   caller.Stack
	)
	for _, arg := range args {
		switch a := arg.(type) {
		case Op:
			op = a
		case Kind:
			kind = a
		case Code:
			code = a
		case string:
			msg = a
		case slog.Attr:
			nattrs++
		case []slog.Attr:
			nattrs += len(a)
		case caller.Outside:
			outside = a
		case caller.Stack:
			stack = a
		case nil:
			// An untyped nil: a cause that did not happen.
		case *Error:
			if a != nil {
				cause, causes = addCause(cause, causes, a)
			}
		case error:
			if !isNilPointer(a) {
				cause, causes = addCause(cause, causes, a)
			}
		default:
			bad = append(bad, "bad argument of type "+typeString(arg))
		}
	}
	if causes != nil {
		cause = Join(causes...)
	}
	if len(args) == 0 {
		bad = append(bad, "called with no arguments")
	}
	if bad != nil {
		cause = &misuse{problems: bad, err: cause}
	}

	// The error and its first attributes share one allocation; the program
	// counters take a second one, of their exact size and without
	// pointers, so the garbage collector never scans them.
	var e *Error
	if nattrs > 0 && nattrs <= 2 {
		s := new(errorWithAttrs)
		e = &s.Error
		// The capacity stops an append by the caller from writing into
		// the array.
		e.Attrs = s.attrs[:0:nattrs]
	} else {
		e = new(Error)
		if nattrs > 0 {
			e.Attrs = make([]slog.Attr, 0, nattrs)
		}
	}
	if len(stack) > 0 && !hasStack(cause) {
		e.pcs = stack
	} else if !hasStack(cause) {
		var pcs [maxDepth]uintptr
		n := runtime.Callers(2, pcs[:]) // runtime.Callers, E
		if n > 0 && !inInit(pcs[:n]) {
			e.pcs = make([]uintptr, n)
			copy(e.pcs, pcs[:n])
			if len(outside) > 0 {
				// On the copy: symbolising the frames must not make the
				// array above escape for every other error.
				e.pcs = e.pcs[outside.First(e.pcs):]
			}
		}
	}
	e.Op, e.Kind, e.Code, e.Msg, e.Err = op, kind, code, msg, cause
	if nattrs > 0 {
		for _, arg := range args {
			switch a := arg.(type) {
			case slog.Attr:
				e.Attrs = append(e.Attrs, a)
			case []slog.Attr:
				e.Attrs = append(e.Attrs, a...)
			}
		}
	}
	return e
}

// errorWithAttrs is an error with room for its first attributes, the usual
// case, in one allocation.
type errorWithAttrs struct {
	Error
	attrs [2]slog.Attr
}

// addCause records one more cause; the second one switches to a list.
func addCause(cause error, causes []error, err error) (error, []error) {
	switch {
	case cause == nil && causes == nil:
		return err, nil
	case causes == nil:
		return nil, []error{cause, err}
	default:
		return nil, append(causes, err)
	}
}

// isNilPointer reports whether err is a nil pointer in a non-nil interface,
// the classic (*MyError)(nil) returned as an error: no cause either, and one
// whose Error method would likely panic when the text is printed.
func isNilPointer(err error) bool {
	v := reflect.ValueOf(err)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// typeString names the dynamic type of v without calling any of its methods.
func typeString(v any) string {
	return reflect.TypeOf(v).String()
}

// misuse records what was wrong with a call to E. It wraps the real cause, if
// any, so that nothing the caller meant to say is lost.
type misuse struct {
	problems []string
	err      error
}

func (m *misuse) Error() string {
	b := []byte("errors.E: ")
	for i, p := range m.problems {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, p...)
	}
	if m.err != nil {
		b = append(b, ": "...)
		b = append(b, textOf(m.err)...)
	}
	return string(b)
}

func (m *misuse) Unwrap() error { return m.err }

// Error returns the error's text: the chain of operations and messages down
// to the root cause, then the attributes of every nested layer in brackets.
//
//	orders.Get: charge order 42: payment.Charge: dial tcp 10.0.0.5:443: connect: connection refused [order_id=42]
//
// When an Error's cause is itself an *Error, the inner layer leaves out an
// operation equal to the last one written, and a message equal to the last
// one written unless it wrote its own operation; an attribute key that
// already appeared is not repeated (the outermost value is kept). A layer
// with neither message nor cause reads as its kind's generic text
// ("db.Find: not found"), and an empty Error as "internal error". Attribute
// values are written as slog's text handler would, quoted when needed;
// values of keys that name secrets (password, token, api_key, ...) read
// [REDACTED], and so do the secrets inside a value that is a map, a struct,
// a slice or a header (their keys and fields matched by the same list, as
// ddx's log handler matches them). The text is the same on every call.
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	var buf [256]byte
	return string(e.appendText(buf[:0], true))
}

// appendText appends the text of e to b, with or without the attributes.
func (e *Error) appendText(b []byte, withAttrs bool) []byte {
	start := len(b)
	var (
		lastOp  Op
		lastMsg string
		kind    Kind // innermost kind of the layers above cur
		said    bool // a message or a cause has been written
	)
	sep := func(b []byte) []byte {
		if len(b) > start {
			b = append(b, ": "...)
		}
		return b
	}
	cur := e
	for depth := 0; ; depth++ {
		wroteOp := false
		if cur.Op != "" && cur.Op != lastOp {
			b = append(sep(b), cur.Op...)
			lastOp, wroteOp = cur.Op, true
		}
		// A message is left out only when the layer would say exactly
		// what was just said: "a: x" wrapping "a: x" reads "a: x", but
		// "a: x" wrapping "b: x" reads "a: x: b: x".
		if cur.Msg != "" && (wroteOp || cur.Msg != lastMsg) {
			b = append(sep(b), cur.Msg...)
			lastMsg, said = cur.Msg, true
		}
		next, isError := cur.Err.(*Error)
		if isError && next != nil && depth < maxChain {
			if cur.Kind != Other {
				kind = cur.Kind
			}
			cur = next
			continue
		}
		switch {
		case cur.Err != nil && !isError:
			text := textOf(cur.Err)
			if !withAttrs {
				// A wrapper of another package (*url.Error, fmt.Errorf's
				// %w) writes the text of an *Error inside it with its
				// attributes: take them out here too, or every value of a
				// duration makes a new Error Tracking issue.
				text = stripAttrs(text, cur.Err, depth+1)
			}
			b = append(sep(b), text...)
		case cur.Msg == "":
			// A layer that says nothing but its kind reads as the
			// kind's text: "db.Find: not found".
			k := cur.Kind
			if k == Other && !said {
				k = kind
			}
			if k != Other || len(b) == start {
				b = append(sep(b), k.text()...)
			}
		}
		break
	}
	if withAttrs {
		b = appendTextAttrs(b, e)
	}
	return b
}

// textOf is err.Error() for a cause of another type, which this package
// does not control. Like fmt, it recovers from an Error method that panics
// and says so in the text ("%!v(PANIC=Error method: ...)"), and prints a
// nil pointer whose method panicked as "<nil>", so that an error wrapping
// a broken one still has a text and nobody handling it crashes.
func textOf(err error) string { return safeError(err) }

// safeError calls err.Error, recovering as fmt does.
func safeError(err error) (s string) {
	defer func() {
		if r := recover(); r != nil {
			if isNilPointer(err) {
				s = "<nil>"
				return
			}
			s = fmt.Sprintf("%%!v(PANIC=Error method: %v)", r)
		}
	}()
	return err.Error()
}

// Unwrap returns the cause, so that [Is], [As] and the standard library's
// functions see through e.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Format implements [fmt.Formatter]. %v and %s print the text of
// [Error.Error], %q the text quoted, and %+v the text followed by a newline
// and the stack of where the error was created ([Stack]), the way
// github.com/pkg/errors prints its errors: dd-trace-go copies %+v of an
// error that implements fmt.Formatter into the span's error.stack.
// %#v prints the same as %v: printing the fields would bypass the
// redaction of secret attributes.
func (e *Error) Format(s fmt.State, verb rune) {
	switch verb {
	case 'v':
		switch {
		case s.Flag('+'):
			_, _ = fmt.Fprint(s, e.Error())
			if st := Stack(e); st != "" {
				_, _ = fmt.Fprint(s, "\n", st)
			}
			return
		}
		fallthrough
	case 's':
		_, _ = fmt.Fprint(s, e.Error())
	case 'q':
		_, _ = fmt.Fprint(s, strconv.Quote(e.Error()))
	default:
		// What fmt prints for a verb a type does not support.
		_, _ = fmt.Fprintf(s, "%%!%c(*errors.Error=%s)", verb, e.Error())
	}
}
