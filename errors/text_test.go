package errors_test

import (
	"context"
	stderrors "errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddx-go/ddx/errors"
)

// refused is the error of a refused TCP connection, as net.Dial returns it.
var refused error = &net.OpError{
	Op:   "dial",
	Net:  "tcp",
	Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 443},
	Err:  os.NewSyscallError("connect", syscall.ECONNREFUSED),
}

const refusedText = "dial tcp 10.0.0.5:443: connect: connection refused"

type stringer struct{}

func (stringer) String() string { return "from String" }

type panicker struct{}

func (panicker) String() string { panic("boom") }

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.IntValue(7) }

func TestErrorText(t *testing.T) {
	t.Parallel()
	var nilErr *errors.Error
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"chain", errors.E(errors.Op("orders.Get"), "charge order 42",
			errors.E(errors.Op("payment.Charge"), errors.Unavailable, refused)),
			"orders.Get: charge order 42: payment.Charge: " + refusedText},
		{"all arguments", errors.E(errors.Op("orders.Get"), errors.Unavailable, "charge order 42",
			slog.Int("order_id", 42), refused),
			"orders.Get: charge order 42: " + refusedText + " [order_id=42]"},
		{"arguments in any order", errors.E(refused, slog.Int("order_id", 42), "charge order 42",
			errors.Unavailable, errors.Op("orders.Get")),
			"orders.Get: charge order 42: " + refusedText + " [order_id=42]"},
		{"message only", errors.E("no stock"), "no stock"},
		{"op only", errors.E(errors.Op("orders.Get")), "orders.Get"},
		{"kind only", errors.E(errors.NotFound), "not found"},
		{"op and kind", errors.E(errors.Op("db.Find"), errors.NotFound), "db.Find: not found"},
		{"cause only", errors.E(io.EOF), "EOF"},
		{"empty literal", &errors.Error{}, "internal error"},
		{"literal", &errors.Error{Op: "a", Msg: "b", Err: io.EOF}, "a: b: EOF"},
		{"nil *Error", nilErr, "<nil>"},
		{"unknown kind only", errors.E(errors.Kind(99)), "internal error"},

		{"same op not repeated", errors.E(errors.Op("a"), "x", errors.E(errors.Op("a"), "y")), "a: x: y"},
		{"same op and message not repeated", errors.E(errors.Op("a"), "x", errors.E(errors.Op("a"), "x")), "a: x"},
		{"same message under other op kept", errors.E(errors.Op("a"), "x", errors.E(errors.Op("b"), "x")), "a: x: b: x"},
		{"same message without op not repeated", errors.E("x", errors.E("x", io.EOF)), "x: EOF"},
		{"op repeated after another op", errors.E(errors.Op("a"), errors.E(errors.Op("b"), errors.E(errors.Op("a")))), "a: b: a"},
		{"kind of inner layer without message", errors.E(errors.Op("orders.Get"), "load order",
			errors.E(errors.Op("db.Find"), errors.NotFound)), "orders.Get: load order: db.Find: not found"},
		{"outer kind for silent chain", errors.E(errors.Op("a"), errors.NotFound, errors.E(errors.Op("b"))), "a: b: not found"},
		{"kind not repeated", errors.E(errors.NotFound, errors.E(errors.NotFound)), "not found"},
		{"kind text not added after a message", errors.E(errors.NotFound, "order 42 not found"), "order 42 not found"},

		{"through fmt %w", errors.E(errors.Op("a"), "x", fmt.Errorf("y: %w", errors.E(errors.Op("b"), "z", io.EOF))),
			"a: x: y: b: z: EOF"},
		{"wrapped by fmt %w", fmt.Errorf("handler: %w", errors.E(errors.Op("a"), "x", slog.Int("n", 1))),
			"handler: a: x [n=1]"},
		{"joined cause", errors.E(errors.Op("a"), stderrors.Join(io.EOF, io.ErrUnexpectedEOF)),
			"a: EOF\nunexpected EOF"},
		{"several causes joined", errors.E(errors.Op("a"), io.EOF, io.ErrUnexpectedEOF),
			"a: EOF\nunexpected EOF"},
		{"nil causes ignored", errors.E(errors.Op("a"), nil, error(nil), nilErr, "x"), "a: x"},
		{"context cause", errors.E(errors.Op("a"), context.Canceled), "a: context canceled"},

		{"last op, kind and message win", errors.E(errors.Op("a"), errors.Op("b"), "x", "y", errors.Invalid, errors.NotFound), //ddxvet:ignore two messages on purpose
			"b: y"},
		{"no arguments", errors.E(), "errors.E: called with no arguments"},
		{"bad argument", errors.E(errors.Op("a"), 42), "a: errors.E: bad argument of type int"}, //ddxvet:ignore an int on purpose
		{"bad arguments and cause", errors.E(errors.Op("a"), "x", 4.2, struct{}{}, io.EOF), //ddxvet:ignore bad arguments on purpose
			"a: x: errors.E: bad argument of type float64, bad argument of type struct {}: EOF"},
		{"nil pointer argument", errors.E(errors.Op("a"), (*int)(nil)), "a: errors.E: bad argument of type *int"}, //ddxvet:ignore a *int on purpose
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.err.Error()
			if got != tt.want {
				t.Errorf("Error() =\n%q\nwant\n%q", got, tt.want)
			}
			if again := tt.err.Error(); again != got {
				t.Errorf("Error() not stable: %q then %q", got, again)
			}
		})
	}
}

func TestErrorTextAttrs(t *testing.T) {
	t.Parallel()
	when := time.Date(2025, 3, 1, 12, 0, 0, 5, time.UTC)
	tests := []struct {
		name  string
		attrs []any
		want  string
	}{
		{"int", []any{slog.Int("order_id", 42)}, "[order_id=42]"},
		{"several in order", []any{slog.Int("a", 1), slog.String("b", "x")}, "[a=1 b=x]"},
		{"slice", []any{[]slog.Attr{slog.Int("a", 1), slog.Int("b", 2)}}, "[a=1 b=2]"},
		{"every value kind", []any{slog.Bool("ok", true), slog.Float64("f", 1.5), slog.Uint64("u", 7),
			slog.Int64("i", -3), slog.Duration("d", 1500*time.Millisecond), slog.Time("t", when)},
			"[ok=true f=1.5 u=7 i=-3 d=1.5s t=2025-03-01T12:00:00.000000005Z]"},
		{"quoted when needed", []any{slog.String("s", "card declined"), slog.String("e", ""),
			slog.String("q", `a"b`), slog.String("eq", "a=b"), slog.String("nl", "a\nb"), slog.String("br", "a]")},
			`[s="card declined" e="" q="a\"b" eq="a=b" nl="a\nb" br="a]"]`},
		{"unicode kept", []any{slog.String("city", "Zürich")}, "[city=Zürich]"},
		{"quoted key", []any{slog.Int("two words", 1)}, `["two words"=1]`},
		{"group flattened", []any{slog.Group("user", slog.Int("id", 1), slog.String("name", "ann"))},
			"[user.id=1 user.name=ann]"},
		{"empty group left out", []any{slog.Group("g"), slog.Int("a", 1)}, "[a=1]"},
		{"inline group", []any{slog.Attr{Key: "", Value: slog.GroupValue(slog.Int("a", 1))}}, "[a=1]"},
		{"zero attr left out", []any{slog.Attr{}, slog.Int("a", 1)}, "[a=1]"},
		{"only empty", []any{slog.Attr{}, slog.Group("g")}, ""},
		{"stringer", []any{slog.Any("s", stringer{})}, `[s="from String"]`},
		{"panicking stringer", []any{slog.Any("p", panicker{})}, `[p="%!v(PANIC=String method: boom)"]`},
		{"log valuer resolved", []any{slog.Any("v", valuer{})}, "[v=7]"},
		{"error value", []any{slog.Any("err", io.EOF)}, "[err=EOF]"},
		{"nil any", []any{slog.Any("x", nil)}, "[x=<nil>]"},
		{"secret redacted", []any{slog.String("password", "hunter2"), slog.String("X-Api-Key", "k"),
			slog.String("access_token", "t")},
			"[password=[REDACTED] X-Api-Key=[REDACTED] access_token=[REDACTED]]"},
		{"secret in group redacted", []any{slog.Group("db", slog.String("user", "app"), slog.String("password", "p"))},
			"[db.user=app db.password=[REDACTED]]"},
		{"secret group redacted whole", []any{slog.Group("credentials", slog.String("user", "app"))},
			"[credentials=[REDACTED]]"},
		{"duplicate key in layer", []any{slog.Int("a", 1), slog.Int("a", 2)}, "[a=1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := errors.E(append([]any{"x"}, tt.attrs...)...)
			want := "x"
			if tt.want != "" {
				want += " " + tt.want
			}
			if got := err.Error(); got != want {
				t.Errorf("Error() =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestErrorTextAttrsNested(t *testing.T) {
	t.Parallel()
	inner := errors.E(errors.Op("payment.Charge"), slog.String("card", "visa"), slog.Int("order_id", 7), refused)
	err := errors.E(errors.Op("orders.Get"), "charge order 42", slog.Int("order_id", 42), inner)
	want := "orders.Get: charge order 42: payment.Charge: " + refusedText + " [order_id=42 card=visa]"
	if got := err.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	// Behind a fmt wrapper the inner error writes its own attributes.
	err = errors.E(errors.Op("orders.Get"), slog.Int("order_id", 42), fmt.Errorf("retry: %w", inner))
	want = "orders.Get: retry: payment.Charge: " + refusedText + " [card=visa order_id=7] [order_id=42]"
	if got := err.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestAttrsNotShared(t *testing.T) {
	t.Parallel()
	err := errors.E("x", slog.Int("a", 1)).(*errors.Error)
	stack := errors.Stack(err)
	// Appending to the field must not write over anything E allocated
	// with it.
	err.Attrs = append(err.Attrs, slog.Int("b", 2), slog.Int("c", 3), slog.Int("d", 4))
	if got := errors.Stack(err); got != stack {
		t.Errorf("stack changed after append to Attrs:\n%s\nwas\n%s", got, stack)
	}
	if got, want := err.Error(), "x [a=1 b=2 c=3 d=4]"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	attrs := []slog.Attr{slog.Int("a", 1)}
	err2 := errors.E(attrs).(*errors.Error)
	err2.Attrs[0] = slog.Int("a", 2)
	if attrs[0].Value.Int64() != 1 {
		t.Error("E kept the caller's slice instead of copying it")
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	err := errors.E(errors.Op("orders.Get"), "charge order 42", slog.String("token", "s3cr3t"), refused)
	text := "orders.Get: charge order 42: " + refusedText + " [token=[REDACTED]]"
	tests := []struct {
		format string
		want   string
	}{
		{"%v", text},
		{"%s", text},
		{"%#v", text},
		{"%q", fmt.Sprintf("%q", text)},
		{"%d", "%!d(*errors.Error=" + text + ")"},
		{"%+v", text + "\n" + errors.Stack(err)},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			t.Parallel()
			got := fmt.Sprintf(tt.format, err)
			if got != tt.want {
				t.Errorf("Sprintf(%q) =\n%s\nwant\n%s", tt.format, got, tt.want)
			}
			if strings.Contains(got, "s3cr3t") {
				t.Errorf("Sprintf(%q) leaks a secret: %s", tt.format, got)
			}
		})
	}
	t.Run("no stack", func(t *testing.T) {
		t.Parallel()
		if got := fmt.Sprintf("%+v", &errors.Error{Msg: "x"}); got != "x" {
			t.Errorf("%%+v without stack = %q, want %q", got, "x")
		}
	})
	t.Run("nil", func(t *testing.T) {
		t.Parallel()
		var e *errors.Error
		for _, f := range []string{"%v", "%+v", "%s"} {
			if got := fmt.Sprintf(f, e); got != "<nil>" {
				t.Errorf("Sprintf(%q, nil *Error) = %q, want <nil>", f, got)
			}
		}
	})
}

func TestUnwrap(t *testing.T) {
	t.Parallel()
	err := errors.E(errors.Op("a"), io.EOF)
	if got := errors.Unwrap(err); got != io.EOF {
		t.Errorf("Unwrap = %v, want EOF", got)
	}
	if !errors.Is(err, io.EOF) {
		t.Error("Is(err, EOF) = false")
	}
	var e *errors.Error
	if !errors.As(fmt.Errorf("x: %w", err), &e) || e.Op != "a" {
		t.Errorf("As through fmt found %v", e)
	}
	var nilErr *errors.Error
	if nilErr.Unwrap() != nil {
		t.Error("nil *Error unwraps to non-nil")
	}
	if got := errors.Unwrap(errors.E(errors.Op("a"))); got != nil {
		t.Errorf("Unwrap without cause = %v", got)
	}
	if !errors.Is(errors.E(io.EOF, io.ErrClosedPipe), io.ErrClosedPipe) {
		t.Error("Is does not find the second of several causes")
	}
	if !errors.Is(errors.E(42, io.EOF), io.EOF) { //ddxvet:ignore an int on purpose
		t.Error("misuse hides the cause from Is")
	}
}

// TestNilSafety calls everything with nil and with broken chains: nothing
// may panic or hang.
func TestNilSafety(t *testing.T) {
	t.Parallel()
	var nilErr *errors.Error
	var nilPath *fs.PathError
	cyclic := &errors.Error{Op: "a", Kind: errors.NotFound, Msg: "m", Attrs: []slog.Attr{slog.Int("n", 1)}}
	cyclic.Err = cyclic
	for name, err := range map[string]error{
		"nil":              nil,
		"nil *Error":       nilErr,
		"cyclic *Error":    cyclic,
		"cycle":            &loop{},
		"E over nil ptr":   errors.E(errors.Op("a"), nilPath),
		"E over cyclic":    errors.E(errors.Op("b"), cyclic),
		"join over cyclic": stderrors.Join(cyclic, &loop{}),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err != nil {
				_ = err.Error()
				_ = fmt.Sprintf("%v %+v %q %s", err, err, err, err)
			}
			_ = errors.KindOf(err)
			_ = errors.Public(err)
			_ = errors.TypeName(err)
			_ = errors.Stack(err)
			_ = errors.Attrs(err)
			_ = errors.LogValue(err).Resolve()
			var buf strings.Builder
			slog.New(slog.NewJSONHandler(&buf, nil)).Error("x", slog.Any("error", err))
		})
	}
	if got := errors.E(errors.Op("a"), nilPath).Error(); got != "a" {
		t.Errorf("nil pointer cause not ignored: %q", got)
	}
	if got := errors.KindOf(cyclic); got != errors.NotFound {
		t.Errorf("KindOf(cyclic) = %v", got)
	}
}

func TestErrorTextNestedGroups(t *testing.T) {
	t.Parallel()
	err := errors.E("x", slog.Group("req",
		slog.Attr{},
		slog.Group("empty"),
		slog.Attr{Key: "", Value: slog.GroupValue(slog.Int("inlined", 1))},
		slog.Group("user", slog.Int("id", 2))))
	if got, want := err.Error(), "x [req.inlined=1 req.user.id=2]"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
