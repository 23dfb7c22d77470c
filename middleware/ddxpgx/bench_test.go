package ddxpgx_test

import (
	"context"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ddx-go/ddx/internal/benchratio"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testpg"
	"github.com/ddx-go/ddx/middleware/ddxpgx"
)

// BenchmarkQueryRatio compares, per query and in interleaved batches, a
// pgxpool untraced, with the cheapest correct trace (one
// tracer.StartSpanFromContext and Finish per query, with the tags Datadog
// needs), and through ddxpgx, on the real PostgreSQL. Every query is a
// child of a request span; the tracer sends to an Agent that drops the
// payloads.
func BenchmarkQueryRatio(b *testing.B) {
	url := testpg.URL(b)
	testagent.StartDiscarding(b)
	ctx := context.Background()
	const query = "SELECT name FROM bench_users WHERE id = $1"
	raw, err := pgxpool.New(ctx, url+"&pool_max_conns=1")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	traced, err := ddxpgx.NewPool(ctx, url+"&pool_max_conns=1")
	if err != nil {
		b.Fatal(err)
	}
	defer traced.Close()
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS bench_users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
		"DELETE FROM bench_users",
		"INSERT INTO bench_users (id, name) VALUES (1, 'ada')",
	} {
		if _, err := raw.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
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
			scan(raw.QueryRow(parent.Ctx(), query, 1).Scan(&name))
		}},
		{Name: "anchor", F: func() {
			span, _ := tracer.StartSpanFromContext(parent.Ctx(), "pgx.query",
				tracer.ResourceName(query), tracer.SpanType(ext.SpanTypeSQL),
				tracer.Tag("db.operation", "Query"), tracer.Tag(ext.DBSystem, ext.DBSystemPostgreSQL),
				tracer.Tag(ext.Component, "jackc/pgx.v5"), tracer.Tag(ext.SpanKind, ext.SpanKindClient))
			err := raw.QueryRow(parent.Ctx(), query, 1).Scan(&name)
			span.Finish(tracer.WithError(err))
			scan(err)
		}},
		{Name: "ddxpgx", F: func() {
			scan(traced.QueryRow(parent.Ctx(), query, 1).Scan(&name))
		}},
	})
	benchratio.Ratio(b, r, "ddxpgx", "anchor")
	benchratio.Ratio(b, r, "anchor", "untraced")
	benchratio.Ratio(b, r, "ddxpgx", "untraced")
}
