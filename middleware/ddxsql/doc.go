// Package ddxsql traces database/sql for any driver with ddx's rules: one
// span per database call, a child of the request's span, that is a span
// error only when the failure is a real problem.
//
//	db, err := ddxsql.Open("sqlite", "file:app.db")
//	...
//	err := db.QueryRowContext(ctx, "SELECT name FROM users WHERE id = ?", id).Scan(&name)
//
// [Open] works like sql.Open for any registered driver, and [OpenDB] like
// sql.OpenDB for a driver.Connector. They wrap the driver's connector and
// connections, so nothing else changes: the *sql.DB is the standard one.
//
// # Spans
//
// Spans follow dd-trace-go's contrib for database/sql, so monitors and
// facets written for it keep working: the name is "<driver>.query"
// ("postgres.query", "sqlite.query"), the resource is the query text, its
// first 5000 bytes at most, cut between runes (the Datadog Agent's own
// limit; the database gets the whole statement), or the operation
// ("Connect", "Begin", "Commit") for calls without one, the
// type is "sql", and the tags are sql.query_type (Query, Exec, Prepare,
// Begin, Commit, Rollback, Connect, Ping), db.system, component
// "database/sql", span.kind "client", and, from the data source name,
// out.host, network.destination.port, db.name and db.user (never the
// password).
//
// The service is the application's: a database span takes the service of
// its parent span, so a request's time in the database is counted in the
// service that spent it, and Datadog shows the database itself as an
// inferred service from db.system, db.name and out.host. dd-trace-go's
// contrib names a separate service "<driver>.db" instead, which lumps every
// application's queries into one service nobody owns; [WithService]
// restores that if dashboards depend on it.
//
// # Errors
//
// Every error of a call is returned wrapped in an *errors.Error with an Op
// ("ddxsql.Query") and the attributes db.operation and, when the statement
// names one plainly, db.table. The driver's error stays the cause:
// errors.Is and errors.As find it, and the kind is the errors package's
// classification of it (SQLSTATE 23505 is Conflict, a refused connection
// Unavailable), except that a call whose context the caller canceled is
// Canceled whatever the driver says. The span is recorded with
// ddx.RecordError, so only kinds that are not expected set its error flag.
// A query's span ends when its rows do (the last row read, Rows.Close, or
// the context done), so that an error that comes while the rows stream
// (PostgreSQL's division by zero at the fifth row) is recorded on it, as
// ddxpgx does; rows.Err() returns it wrapped like any other call's error.
// A driver's error may echo the data source name: its text is scrubbed of
// the DSN's secrets (and of anything shaped like password=… or a URL's
// password) before ddxsql returns or records it, the driver's error kept as
// the cause for errors.Is and errors.As.
// driver.ErrSkip, database/sql's signal to take another path, is neither
// wrapped nor traced: the other path is.
//
// # The driver's own connection
//
// sql.Conn.Raw hands its function the connection ddxsql wraps the driver's
// in, so a driver's own methods (SQLite's online backup, pgx's
// *stdlib.Conn) are not on it: use [Raw] (or [DriverConn] on what Raw gave)
// to reach the driver's connection. Calls made on it directly are not
// traced.
//
// # Database Monitoring
//
// [WithDBMPropagation] or DD_DBM_PROPAGATION_MODE (disabled, service, full)
// prepend dd-trace-go's SQL comment (tracer.SQLCommentCarrier) to each
// statement so that Database Monitoring links query samples to services or,
// in full mode, to the very span. The default is disabled, as in
// dd-trace-go: the comment costs an allocation-heavy rewrite of every
// statement, full mode makes each statement's text unique (defeating
// statement caches), and it writes service names into the database's logs;
// it is worth it only where Database Monitoring is in use.
//
// # Pool metrics
//
// While the *sql.DB is open, its sql.DBStats (connections open, in use and
// idle, waits and wait time, and closes by reason) are sent to DogStatsD
// every 10 seconds under dd-trace-go's contrib names
// (datadog.tracer.sql.db.connections.*), tagged with the service, env,
// version and db.system. [WithPoolMetrics] turns them off; DB.Close stops
// them.
package ddxsql
