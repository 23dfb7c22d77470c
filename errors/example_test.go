package errors_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ddx-go/ddx/errors"
)

// dialPayment stands in for a client call to the payment service; it fails
// the way net.Dial does when nothing listens.
func dialPayment() error {
	return &net.OpError{
		Op:   "dial",
		Net:  "tcp",
		Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 443},
		Err:  os.NewSyscallError("connect", syscall.ECONNREFUSED),
	}
}

// charge is a payment client: it says what failed and that the failure is
// an outage of a dependency.
func charge(orderID int) error {
	const op errors.Op = "payment.Charge"
	if err := dialPayment(); err != nil {
		return errors.E(op, errors.Unavailable, err)
	}
	return nil
}

// Wrap errors layer by layer: each layer adds its operation, what it was
// doing and on what. The text reads from the request down to the root cause.
func ExampleE() {
	const op errors.Op = "orders.Get"
	orderID := 42

	err := charge(orderID)
	if err != nil {
		err = errors.E(op, fmt.Sprintf("charge order %d", orderID), slog.Int("order_id", orderID), err)
	}

	fmt.Println(err)
	fmt.Println(errors.KindOf(err), "expected:", errors.KindOf(err).Expected())
	fmt.Println("client sees:", errors.Public(err))
	// Output:
	// orders.Get: charge order 42: payment.Charge: dial tcp 10.0.0.5:443: connect: connection refused [order_id=42]
	// Unavailable expected: false
	// client sees: service unavailable
}

// An expected outcome: the client asked for something that does not exist.
// Nobody is paged, and the client sees the message written for it.
func ExampleE_notFound() {
	findOrder := func(id int) error {
		return errors.E(errors.Op("db.FindOrder"), errors.NotFound, fmt.Sprintf("order %d not found", id))
	}
	err := findOrder(7)
	if err != nil {
		err = errors.E(errors.Op("orders.Get"), err)
	}

	fmt.Println(err)
	fmt.Println(errors.KindOf(err), "expected:", errors.KindOf(err).Expected())
	fmt.Println("client sees:", errors.Public(err))
	// Output:
	// orders.Get: db.FindOrder: order 7 not found
	// NotFound expected: true
	// client sees: order 7 not found
}

// A sentinel made with E carries its kind; compare it with Is as usual.
func ExampleE_sentinel() {
	var ErrOutOfStock = errors.E(errors.FailedPrecondition, "out of stock")

	reserve := func(sku string) error {
		return errors.E(errors.Op("stock.Reserve"), slog.String("sku", sku), ErrOutOfStock)
	}
	err := reserve("KB-101")

	fmt.Println(err)
	fmt.Println(errors.Is(err, ErrOutOfStock), errors.KindOf(err))
	fmt.Println("client sees:", errors.Public(err))
	// Output:
	// stock.Reserve: out of stock [sku=KB-101]
	// true FailedPrecondition
	// client sees: out of stock
}

// Misuse never panics: the error says what was wrong with the call.
func ExampleE_misuse() {
	fmt.Println(errors.E())
	fmt.Println(errors.E(errors.Op("orders.Get"), errors.NotFound, 42)) //ddxvet:ignore the misuse this example shows
	// Output:
	// errors.E: called with no arguments
	// orders.Get: errors.E: bad argument of type int
}

// KindOf sees through every kind of wrapping. A canceled context is the
// client going away; an error nobody classified is a real problem.
func ExampleKindOf() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	for _, err := range []error{
		errors.E(errors.Op("orders.List"), errors.Invalid, "page size must be at most 100"),
		fmt.Errorf("handler: %w", errors.E(errors.Op("orders.Get"), errors.NotFound)),
		errors.E(errors.Op("db.Query"), errors.Unavailable, ctx.Err()),
		errors.Join(io.EOF, errors.E(errors.NotFound)),
		io.ErrUnexpectedEOF,
	} {
		k := errors.KindOf(err)
		fmt.Printf("%-16s expected=%-5v %s\n", k, k.Expected(), strings.ReplaceAll(err.Error(), "\n", " | "))
	}
	// Output:
	// Invalid          expected=true  orders.List: page size must be at most 100
	// NotFound         expected=true  handler: orders.Get: not found
	// Canceled         expected=true  db.Query: context canceled
	// Internal         expected=false EOF | not found
	// Internal         expected=false unexpected EOF
}

// Public is what a handler may send to a client: never cause text, file
// names or stacks.
func ExamplePublic() {
	fmt.Println(errors.Public(errors.E(errors.Invalid, "email is required", io.ErrUnexpectedEOF)))
	fmt.Println(errors.Public(errors.E(errors.Internal, "nil pointer in cache.Put")))
	fmt.Println(errors.Public(errors.E(errors.Op("db.Query"), "connect to 10.0.0.5", io.EOF)))
	fmt.Println(errors.Public(errors.E(errors.TooManyRequests)))
	// Output:
	// email is required
	// internal error
	// internal error
	// too many requests
}

// An *Error logs as the group Datadog's Error Tracking reads: error.kind,
// error.message, error.stack and the attributes. (The stack and time are
// dropped here so that the output is stable.)
func ExampleError_LogValue() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == errors.KeyStack {
				return slog.Attr{}
			}
			return a
		},
	}))

	err := errors.E(errors.Op("orders.Get"), "charge order 42",
		slog.Int("order_id", 42), slog.String("card_token", "tok_4242"), charge(42))
	logger.Error("request failed", slog.Any("error", err))
	// Output:
	// {"level":"ERROR","msg":"request failed","error":{"kind":"Unavailable","message":"orders.Get: charge order 42: payment.Charge: dial tcp 10.0.0.5:443: connect: connection refused","order_id":42,"card_token":"[REDACTED]"}}
}

// Stack is where the error was made, not where it was logged: the frames
// of the call to E, formatted like a Go traceback.
func ExampleStack() {
	err := errors.E(errors.Op("orders.Get"), "charge order 42", charge(42))

	lines := strings.Split(errors.Stack(err), "\n")
	file, _, _ := strings.Cut(filepath.Base(lines[1]), ":")
	fmt.Println(lines[0]) // the function that called E first,
	fmt.Println(file)     // then "\t/path/to/file.go:line"
	fmt.Println(lines[2]) // and so on down to the goroutine's start
	fmt.Printf("%q\n", errors.Stack(errors.New("no stack here")))
	// Output:
	// github.com/ddx-go/ddx/errors_test.charge
	// example_test.go
	// github.com/ddx-go/ddx/errors_test.ExampleStack
	// ""
}

// TypeName gives spans an error.type that says something, instead of
// *errors.Error or *fmt.wrapError.
func ExampleTypeName() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()

	fmt.Println(errors.TypeName(errors.E(errors.Op("orders.Get"), charge(42))))
	fmt.Println(errors.TypeName(fmt.Errorf("dial: %w", dialPayment())))
	fmt.Println(errors.TypeName(fmt.Errorf("query: %w", ctx.Err())))
	fmt.Println(errors.TypeName(errors.New("boom")))
	// Output:
	// Unavailable
	// *net.OpError
	// context.DeadlineExceeded
	// Internal
}

// The package replaces the standard library's: New, Errorf, Is, As, Join
// and Unwrap are the same functions.
func Example_dropIn() {
	var ErrClosed = errors.New("closed")
	err := errors.Errorf("write order 42: %w", ErrClosed)

	var opErr *net.OpError
	fmt.Println(err)
	fmt.Println(errors.Is(err, ErrClosed), errors.As(err, &opErr), errors.Unwrap(err) == ErrClosed)
	fmt.Println(errors.Join(err, io.EOF))
	// Output:
	// write order 42: closed
	// true false true
	// write order 42: closed
	// EOF
}

// A row that is not there is not an incident: sql.ErrNoRows is NotFound
// however it is wrapped, so the answer is a 404, the line a WARN and the
// span no error. A stated kind still wins.
func ExampleKindOf_libraryErrors() {
	err := fmt.Errorf("load item 9: %w", sql.ErrNoRows)
	fmt.Println(errors.KindOf(err), errors.KindOf(err).Expected())
	fmt.Println(errors.Public(err))
	fmt.Println(errors.KindOf(os.ErrDeadlineExceeded))
	fmt.Println(errors.KindOf(errors.E(errors.Op("items.Get"), errors.Unavailable, err)))
	// Output:
	// NotFound true
	// not found
	// DeadlineExceeded
	// Unavailable
}

// A Code is the stable reason; Message is the text logs and spans carry,
// the same for every occurrence whatever the attribute values.
func ExampleCode() {
	err := errors.E(errors.Op("pay.Charge"), errors.FailedPrecondition, errors.Code("payment.declined"),
		"card declined", slog.String("card", "visa-4242"))
	fmt.Println(errors.CodeOf(fmt.Errorf("checkout: %w", err)))
	fmt.Println(err)
	fmt.Println(errors.Message(err))
	// Output:
	// payment.declined
	// pay.Charge: card declined [card=visa-4242]
	// pay.Charge: card declined
}
