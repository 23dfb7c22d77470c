package ddxpgx_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testpg"
	"github.com/ddx-go/ddx/middleware/ddxpgx"
)

// open returns a traced pool on a fresh schema of the test server, with a
// users table holding user 1.
func open(t *testing.T, opts ...ddxpgx.Option) *pgxpool.Pool {
	t.Helper()
	schema, url := testpg.Schema(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, testpg.URL(t))
	require.NoError(t, err)
	_, err = admin.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(ctx)
	})
	pool, err := ddxpgx.NewPool(ctx, url, opts...)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = pool.Exec(ctx, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
	require.NoError(t, err)
	_, err = pool.Exec(ctx, "INSERT INTO users (id, name) VALUES (1, 'ada')")
	require.NoError(t, err)
	return pool
}

func startTracer(t *testing.T) *testagent.Agent {
	t.Helper()
	a := testagent.Start(t)
	testagent.StartTracer(t, a, tracer.WithService("orders"))
	return a
}

// request runs fn inside a request span and returns that span's id.
func request(fn func(ctx context.Context)) uint64 {
	span, ctx := tracer.StartSpanFromContext(context.Background(), "http.request", tracer.ResourceName("GET /users/{id}"))
	fn(ctx)
	span.Finish()
	return span.Context().SpanID()
}

// childrenOf flushes and waits for n spans under parent.
func childrenOf(t *testing.T, a *testagent.Agent, parent uint64, n int) []testagent.Span {
	t.Helper()
	tracer.Flush()
	var out []testagent.Span
	a.WaitFor(t, 10*time.Second, func(all []testagent.Span) bool {
		out = out[:0]
		for _, s := range all {
			if s.ParentID == parent {
				out = append(out, s)
			}
		}
		return len(out) >= n
	})
	return out
}

func describe(spans []testagent.Span) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "\n  %s %q error=%d kind=%s", s.Name, s.Resource, s.Error, s.Meta["error.kind"])
	}
	return b.String()
}

func TestSpans(t *testing.T) {
	a := startTracer(t)
	pool := open(t, ddxpgx.WithAcquireThreshold(0))
	sel := "SELECT name FROM users WHERE id = $1"
	var name string
	reqID := request(func(ctx context.Context) {
		require.NoError(t, pool.QueryRow(ctx, sel, 1).Scan(&name))
		b := &pgx.Batch{}
		b.Queue("SELECT 1")
		b.Queue("SELECT 2")
		require.NoError(t, pool.SendBatch(ctx, b).Close())
		n, err := pool.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"id", "name"}, pgx.CopyFromRows([][]any{{2, "grace"}}))
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
	})
	assert.Equal(t, "ada", name)
	spans := childrenOf(t, a, reqID, 6)
	byName := map[string]testagent.Span{}
	for _, s := range spans {
		byName[s.Name+" "+s.Resource] = s
		assert.Zero(t, s.Error, describe(spans))
		assert.Equal(t, "sql", s.Type)
		assert.Equal(t, "orders", s.Service, "the application's service")
		assert.Equal(t, "postgresql", s.Meta["db.system"])
		assert.Equal(t, "jackc/pgx.v5", s.Meta["component"])
		assert.Equal(t, "client", s.Meta["span.kind"])
		assert.Equal(t, "127.0.0.1", s.Meta["out.host"])
		assert.Equal(t, "postgres", s.Meta["db.name"])
		assert.Equal(t, "ddx", s.Meta["db.user"])
	}
	q, ok := byName["pgx.query "+sel]
	require.True(t, ok, describe(spans))
	assert.Equal(t, "Query", q.Meta["db.operation"])
	assert.Contains(t, byName, "pgx.batch Batch", describe(spans))
	assert.Equal(t, 2.0, byName["pgx.batch Batch"].Metrics["db.batch.num_queries"])
	assert.Contains(t, byName, "pgx.copy_from Copy From", describe(spans))
	assert.Contains(t, byName, "pgx.pool.acquire Acquire", describe(spans))
	assert.NotZero(t, byName["pgx.pool.acquire Acquire"].Metrics["db.pool.acquire_duration"])
}

// TestAcquireBelowThresholdHasNoSpan: the default threshold leaves the
// acquire of an idle connection without a span.
func TestAcquireBelowThresholdHasNoSpan(t *testing.T) {
	a := startTracer(t)
	pool := open(t)
	reqID := request(func(ctx context.Context) {
		_, err := pool.Exec(ctx, "SELECT 1")
		require.NoError(t, err)
	})
	spans := childrenOf(t, a, reqID, 1)
	for _, s := range spans {
		assert.NotEqual(t, "pgx.pool.acquire", s.Name, describe(spans))
	}
}

// TestAcquireWaitIsVisible: a query that waits for the pool's only
// connection gets an acquire span as long as the wait.
func TestAcquireWaitIsVisible(t *testing.T) {
	a := startTracer(t)
	schema, url := testpg.Schema(t)
	_ = schema
	pool, err := ddxpgx.NewPool(context.Background(), url+"&pool_max_conns=1")
	require.NoError(t, err)
	defer pool.Close()
	held, err := pool.Acquire(context.Background())
	require.NoError(t, err)
	time.AfterFunc(30*time.Millisecond, held.Release)
	reqID := request(func(ctx context.Context) {
		_, err := pool.Exec(ctx, "SELECT 1")
		require.NoError(t, err)
	})
	var acq testagent.Span
	for _, s := range childrenOf(t, a, reqID, 2) {
		if s.Name == "pgx.pool.acquire" {
			acq = s
		}
	}
	require.Equal(t, "pgx.pool.acquire", acq.Name)
	assert.GreaterOrEqual(t, acq.Metrics["db.pool.acquire_duration"], float64(20*time.Millisecond))
	assert.Zero(t, acq.Error)
}

func TestWhatIsASpanError(t *testing.T) {
	a := startTracer(t)
	pool := open(t)
	cases := []struct {
		name      string
		query     string
		run       func(ctx context.Context, q string) error
		kind      errors.Kind
		spanError bool
		code      string // the span's error.code
		check     func(t *testing.T, err error)
	}{
		{
			name:  "no row is NotFound and the query's span is not an error",
			query: "SELECT name FROM users WHERE id = $1",
			run: func(ctx context.Context, q string) error {
				var name string
				return pool.QueryRow(ctx, q, 9).Scan(&name)
			},
			kind: errors.NotFound,
			check: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, pgx.ErrNoRows)
				assert.ErrorIs(t, err, sql.ErrNoRows, "pgx.ErrNoRows is sql.ErrNoRows since pgx 5.6")
			},
		},
		{
			name:  "a unique violation is a Conflict, not a span error",
			query: "INSERT INTO users (id, name) VALUES (1, 'again')",
			run: func(ctx context.Context, q string) error {
				_, err := pool.Exec(ctx, q)
				return err
			},
			kind: errors.Conflict,
			code: "db.unique_violation",
			check: func(t *testing.T, err error) {
				pgErr, ok := errors.AsType[*pgconn.PgError](err)
				require.True(t, ok)
				assert.Equal(t, "23505", pgErr.Code)
			},
		},
		{
			name:  "a foreign key violation is FailedPrecondition, not a span error",
			query: "INSERT INTO orders (user_id) VALUES (9)",
			run: func(ctx context.Context, q string) error {
				if _, err := pool.Exec(ctx, "CREATE TABLE IF NOT EXISTS orders (user_id INTEGER REFERENCES users (id))"); err != nil {
					return err
				}
				_, err := pool.Exec(ctx, q)
				return err
			},
			kind:  errors.FailedPrecondition,
			code:  "db.foreign_key_violation",
			check: func(t *testing.T, err error) {},
		},
		{
			name:  "canceled by the caller while the server works is a span, not an error",
			query: "SELECT pg_sleep(10)",
			run: func(ctx context.Context, q string) error {
				ctx, cancel := context.WithCancel(ctx)
				time.AfterFunc(50*time.Millisecond, cancel)
				_, err := pool.Exec(ctx, q)
				return err
			},
			kind: errors.Canceled,
			check: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, context.Canceled)
			},
		},
		{
			name:  "a server-side statement timeout is a span error",
			query: "SELECT pg_sleep(10)",
			run: func(ctx context.Context, q string) error {
				tx, err := pool.Begin(ctx)
				if err != nil {
					return err
				}
				defer tx.Rollback(ctx)
				if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = 50"); err != nil {
					return err
				}
				_, err = tx.Exec(ctx, q)
				return err
			},
			kind:      errors.Canceled, // 57014, query_canceled, as the errors package classifies it
			spanError: false,
			check: func(t *testing.T, err error) {
				pgErr, ok := errors.AsType[*pgconn.PgError](err)
				require.True(t, ok)
				assert.Equal(t, "57014", pgErr.Code)
			},
		},
		{
			name:  "a syntax error is a real problem",
			query: "SELEKT 1 FROM users",
			run: func(ctx context.Context, q string) error {
				_, err := pool.Exec(ctx, q)
				return err
			},
			kind:      errors.Internal,
			spanError: true,
			check:     func(t *testing.T, err error) {},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			reqID := request(func(ctx context.Context) { err = c.run(ctx, c.query) })
			require.Error(t, err)
			assert.Equal(t, c.kind, errors.KindOf(err), "%v", err)
			c.check(t, err)
			var s testagent.Span
			for _, x := range childrenOf(t, a, reqID, 1) {
				if x.Name == "pgx.query" && x.Resource == c.query {
					s = x
				}
			}
			require.Equal(t, "pgx.query", s.Name)
			if c.kind == errors.NotFound {
				assert.Zero(t, s.Error, "the query succeeded; Scan found no row")
				assert.Empty(t, s.Meta["error.kind"])
				return
			}
			assert.Equal(t, c.kind.String(), s.Meta["error.kind"])
			if c.code != "" {
				assert.Equal(t, c.code, s.Meta["error.code"])
			}
			if c.spanError {
				assert.EqualValues(t, 1, s.Error)
				assert.Equal(t, "*pgconn.PgError", s.Meta["error.type"])
				assert.Contains(t, s.Meta["error.message"], "ddxpgx.Query")
				// It starts at the test's call, not in ddxpgx or pgx.
				assert.True(t, strings.HasPrefix(s.Meta["error.stack"], "github.com/ddx-go/ddx/middleware/ddxpgx_test.TestWhatIsASpanError."),
					"the span's stack:\n%s", s.Meta["error.stack"])
			} else {
				assert.Zero(t, s.Error, describe([]testagent.Span{s}))
			}
		})
	}
}

// TestRefusedConnectionIsAnErrorSpan: a database that is down is an
// outage, on a span under the request.
func TestRefusedConnectionIsAnErrorSpan(t *testing.T) {
	a := startTracer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	pool, err := ddxpgx.NewPool(context.Background(), "postgres://ddx@"+addr+"/app?sslmode=disable")
	require.NoError(t, err, "NewPool connects to nothing")
	defer pool.Close()
	var qerr error
	reqID := request(func(ctx context.Context) { _, qerr = pool.Exec(ctx, "SELECT 1") })
	require.Error(t, qerr)
	assert.Equal(t, errors.Unavailable, errors.KindOf(qerr), "%v", qerr)
	spans := childrenOf(t, a, reqID, 1)
	var errSpans []testagent.Span
	for _, s := range spans {
		if s.Error != 0 {
			errSpans = append(errSpans, s)
			assert.Equal(t, "Unavailable", s.Meta["error.kind"])
			assert.Contains(t, s.Meta["error.message"], "connection refused")
		}
	}
	var names []string
	for _, s := range errSpans {
		names = append(names, s.Name)
	}
	assert.ElementsMatch(t, []string{"pgx.connect", "pgx.pool.acquire"}, names,
		"the failed connection and the failed acquire it caused: %s", describe(spans))
}

func TestNewPoolBadConnString(t *testing.T) {
	pool, err := ddxpgx.NewPool(context.Background(), "postgres://ddx:s3cret@127.0.0.1:notaport/x")
	assert.Nil(t, pool)
	require.Error(t, err)
	assert.Equal(t, errors.Invalid, errors.KindOf(err))
	assert.NotContains(t, err.Error(), "s3cret")
}
