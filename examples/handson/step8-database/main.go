// Step 8: a real database. A row that is not there is not an incident; a
// database that is down is one.
//
//	cd step8-database  # a module of its own: ddx's go.mod carries no driver
//	go run .           # then, in another terminal:
//	curl -i localhost:8080/items/1    # 200 keyboard
//	curl -i localhost:8080/items/9    # 404, WARN: no such row, nobody is paged
//	curl -i localhost:8080/orders/7   # 503, ERROR: the orders database is down
//
// The items are in SQLite (modernc.org/sqlite, pure Go), in items.db in the
// current directory: nothing to install, any laptop runs it. The orders are
// in PostgreSQL, through the pgx driver, at a port where nothing listens:
// that is what a database outage looks like to the service, a connection
// the driver cannot open, and no test double pretends it. Both go through
// ddxsql, so every query is a span of the request's trace, and the span is
// an error only when the failure is a real problem. Ctrl-C stops it; PORT
// changes the port (PORT=0 picks a free one).
package main

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for PostgreSQL
	_ "modernc.org/sqlite"             // the "sqlite" driver: pure Go, nothing to install

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxsql"
)

var items, orders *sql.DB

func getItem(w http.ResponseWriter, r *http.Request) error {
	var name string
	err := items.QueryRowContext(r.Context(), "SELECT name FROM items WHERE id = ?", r.PathValue("id")).Scan(&name)
	if err != nil {
		return fmt.Errorf("items.Get %s: %w", r.PathValue("id"), err) // sql.ErrNoRows: a 404
	}
	fmt.Fprintln(w, name)
	return nil
}

func getOrder(w http.ResponseWriter, r *http.Request) error {
	var status string
	err := orders.QueryRowContext(r.Context(), "SELECT status FROM orders WHERE id = $1", r.PathValue("id")).Scan(&status)
	if err != nil {
		return fmt.Errorf("orders.Get %s: %w", r.PathValue("id"), err) // connection refused: a 503
	}
	fmt.Fprintln(w, status)
	return nil
}

func main() {
	if err := run(); err != nil {
		os.Exit(1) // run has said why
	}
}

func run() error {
	defer ddx.Start().Stop()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var err error
	if items, err = ddxsql.Open("sqlite", "file:items.db"); err != nil {
		return err
	}
	defer items.Close()
	_, err = items.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
		INSERT OR REPLACE INTO items VALUES (1, 'keyboard')`)
	if err != nil {
		slog.Error("cannot create the items table", "error", err)
		return err
	}
	// The orders database is down: nothing listens on port 1. Open only
	// checks the URL; the first query tries to connect.
	if orders, err = ddxsql.Open("pgx", "postgres://shop@127.0.0.1:1/orders?sslmode=disable"); err != nil {
		return err
	}
	defer orders.Close()

	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", middleware.HandlerFunc(getItem))
	mux.Handle("GET /orders/{id}", middleware.HandlerFunc(getOrder))

	port := cmp.Or(os.Getenv("PORT"), "8080")
	ln, err := net.Listen("tcp", "localhost:"+port)
	if err != nil { // most often another program (an earlier step?) has the port
		slog.Error("cannot listen on port "+port+", pick another: PORT=8081 go run .", "error", err)
		return err
	}
	slog.Info("listening", "addr", "http://"+ln.Addr().String())
	srv := &http.Server{Handler: middleware.Wrap(mux)}
	return middleware.Serve(ctx, srv, ln, 10*time.Second) // until Ctrl-C, then a graceful stop
}
