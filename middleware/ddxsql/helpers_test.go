package ddxsql_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testpg"
	"github.com/ddx-go/ddx/middleware/ddxsql"
)

// backend is one real database the driver-agnostic tests run against.
type backend struct {
	name     string // the driver's registered name, and the span name's prefix
	dbSystem string
	// open opens a fresh, empty database for one test.
	open func(t *testing.T, opts ...ddxsql.Option) *sql.DB
	// ph is the n-th placeholder of the driver's dialect.
	ph func(n int) string
	// slow is a statement that runs until canceled.
	slow string
	// errType is the type of the driver's errors.
	errType string
}

func backends() []backend {
	return []backend{
		{
			name: "sqlite", dbSystem: "sqlite",
			open: func(t *testing.T, opts ...ddxsql.Option) *sql.DB {
				dsn := "file:" + filepath.Join(t.TempDir(), "test.db") + "?_pragma=busy_timeout(5000)"
				db, err := ddxsql.Open("sqlite", dsn, append([]ddxsql.Option{ddxsql.WithPoolMetrics(false)}, opts...)...)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			},
			ph:      func(int) string { return "?" },
			slow:    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c",
			errType: "*sqlite.Error",
		},
		{
			name: "pgx", dbSystem: "postgresql",
			open: func(t *testing.T, opts ...ddxsql.Option) *sql.DB {
				schema, url := testpg.Schema(t)
				admin, err := sql.Open("pgx", testpg.URL(t))
				if err != nil {
					t.Fatal(err)
				}
				defer admin.Close()
				if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
					t.Fatalf("create schema: %v", err)
				}
				t.Cleanup(func() {
					admin, err := sql.Open("pgx", testpg.URL(t))
					if err == nil {
						_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
						admin.Close()
					}
				})
				db, err := ddxsql.Open("pgx", url, append([]ddxsql.Option{ddxsql.WithPoolMetrics(false)}, opts...)...)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			},
			ph:      func(n int) string { return fmt.Sprintf("$%d", n) },
			slow:    "SELECT pg_sleep(10)",
			errType: "*pgconn.PgError",
		},
	}
}

// startTracer starts the real tracer against an in-process Agent.
func startTracer(t *testing.T) *testagent.Agent {
	t.Helper()
	a := testagent.Start(t)
	testagent.StartTracer(t, a, tracer.WithService("orders"))
	return a
}

// request runs fn inside a request span, as the middleware would, and
// returns the request span's id once it finished.
func request(fn func(ctx context.Context)) uint64 {
	span, ctx := tracer.StartSpanFromContext(context.Background(), "http.request", tracer.ResourceName("GET /orders/{id}"))
	fn(ctx)
	span.Finish()
	return span.Context().SpanID()
}

// spansOf flushes the tracer and waits until the Agent holds n spans
// matching match.
func spansOf(t *testing.T, a *testagent.Agent, n int, match func(testagent.Span) bool) []testagent.Span {
	t.Helper()
	tracer.Flush()
	var out []testagent.Span
	a.WaitFor(t, 10*time.Second, func(all []testagent.Span) bool {
		out = out[:0]
		for _, s := range all {
			if match(s) {
				out = append(out, s)
			}
		}
		return len(out) >= n
	})
	return out
}

func byResource(name, resource string) func(testagent.Span) bool {
	return func(s testagent.Span) bool { return s.Name == name && s.Resource == resource }
}

func describe(spans []testagent.Span) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "\n  %s %q error=%d type=%s", s.Name, s.Resource, s.Error, s.Meta["error.type"])
	}
	return b.String()
}
