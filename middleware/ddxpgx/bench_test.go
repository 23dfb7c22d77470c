package ddxpgx_test

import (
	"context"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/jackc/pgx/v5"
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
// payloads. The ratios are medians over rounds of adjacent batches (see
// internal/benchratio).
func BenchmarkQueryRatio(b *testing.B) {
	url := testpg.URL(b)
	testagent.StartDiscarding(b)
	ctx := context.Background()
	const query = "SELECT name FROM bench_users WHERE id = $1"
	// One pool with one connection for all three contenders, so that they
	// measure the same server process (the server's own variance between
	// connections is larger than what is measured here). Its tracer is
	// ddxpgx's behind a switch that only the ddxpgx contender turns on; off,
	// it costs the others an interface call per hook.
	cfg, err := pgxpool.ParseConfig(url + "&pool_max_conns=1")
	if err != nil {
		b.Fatal(err)
	}
	sw := &switched{t: ddxpgx.NewTracer(cfg.ConnConfig)}
	cfg.ConnConfig.Tracer = sw
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	raw, anchored, traced := pool, pool, pool
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
	r := benchratio.Run(b, 25, []benchratio.Entry{
		{Name: "untraced", F: func() {
			scan(raw.QueryRow(parent.Ctx(), query, 1).Scan(&name))
		}},
		{Name: "anchor", F: func() {
			span, _ := tracer.StartSpanFromContext(parent.Ctx(), "pgx.query",
				tracer.ResourceName(query), tracer.SpanType(ext.SpanTypeSQL),
				tracer.Tag("db.operation", "Query"), tracer.Tag(ext.DBSystem, ext.DBSystemPostgreSQL),
				tracer.Tag(ext.Component, "jackc/pgx.v5"), tracer.Tag(ext.SpanKind, ext.SpanKindClient))
			err := anchored.QueryRow(parent.Ctx(), query, 1).Scan(&name)
			span.Finish(tracer.WithError(err))
			scan(err)
		}},
		{Name: "ddxpgx", F: func() {
			sw.on = true
			scan(traced.QueryRow(parent.Ctx(), query, 1).Scan(&name))
			sw.on = false
		}},
	})
	benchratio.Ratio(b, r, "ddxpgx", "anchor")
	benchratio.Ratio(b, r, "anchor", "untraced")
	benchratio.Ratio(b, r, "ddxpgx", "untraced")
}

// switched is a pgx tracer that is ddxpgx's while on, and nothing
// otherwise. Only for sequential use.
type switched struct {
	t  *ddxpgx.Tracer
	on bool
}

func (s *switched) TraceQueryStart(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if s.on {
		return s.t.TraceQueryStart(ctx, c, d)
	}
	return ctx
}

func (s *switched) TraceQueryEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryEndData) {
	if s.on {
		s.t.TraceQueryEnd(ctx, c, d)
	}
}

func (s *switched) TraceAcquireStart(ctx context.Context, p *pgxpool.Pool, d pgxpool.TraceAcquireStartData) context.Context {
	if s.on {
		return s.t.TraceAcquireStart(ctx, p, d)
	}
	return ctx
}

func (s *switched) TraceAcquireEnd(ctx context.Context, p *pgxpool.Pool, d pgxpool.TraceAcquireEndData) {
	if s.on {
		s.t.TraceAcquireEnd(ctx, p, d)
	}
}
