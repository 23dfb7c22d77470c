// Package ddxpgx traces pgx v5 with ddx's rules: one span per query,
// batch, prepare, copy and connection, a child of the request's span, that
// is a span error only when the failure is a real problem.
//
//	pool, err := ddxpgx.NewPool(ctx, os.Getenv("DATABASE_URL"))
//	...
//	err := pool.QueryRow(ctx, "SELECT name FROM users WHERE id = $1", id).Scan(&name)
//
// [NewPool] is pgxpool.New with a tracer installed; [NewPoolWithConfig]
// installs it in a configuration of the caller's, and [NewTracer] gives the
// tracer itself for a pgx.Conn. The tracer is a pgx.QueryTracer,
// BatchTracer, PrepareTracer, CopyFromTracer and ConnectTracer, and the
// pool's pgxpool.AcquireTracer.
//
// # Spans
//
// Spans follow dd-trace-go's contrib for pgx v5: pgx.query, pgx.batch,
// pgx.prepare, pgx.copy_from, pgx.connect and pgx.pool.acquire, of type
// "sql", with the query text as resource (its first 5000 bytes at most,
// cut between runes: the Datadog Agent's own limit), the operation for the
// others,
// db.system "postgresql", component "jackc/pgx.v5", span.kind "client",
// db.operation, sql.query_type, out.host, network.destination.port, db.name
// and db.user (never the password). Like ddxsql, the spans keep the
// application's service; Datadog infers the database from db.system,
// db.name and out.host.
//
// Waiting for a connection is what a saturated pool costs, so it is
// visible: an acquire that takes at least [WithAcquireThreshold] (1 ms by
// default) or fails gets a pgx.pool.acquire span, with
// db.pool.acquire_duration in nanoseconds. An acquire of an idle
// connection, a microsecond, is not worth a span per query.
//
// # Errors
//
// pgx decides what its calls return; a tracer only watches. So callers get
// pgx's own errors, which the errors package classifies (pgx.ErrNoRows is
// sql.ErrNoRows, so NotFound; a *pgconn.PgError by its SQLSTATE; a refused
// connection Unavailable), and the spans record an *errors.Error with the
// Op ("ddxpgx.Query"), db.operation and db.table, through ddx.RecordError,
// so that only real problems set the error flag. A call whose context the
// caller canceled is Canceled whatever pgx made of it. pgx.ErrNoRows comes
// from Scan, after the query succeeded: the query's span is not an error.
//
// The errors ddxpgx returns (NewPool's) and records never hold the
// connection's password: pgx's parse errors echo the connection string with
// a best-effort mask that misses "password = x" (libpq's spaces) and
// escaped quotes, so ddx drops the echo and scrubs the password, keeping
// pgx's error as the cause (its ConnString field is pgx's, unmasked).
//
// Database Monitoring's SQL comments are not available here: a pgx tracer
// cannot change the statement that is sent. Use ddxsql over pgx's stdlib
// driver where they are needed.
package ddxpgx
