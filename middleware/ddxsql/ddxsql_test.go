package ddxsql_test

import (
	"context"
	"database/sql"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware/ddxsql"
)

// TestSpansAreChildrenOfTheRequest runs the ordinary calls of a service on
// every backend and checks each span as Datadog will read it.
func TestSpansAreChildrenOfTheRequest(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			a := startTracer(t)
			db := b.open(t)
			create := "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"
			insert := "INSERT INTO users (id, name) VALUES (" + b.ph(1) + ", " + b.ph(2) + ")"
			sel := "SELECT name FROM users WHERE id = " + b.ph(1)
			var name string
			reqID := request(func(ctx context.Context) {
				_, err := db.ExecContext(ctx, create)
				require.NoError(t, err)
				tx, err := db.BeginTx(ctx, nil)
				require.NoError(t, err)
				_, err = tx.ExecContext(ctx, insert, 1, "ada")
				require.NoError(t, err)
				require.NoError(t, tx.Commit())
				require.NoError(t, db.QueryRowContext(ctx, sel, 1).Scan(&name))
				stmt, err := db.PrepareContext(ctx, sel)
				require.NoError(t, err)
				require.NoError(t, stmt.QueryRowContext(ctx, 1).Scan(&name))
				require.NoError(t, stmt.Close())
				require.NoError(t, db.PingContext(ctx))
			})
			assert.Equal(t, "ada", name)

			spanName := b.name + ".query"
			for _, c := range []struct{ resource, queryType string }{
				{"Connect", "Connect"},
				{create, "Exec"},
				{"Begin", "Begin"},
				{insert, "Exec"},
				{"Commit", "Commit"},
				{sel, "Query"},
				{"Ping", "Ping"},
			} {
				s := spansOf(t, a, 1, byResource(spanName, c.resource))[0]
				assert.Equal(t, reqID, s.ParentID, "%s: a child of the request span", c.resource)
				assert.Equal(t, "sql", s.Type, c.resource)
				assert.Equal(t, "orders", s.Service, "%s: the application's service", c.resource)
				assert.Equal(t, c.queryType, s.Meta["sql.query_type"], c.resource)
				assert.Equal(t, b.dbSystem, s.Meta["db.system"], c.resource)
				assert.Equal(t, "database/sql", s.Meta["component"], c.resource)
				assert.Equal(t, "client", s.Meta["span.kind"], c.resource)
				assert.Zero(t, s.Error, c.resource)
			}
			// The prepared statement: one Prepare span and one Query span of
			// the statement, both with the query as resource.
			prep := spansOf(t, a, 1, func(s testagent.Span) bool { return s.Meta["sql.query_type"] == "Prepare" })
			assert.Equal(t, sel, prep[0].Resource)
			if b.name == "pgx" {
				s := spansOf(t, a, 1, byResource(spanName, "Connect"))[0]
				assert.Equal(t, "127.0.0.1", s.Meta["out.host"])
				assert.NotEmpty(t, s.Meta["network.destination.port"])
				assert.Equal(t, "postgres", s.Meta["db.name"])
				assert.Equal(t, "ddx", s.Meta["db.user"])
			}
		})
	}
}

// TestWhatIsASpanError is the Kind table applied to database failures:
// the returned error keeps the driver's error, and the span is an error
// only for real problems.
func TestWhatIsASpanError(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			a := startTracer(t)
			db := b.open(t)
			_, err := db.Exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
			require.NoError(t, err)
			_, err = db.Exec("INSERT INTO users (id, name) VALUES (1, 'ada')")
			require.NoError(t, err)

			cases := []struct {
				name      string
				query     string
				run       func(ctx context.Context, q string) error
				kind      errors.Kind
				spanError bool
				check     func(t *testing.T, err error)
				only      string // a backend name, or "" for all
				noSpan    bool   // database/sql answers without the driver
				errType   string // error.type; the driver's error type when ""
			}{
				{
					name:  "no row is NotFound, and no span error",
					query: "SELECT name FROM users WHERE id = " + b.ph(1),
					run: func(ctx context.Context, q string) error {
						var name string
						return db.QueryRowContext(ctx, q, 9).Scan(&name)
					},
					kind: errors.NotFound,
					check: func(t *testing.T, err error) {
						assert.ErrorIs(t, err, sql.ErrNoRows)
					},
				},
				{
					name:  "canceled before the call never reaches the database",
					query: "SELECT name FROM users WHERE id = " + b.ph(1),
					run: func(ctx context.Context, q string) error {
						ctx, cancel := context.WithCancel(ctx)
						cancel()
						_, err := db.QueryContext(ctx, q, 1)
						return err
					},
					kind:   errors.Canceled,
					noSpan: true,
					check: func(t *testing.T, err error) {
						assert.ErrorIs(t, err, context.Canceled)
					},
				},
				{
					name:  "canceled by the caller while the database works is a span, not an error",
					query: b.slow,
					run: func(ctx context.Context, q string) error {
						ctx, cancel := context.WithCancel(ctx)
						time.AfterFunc(50*time.Millisecond, cancel)
						_, err := db.ExecContext(ctx, q)
						return err
					},
					kind: errors.Canceled,
					check: func(t *testing.T, err error) {
						assert.ErrorIs(t, err, context.Canceled)
						assert.Contains(t, err.Error(), "ddxsql.Exec")
					},
				},
				{
					name:  "a deadline that passes while the database works is a span error",
					query: b.slow,
					run: func(ctx context.Context, q string) error {
						ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
						defer cancel()
						_, err := db.ExecContext(ctx, q)
						return err
					},
					kind:      errors.DeadlineExceeded,
					spanError: true,
					errType:   "DeadlineExceeded",
					check: func(t *testing.T, err error) {
						assert.ErrorIs(t, err, context.DeadlineExceeded)
					},
				},
				{
					// The same failure, the same Kind and Code on every store
					// (issue 21, item 17): SQLite's was Internal.
					name:  "a unique violation is a Conflict, not a span error",
					query: "INSERT INTO users (id, name) VALUES (1, 'again')",
					run: func(ctx context.Context, q string) error {
						_, err := db.ExecContext(ctx, q)
						return err
					},
					kind: errors.Conflict,
					check: func(t *testing.T, err error) {
						if b.name == "pgx" {
							pgErr, ok := errors.AsType[*pgconn.PgError](err)
							require.True(t, ok, "the driver's error stays reachable: %v", err)
							assert.Equal(t, "23505", pgErr.Code)
						} else {
							sqErr, ok := errors.AsType[*sqlite.Error](err)
							require.True(t, ok, "the driver's error stays reachable: %v", err)
							assert.Equal(t, 1555, sqErr.Code(), "SQLITE_CONSTRAINT_PRIMARYKEY")
						}
						// The shape README.md's Data stores section shows.
						assert.True(t, strings.HasPrefix(err.Error(), "ddxsql.Exec: "), err.Error())
						assert.Contains(t, err.Error(), " [db.operation=Exec db.table=users]")
						assert.Equal(t, errors.Code("db.unique_violation"), errors.CodeOf(err))
					},
				},
				{
					name:  "a syntax error is a real problem",
					query: "SELEKT 1",
					run: func(ctx context.Context, q string) error {
						_, err := db.ExecContext(ctx, q)
						return err
					},
					kind:      errors.Internal,
					spanError: true,
					check: func(t *testing.T, err error) {
						assert.Contains(t, err.Error(), "ddxsql.Exec")
						assert.Contains(t, err.Error(), "SELEKT")
					},
				},
			}
			for _, c := range cases {
				if c.only != "" && c.only != b.name {
					continue
				}
				t.Run(c.name, func(t *testing.T) {
					var err error
					reqID := request(func(ctx context.Context) { err = c.run(ctx, c.query) })
					require.Error(t, err)
					assert.Equal(t, c.kind, errors.KindOf(err), "kind of %v", err)
					c.check(t, err)
					if c.kind == errors.NotFound || c.noSpan {
						// database/sql's own answer: the query succeeded, or
						// was never sent. Every span of the request is fine.
						tracer.Flush()
						time.Sleep(50 * time.Millisecond)
						for _, s := range a.Spans() {
							assert.Zero(t, s.Error, "%s", describe([]testagent.Span{s}))
						}
						return
					}
					s := spansOf(t, a, 1, func(s testagent.Span) bool {
						return s.ParentID == reqID && strings.Contains(s.Resource, c.query)
					})[0]
					assert.Equal(t, c.kind.String(), s.Meta["error.kind"])
					if c.spanError {
						assert.EqualValues(t, 1, s.Error)
						want := c.errType
						if want == "" {
							want = b.errType
						}
						assert.Equal(t, want, s.Meta["error.type"])
						assert.NotEmpty(t, s.Meta["error.message"])
						assert.NotEmpty(t, s.Meta["error.stack"])
					} else {
						assert.Zero(t, s.Error, "not a span error: %s", describe([]testagent.Span{s}))
						assert.Empty(t, s.Meta["error.message"])
					}
				})
			}
		})
	}
}

// TestRefusedConnectionIsAnErrorSpan: a database that is down is an
// outage, recorded on the Connect span under the request.
func TestRefusedConnectionIsAnErrorSpan(t *testing.T) {
	a := startTracer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	db, err := ddxsql.Open("pgx", "postgres://ddx@"+addr+"/app?sslmode=disable&connect_timeout=5", ddxsql.WithPoolMetrics(false))
	require.NoError(t, err, "Open connects to nothing")
	defer db.Close()

	var qerr error
	reqID := request(func(ctx context.Context) {
		_, qerr = db.QueryContext(ctx, "SELECT 1")
	})
	require.Error(t, qerr)
	assert.Equal(t, errors.Unavailable, errors.KindOf(qerr), "%v", qerr)
	assert.Contains(t, qerr.Error(), "ddxsql.Connect")
	assert.Contains(t, qerr.Error(), "connection refused")
	_, isNet := errors.AsType[*net.OpError](qerr)
	assert.True(t, isNet, "the network error stays reachable")

	s := spansOf(t, a, 1, func(s testagent.Span) bool { return s.ParentID == reqID && s.Resource == "Connect" })[0]
	assert.Equal(t, "pgx.query", s.Name)
	assert.EqualValues(t, 1, s.Error)
	assert.Equal(t, "Unavailable", s.Meta["error.kind"])
	assert.Equal(t, "*pgconn.ConnectError", s.Meta["error.type"], "the driver's error type")
	assert.Contains(t, s.Meta["error.message"], "connection refused")
	assert.Equal(t, "Connect", s.Meta["sql.query_type"])
	// The stack starts at the query the test made, not in ddxsql or
	// database/sql, in the error the caller gets and on the span.
	const caller = "github.com/ddx-go/ddx/middleware/ddxsql_test.TestRefusedConnectionIsAnErrorSpan.func1\n"
	assert.True(t, strings.HasPrefix(errors.Stack(qerr), caller), "the error's stack:\n%s", errors.Stack(qerr))
	assert.True(t, strings.HasPrefix(s.Meta["error.stack"], caller), "the span's stack:\n%s", s.Meta["error.stack"])
}

// TestErrorStackStartsAtTheQuery: a failed statement's error points at the
// code that ran it, whichever call of database/sql it went through.
func TestErrorStackStartsAtTheQuery(t *testing.T) {
	db := backends()[0].open(t) // SQLite: no server needed
	ctx := context.Background()
	errs := map[string]error{}
	_, errs["Exec"] = db.ExecContext(ctx, "INSERT INTO missing VALUES (1)")
	_, errs["Query"] = db.QueryContext(ctx, "SELECT * FROM missing")
	errs["QueryRow"] = db.QueryRowContext(ctx, "SELECT * FROM missing").Scan(new(int))
	_, errs["Prepare"] = db.PrepareContext(ctx, "SELECT * FROM missing")
	const caller = "github.com/ddx-go/ddx/middleware/ddxsql_test.TestErrorStackStartsAtTheQuery\n"
	for call, err := range errs {
		require.Error(t, err, call)
		assert.Contains(t, err.Error(), "ddxsql.", call)
		assert.True(t, strings.HasPrefix(errors.Stack(err), caller), "%s: the stack starts\n%s", call, errors.Stack(err))
	}
}

func TestOpenUnregisteredDriver(t *testing.T) {
	db, err := ddxsql.Open("no-such-driver", "x")
	assert.Nil(t, db)
	require.Error(t, err)
	_, want := sql.Open("no-such-driver", "x")
	assert.EqualError(t, err, want.Error(), "the error sql.Open gives")
}

// TestSQLiteCodes: SQLite's constraint failures get the Kind and Code of
// the same failure on PostgreSQL (issue 21, item 17).
func TestSQLiteCodes(t *testing.T) {
	db := backends()[0].open(t)
	ctx := context.Background()
	db.SetMaxOpenConns(1) // the PRAGMA is per connection
	for _, q := range []string{
		"PRAGMA foreign_keys = ON",
		"CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT NOT NULL, age INT CHECK (age >= 0))",
		"CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INT REFERENCES users(id))",
		"INSERT INTO users VALUES (1, 'a@example.com', 'ada', 36)",
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	for _, c := range []struct {
		query string
		kind  errors.Kind
		code  errors.Code
	}{
		{"INSERT INTO users VALUES (2, 'a@example.com', 'bob', 1)", errors.Conflict, "db.unique_violation"},
		{"INSERT INTO users VALUES (1, 'b@example.com', 'bob', 1)", errors.Conflict, "db.unique_violation"},
		{"INSERT INTO users VALUES (3, 'c@example.com', NULL, 1)", errors.Internal, "db.not_null_violation"},
		{"INSERT INTO users VALUES (4, 'd@example.com', 'dan', -1)", errors.Internal, "db.check_violation"},
		{"INSERT INTO orders VALUES (1, 99)", errors.FailedPrecondition, "db.foreign_key_violation"},
		{"SELEKT 1", errors.Internal, ""},
	} {
		t.Run(c.query, func(t *testing.T) {
			_, err := db.ExecContext(ctx, c.query)
			require.Error(t, err)
			assert.Equal(t, c.kind, errors.KindOf(err), "%v", err)
			assert.Equal(t, c.code, errors.CodeOf(err), "%v", err)
		})
	}
}
