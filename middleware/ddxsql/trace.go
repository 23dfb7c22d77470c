package ddxsql

import (
	"context"
	"database/sql/driver"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

// queryType is the sql.query_type of a span, as dd-trace-go's contrib
// names them.
type queryType uint8

const (
	qConnect queryType = iota
	qQuery
	qExec
	qPrepare
	qBegin
	qCommit
	qRollback
	qPing
	numQueryTypes
)

var queryTypeNames = [numQueryTypes]string{"Connect", "Query", "Exec", "Prepare", "Begin", "Commit", "Rollback", "Ping"}

func (q queryType) String() string { return queryTypeNames[q] }

// Span tags of ddxsql's own, after dd-trace-go's contrib.
const (
	tagQueryType       = "sql.query_type"
	tagDBMInjected     = "_dd.dbm_trace_injected"
	componentName      = "database/sql"
	opPrefix           = "ddxsql."
	spanNameSuffix     = ".query"
	dbmInjectedTagTrue = "true"
)

// tracing is what every wrapper of one *sql.DB shares: the configuration
// and, per query type, the span options that never change, built once so
// that a call costs a span and nothing more.
type tracing struct {
	cfg      *config
	spanName string
	info     dsnInfo
	scrub    *outcome.DSNScrubber
	static   [numQueryTypes]*tracer.StartSpanConfig
	ops      [numQueryTypes]errors.Op
}

func newTracing(cfg *config) *tracing {
	t := &tracing{cfg: cfg, spanName: cfg.driverName + spanNameSuffix}
	if cfg.dsnSet {
		t.info = parseDSN(cfg.dbSystem, cfg.dsn)
	}
	// Without the DSN (OpenDB), what looks like a secret is still masked.
	t.scrub = outcome.NewDSNScrubber(cfg.dsn)
	for q := range numQueryTypes {
		opts := []tracer.StartSpanOption{
			tracer.SpanType(ext.SpanTypeSQL),
			tracer.ResourceName(q.String()),
			tracer.Tag(tagQueryType, q.String()),
			tracer.Tag(ext.DBSystem, cfg.dbSystem),
			tracer.Tag(ext.Component, componentName),
			tracer.Tag(ext.SpanKind, ext.SpanKindClient),
		}
		if cfg.service != "" {
			opts = append(opts, tracer.ServiceName(cfg.service))
		}
		if t.info.host != "" {
			opts = append(opts, tracer.Tag(ext.TargetHost, t.info.host), tracer.Tag(ext.NetworkDestinationName, t.info.host))
		}
		if t.info.port != "" {
			opts = append(opts, tracer.Tag(ext.NetworkDestinationPort, t.info.port))
		}
		if t.info.db != "" {
			opts = append(opts, tracer.Tag(ext.DBName, t.info.db))
		}
		if t.info.user != "" {
			opts = append(opts, tracer.Tag(ext.DBUser, t.info.user))
		}
		t.static[q] = tracer.NewStartSpanConfig(opts...)
		t.ops[q] = errors.Op(opPrefix + q.String())
	}
	return t
}

// span starts the span of a call that began at start, after the call: a
// call the driver skipped (driver.ErrSkip) must leave no span, and the
// driver never needs the span itself. spanID is the id Database
// Monitoring's comment already announced, or 0.
func (t *tracing) span(ctx context.Context, q queryType, query string, start time.Time, spanID uint64) *tracer.Span {
	opts := [4]tracer.StartSpanOption{tracer.StartTime(start), tracer.WithStartSpanConfig(t.static[q])}
	n := 2
	if spanID != 0 {
		opts[n] = tracer.WithSpanID(spanID)
		n++
	}
	var s *tracer.Span
	if parent, ok := tracer.SpanFromContext(ctx); ok {
		s = parent.StartChild(t.spanName, opts[:n]...)
	} else {
		s = tracer.StartSpan(t.spanName, opts[:n]...)
	}
	if query != "" {
		// At most the Agent's 5000 bytes: a 1 MB statement would be a
		// 1 MB resource in every buffer and payload on the way.
		s.SetTag(ext.ResourceName, outcome.SQLResource(query))
	}
	if spanID != 0 {
		s.SetTag(tagDBMInjected, dbmInjectedTagTrue)
	}
	return s
}

// done finishes the span of a call that returned err and returns the
// error for the caller: nil, driver.ErrSkip untouched (database/sql
// compares it with ==, and takes another path that is traced), or err
// wrapped with the operation and what it was about.
func (t *tracing) done(ctx context.Context, q queryType, query string, start time.Time, spanID uint64, err error) error {
	if err == driver.ErrSkip {
		return err
	}
	s := t.span(ctx, q, query, start, spanID)
	if err == nil {
		s.Finish()
		return nil
	}
	err = t.wrap(ctx, q, query, err)
	ddx.RecordError(s, err)
	s.Finish()
	return err
}

// rows is done for a query: a failed one's span ends now, and a
// successful one's goes with its rows, to end when they do (see
// tracedRows).
func (t *tracing) rows(ctx context.Context, query string, start time.Time, spanID uint64, rows driver.Rows, err error) (driver.Rows, error) {
	if err != nil {
		return nil, t.done(ctx, qQuery, query, start, spanID, err)
	}
	return &tracedRows{Rows: rows, t: t, ctx: ctx, query: query, span: t.span(ctx, qQuery, query, start, spanID)}, nil
}

// wrap adds ddxsql's context to a driver's error, keeping it as the cause
// so that errors.Is and errors.As still find it. When the caller's context
// is done, that is why the call failed, whatever the driver made of it.
// The error's stack starts at the code that called database/sql.
func (t *tracing) wrap(ctx context.Context, q queryType, query string, err error) error {
	// A driver's error may echo the DSN, password included (pgx's
	// masking misses "password = x"): its text is scrubbed, its chain kept.
	return outcome.WrapSQL(ctx, t.ops[q], q.String(), query, t.scrub.Error(err), callers...)
}

// callers are the packages between the application's query and wrap.
var callers = []string{"github.com/ddx-go/ddx/middleware/ddxsql", "database/sql"}

// comment returns query with Database Monitoring's comment, and the span
// id the comment names (full mode), or query itself when propagation is
// off. parent is the caller's span, whose trace the comment carries.
// Prepared statements never get a span id: they outlive the span.
func (t *tracing) comment(ctx context.Context, query string, prepared bool) (string, uint64) {
	mode := t.cfg.dbm
	if mode == tracer.DBMPropagationModeDisabled || mode == tracer.DBMPropagationModeUndefined {
		return query, 0
	}
	if prepared && mode == tracer.DBMPropagationModeFull {
		mode = tracer.DBMPropagationModeService
	}
	c := tracer.SQLCommentCarrier{
		Query:          query,
		Mode:           mode,
		DBServiceName:  t.dbService(),
		PeerDBHostname: t.info.host,
		PeerDBName:     t.info.db,
	}
	var sc *tracer.SpanContext
	if parent, ok := tracer.SpanFromContext(ctx); ok {
		sc = parent.Context()
	}
	if err := c.Inject(sc); err != nil {
		return query, 0
	}
	if mode != tracer.DBMPropagationModeFull {
		return c.Query, 0
	}
	return c.Query, c.SpanID
}

// dbService is the name Database Monitoring files the queries under
// (dddbs): WithService's when given, else the database's name, else its
// system; the application's own service travels beside it (ddps).
func (t *tracing) dbService() string {
	switch {
	case t.cfg.service != "":
		return t.cfg.service
	case t.info.db != "":
		return t.info.db
	}
	return t.cfg.dbSystem
}
