package errors_test

import (
	stderrors "errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ddx-go/ddx/errors"
)

// errNoOrder is a sentinel: made during package initialisation, it has no
// stack of its own.
var errNoOrder = errors.E(errors.NotFound, "no such order")

// here returns "function\n\tfile:line" of its caller, the first frame that
// Stack should print for an error made on that line.
func here() string {
	pc, file, line, _ := runtime.Caller(1)
	return runtime.FuncForPC(pc).Name() + "\n\t" + file + ":" + strconv.Itoa(line)
}

func TestStack(t *testing.T) {
	t.Parallel()
	err, top := errors.E(errors.Op("a"), "x"), here()
	st := errors.Stack(err)
	if !strings.HasPrefix(st, top+"\n") {
		t.Fatalf("Stack does not start at the call of E:\n%s\nwant first frame\n%s", st, top)
	}
	lines := strings.Split(st, "\n")
	if len(lines)%2 != 0 || len(lines) < 4 {
		t.Fatalf("Stack is not function/file pairs of two or more frames:\n%s", st)
	}
	for i := 0; i < len(lines); i += 2 {
		fn, loc := lines[i], lines[i+1]
		if fn == "" || strings.HasPrefix(fn, "\t") || strings.HasPrefix(fn, "runtime.") {
			t.Errorf("frame %d: bad function line %q", i/2, fn)
		}
		if !strings.HasPrefix(loc, "\t") || !strings.Contains(loc, ".go:") {
			t.Errorf("frame %d: bad location line %q", i/2, loc)
		}
	}
	if strings.Contains(st, "errors.E") || strings.Contains(st, "ddx/errors.") {
		t.Errorf("Stack shows the package's own frames:\n%s", st)
	}
	for _, e := range []error{err, fmt.Errorf("w: %w", err), errors.Join(io.EOF, err)} {
		if !errors.HasStack(e) {
			t.Errorf("HasStack(%v) = false", e)
		}
	}
}

func TestStackOnce(t *testing.T) {
	t.Parallel()
	inner, top := errors.E(errors.Op("payment.Charge"), errors.Unavailable, refused), here()
	want := errors.Stack(inner)
	tests := []struct {
		name string
		err  error
	}{
		{"E", errors.E(errors.Op("orders.Get"), inner)},
		{"E twice", errors.E(errors.Op("api"), errors.E(errors.Op("orders.Get"), inner))},
		{"fmt", fmt.Errorf("x: %w", inner)},
		{"E over fmt", errors.E(errors.Op("orders.Get"), fmt.Errorf("x: %w", inner))},
		{"E over Join", errors.E(errors.Op("orders.Get"), stderrors.Join(io.EOF, inner))},
		{"fmt over E", fmt.Errorf("x: %w", errors.E(errors.Op("orders.Get"), inner))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := errors.Stack(tt.err)
			if got != want {
				t.Errorf("Stack =\n%s\nwant the inner error's\n%s", got, want)
			}
			if !strings.HasPrefix(got, top) {
				t.Errorf("Stack does not start where the inner error was made:\n%s", got)
			}
		})
	}
}

func TestStackNone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
	}{
		{"nil", nil},
		{"New", errors.New("x")},
		{"Errorf", errors.Errorf("x: %w", io.EOF)},
		{"literal", &errors.Error{Msg: "x"}},
		{"sentinel", errNoOrder},
		{"fmt over sentinel", fmt.Errorf("x: %w", errNoOrder)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errors.Stack(tt.err); got != "" {
				t.Errorf("Stack = %q, want none", got)
			}
			if errors.HasStack(tt.err) {
				t.Error("HasStack = true, want false")
			}
		})
	}
}

func TestStackOfWrappedSentinel(t *testing.T) {
	t.Parallel()
	err, top := errors.E(errors.Op("orders.Get"), errNoOrder), here()
	if st := errors.Stack(err); !strings.HasPrefix(st, top) {
		t.Errorf("wrapping a sentinel records no stack of the wrap:\n%s\nwant first frame\n%s", st, top)
	}
	if !errors.Is(err, errNoOrder) || errors.KindOf(err) != errors.NotFound {
		t.Error("wrapped sentinel lost its identity or kind")
	}
}

func TestStackOfJoin(t *testing.T) {
	t.Parallel()
	a, topA := errors.E("a"), here()
	b := errors.E("b")
	if st := errors.Stack(stderrors.Join(io.EOF, a, b)); !strings.HasPrefix(st, topA) {
		t.Errorf("Stack of a join is not its first branch's with a stack:\n%s", st)
	}
}

func TestStackInGoroutine(t *testing.T) {
	t.Parallel()
	ch := make(chan error)
	go func() { ch <- errors.E("in goroutine") }()
	st := errors.Stack(<-ch)
	if !strings.Contains(st, "TestStackInGoroutine.func1") {
		t.Errorf("Stack misses the goroutine's function:\n%s", st)
	}
	if strings.Contains(st, "runtime.goexit") {
		t.Errorf("Stack shows runtime frames:\n%s", st)
	}
}

// recurse calls itself n times and then makes an error.
func recurse(n int) error {
	if n == 0 {
		return errors.E("deep")
	}
	return recurse(n - 1)
}

func TestStackDepthBounded(t *testing.T) {
	t.Parallel()
	st := errors.Stack(recurse(100))
	frames := strings.Count(st, "\n\t")
	if frames != 32 {
		t.Errorf("deep stack has %d frames, want the 32 innermost", frames)
	}
	if !strings.HasPrefix(st, "github.com/ddx-go/ddx/errors_test.recurse\n") {
		t.Errorf("deep stack does not start at the innermost frame:\n%s", st[:min(len(st), 200)])
	}
}

func TestStackOfAnErrorMadeWhileRecoveringStartsAtThePanic(t *testing.T) {
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = recoverInto(p)
			}
		}()
		panicHere()
	}()
	st := errors.Stack(err)
	first, _, _ := strings.Cut(st, "\n")
	if !strings.HasSuffix(first, ".panicHere") {
		t.Fatalf("the stack should start at the panic site, got:\n%s", st)
	}
	if strings.Contains(st, "recoverInto") {
		t.Fatalf("the recovering frames should be left out:\n%s", st)
	}
}

//go:noinline
func recoverInto(p any) error { return errors.E(errors.Internal, errors.Op("panic"), fmt.Sprint(p)) }

//go:noinline
func panicHere() { panic("boom") }
