package a

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/ddx-go/ddx/errors"
)

type label string

type myErr struct{}

func (myErr) Error() string { return "mine" }

type ptrErr struct{}

func (*ptrErr) Error() string { return "ptr" }

func fine(err error, attrs []slog.Attr, v any) {
	const op errors.Op = "items.Get"
	_ = errors.E(op, errors.NotFound, "item 9 not found")
	_ = errors.E(op, errors.Code("item.missing"), fmt.Sprintf("item %d not found", 9), slog.Int("item", 9), err)
	_ = errors.E(op, attrs, io.EOF, myErr{}, &ptrErr{}, nil, &errors.Error{})
	_ = errors.E(v) // any: E decides at run time
	args := []any{op, "x"}
	_ = errors.E(args...)
	_ = fmt.Sprint("a", "b") // another function
}

func dropped() {
	_ = errors.E("items.Get", errors.NotFound, "item 9 not found") // want `errors.E keeps only its last message string; "items.Get" is dropped`
	msg := "first"
	_ = errors.E(msg, "second") // want `errors.E keeps only its last message string; the first message is dropped`
}

func unusable() {
	_ = errors.E(errors.Op("op"), errors.NotFound, "item", 9, "not found") // want `errors.E keeps only its last message string; "item" is dropped` `errors.E does not take an argument of type int`
	_ = errors.E(label("x"))                                               // want `errors.E does not take an argument of type label`
	_ = errors.E(ptrErr{})                                                 // want `errors.E does not take an argument of type ptrErr \(only \*ptrErr is an error\)`
	_ = errors.E(struct{ s string }{"x"})                                  // want `errors.E does not take an argument of type struct\{s string\}`
}

func deliberate() {
	_ = errors.E(errors.Op("op"), 42) //ddxvet:ignore what E does with an int
	//ddxvet:ignore the line above covers the call
	_ = errors.E("a", "b")
	_ = errors.E(errors.Op("op"),
		"a", "b", //ddxvet:ignore on any line of the call
	)
	_ = errors.E(errors.Op("op"), 4.2) //ddxvet:ignored is not the directive // want `errors.E does not take an argument of type float64`
}
