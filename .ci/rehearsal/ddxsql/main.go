// A user's program of ddxsql, built from the published module.
package main

import (
	"context"
	"log/slog"
	"os"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/middleware/ddxsql"
)

func main() {
	defer ddx.Start().Stop()
	db, err := ddxsql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		slog.Error("open", "error", err)
		return
	}
	defer db.Close()
	var one int
	if err := db.QueryRowContext(context.Background(), "SELECT 1").Scan(&one); err != nil {
		slog.Error("query", "error", err)
	}
}
