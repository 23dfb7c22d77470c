// Step 2: errors that say what broke, and whether anyone should care.
//
//	go run ./step2-errors
//
// errors.E builds an error from its parts: the operation (Op), the kind of
// failure (Kind), a message, attributes and the cause. Its text is the whole
// chain down to the root cause; a client only ever sees the public message.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors" // a drop-in for the standard "errors"
)

func main() {
	defer ddx.Start().Stop()

	show(findUser(7))     // the client asked for something that is not there
	show(findItem(9))     // a library said so: a row that is not there
	show(chargeOrder(42)) // something is broken on our side
}

func findUser(id int) error {
	return errors.E(errors.Op("users.Get"), errors.NotFound, fmt.Sprintf("user %d not found", id))
}

func findItem(id int) error {
	err := sql.ErrNoRows // what db.QueryRow(...).Scan returns for a missing row
	return fmt.Errorf("items.Get %d: %w", id, err)
}

func chargeOrder(id int) error {
	conn, err := net.Dial("tcp", "127.0.0.1:1") // the payment service: nothing listens there
	if err != nil {
		return errors.E(errors.Op("orders.Charge"), errors.Unavailable,
			fmt.Sprintf("charge order %d", id), slog.Int("order.id", id), err)
	}
	return conn.Close()
}

func show(err error) {
	kind := errors.KindOf(err)
	fmt.Println("error:   ", err) // for you: the whole chain
	fmt.Println("kind:    ", kind, "expected:", kind.Expected())
	fmt.Println("public:  ", errors.Public(err)) // for the client: nothing internal
	level := slog.LevelError
	if kind.Expected() {
		level = slog.LevelWarn // a client's mistake: nobody is paged
	}
	slog.Log(context.Background(), level, "failed", "error", err) // error.kind, error.message, error.stack
}
