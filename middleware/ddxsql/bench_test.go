package ddxsql_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
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
// request span; the tracer sends to an Agent that drops the payloads. The
// ratios are medians over rounds of adjacent batches (see
// internal/benchratio).
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
			// All three contenders use one and the same driver connection,
			// so that they measure the same server process (on PostgreSQL,
			// the server's own variance between connections is larger than
			// what is measured here) and the same in-memory database.
			base, err := sql.Open(tg.driver, tg.dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer base.Close()
			shared := &sharedConnector{d: base.Driver(), dsn: tg.dsn}
			defer shared.close()
			raw := sql.OpenDB(shared)
			defer raw.Close()
			raw.SetMaxOpenConns(1)
			traced := ddxsql.OpenDB(shared, ddxsql.WithDriverName(tg.driver), ddxsql.WithPoolMetrics(false))
			defer traced.Close()
			traced.SetMaxOpenConns(1)
			anchored := raw
			table := "users"
			if tg.driver == "pgx" {
				table = "bench_users"
			}
			for _, q := range []string{
				"CREATE TABLE IF NOT EXISTS " + table + " (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
				"DELETE FROM " + table,
				"INSERT INTO " + table + " (id, name) VALUES (1, 'ada')",
			} {
				if _, err := raw.Exec(q); err != nil {
					b.Fatal(err)
				}
			}
			spanName := tg.driver + ".query"
			parent := benchratio.NewParent(100)
			defer parent.Finish()
			var name string
			scan := func(err error) {
				if err != nil {
					b.Fatal(err)
				}
			}
			r := benchratio.Run(b, 25, []benchratio.Entry{
				{Name: "untraced", F: func() {
					scan(raw.QueryRowContext(parent.Ctx(), tg.query, 1).Scan(&name))
				}},
				{Name: "anchor", F: func() {
					span, _ := tracer.StartSpanFromContext(parent.Ctx(), spanName,
						tracer.ResourceName(tg.query), tracer.SpanType(ext.SpanTypeSQL),
						tracer.Tag("sql.query_type", "Query"), tracer.Tag(ext.DBSystem, tg.dbSystem),
						tracer.Tag(ext.Component, "database/sql"), tracer.Tag(ext.SpanKind, ext.SpanKindClient))
					err := anchored.QueryRowContext(parent.Ctx(), tg.query, 1).Scan(&name)
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

// sharedConnector hands every *sql.DB that uses it the same driver
// connection, which it closes itself: the contenders of a benchmark then
// differ only by their tracing. Only for sequential use.
type sharedConnector struct {
	d    driver.Driver
	dsn  string
	conn *sharedConn
}

func (c *sharedConnector) Connect(context.Context) (driver.Conn, error) {
	if c.conn == nil {
		conn, err := c.d.Open(c.dsn)
		if err != nil {
			return nil, err
		}
		c.conn = &sharedConn{conn}
	}
	return c.conn, nil
}

func (c *sharedConnector) Driver() driver.Driver { return c.d }

func (c *sharedConnector) close() {
	if c.conn != nil {
		c.conn.Conn.Close()
	}
}

// sharedConn is a driver connection whose Close does nothing, with the
// interfaces database/sql uses on the fast path.
type sharedConn struct{ driver.Conn }

func (c *sharedConn) Close() error { return nil }

func (c *sharedConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *sharedConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *sharedConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
