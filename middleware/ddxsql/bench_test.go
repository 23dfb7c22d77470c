package ddxsql_test

import (
	"database/sql"
	"os"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/internal/benchratio"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testpg"
	"github.com/ddx-go/ddx/middleware/ddxsql"
)

// BenchmarkQueryRatio compares, per query and in interleaved batches, the
// same driver untraced, with the cheapest correct trace (one
// tracer.StartSpanFromContext and Finish per query, with the tags Datadog
// needs), and through ddxsql; on SQLite in memory and, when
// DDX_TEST_POSTGRES is set, on PostgreSQL. Every query is a child of a
// request span; the tracer sends to an Agent that drops the payloads.
func BenchmarkQueryRatio(b *testing.B) {
	testagent.StartDiscarding(b)
	type target struct {
		name, driver, dsn, query, dbSystem string
	}
	targets := []target{{"sqlite-memory", "sqlite", "file::memory:", "SELECT name FROM users WHERE id = ?", "sqlite"}}
	if u := os.Getenv(testpg.Env); u != "" {
		targets = append(targets, target{"postgres", "pgx", u, "SELECT name FROM bench_users WHERE id = $1", "postgresql"})
	}
	for _, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			setup := func(db *sql.DB) *sql.DB {
				db.SetMaxOpenConns(1) // one in-memory database; one server connection
				table := "users"
				if tg.driver == "pgx" {
					table = "bench_users"
				}
				for _, q := range []string{
					"CREATE TABLE IF NOT EXISTS " + table + " (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
					"DELETE FROM " + table,
					"INSERT INTO " + table + " (id, name) VALUES (1, 'ada')",
				} {
					if _, err := db.Exec(q); err != nil {
						b.Fatal(err)
					}
				}
				b.Cleanup(func() { db.Close() })
				return db
			}
			raw, err := sql.Open(tg.driver, tg.dsn)
			if err != nil {
				b.Fatal(err)
			}
			raw = setup(raw)
			traced, err := ddxsql.Open(tg.driver, tg.dsn, ddxsql.WithPoolMetrics(false))
			if err != nil {
				b.Fatal(err)
			}
			traced = setup(traced)
			spanName := tg.driver + ".query"
			parent := benchratio.NewParent(100)
			defer parent.Finish()
			var name string
			scan := func(err error) {
				if err != nil {
					b.Fatal(err)
				}
			}
			r := benchratio.Run(b, 200, []benchratio.Entry{
				{Name: "untraced", F: func() {
					scan(raw.QueryRowContext(parent.Ctx(), tg.query, 1).Scan(&name))
				}},
				{Name: "anchor", F: func() {
					span, _ := tracer.StartSpanFromContext(parent.Ctx(), spanName,
						tracer.ResourceName(tg.query), tracer.SpanType(ext.SpanTypeSQL),
						tracer.Tag("sql.query_type", "Query"), tracer.Tag(ext.DBSystem, tg.dbSystem),
						tracer.Tag(ext.Component, "database/sql"), tracer.Tag(ext.SpanKind, ext.SpanKindClient))
					err := raw.QueryRowContext(parent.Ctx(), tg.query, 1).Scan(&name)
					span.Finish(tracer.WithError(err))
					scan(err)
				}},
				{Name: "ddxsql", F: func() {
					scan(traced.QueryRowContext(parent.Ctx(), tg.query, 1).Scan(&name))
				}},
			})
			benchratio.Ratio(b, r, "ddxsql", "anchor")
			benchratio.Ratio(b, r, "anchor", "untraced")
			benchratio.Ratio(b, r, "ddxsql", "untraced")
		})
	}
}
