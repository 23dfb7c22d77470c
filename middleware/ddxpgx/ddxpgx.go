package ddxpgx

import (
	"context"
	"strconv"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

// Option configures the tracer.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithService sets the service of the spans. By default they take the
// service of their parent span, the application's.
func WithService(name string) Option { return optionFunc(func(c *config) { c.service = name }) }

// WithAcquireThreshold sets how long acquiring a connection from the pool
// must take to get a span (1 ms by default; 0 gives every acquire one).
// Failed acquires always get one.
func WithAcquireThreshold(d time.Duration) Option {
	return optionFunc(func(c *config) { c.acquireThreshold = d })
}

type config struct {
	service          string
	acquireThreshold time.Duration
}

// NewPool creates a pool like pgxpool.New, traced. As with pgxpool.New, no
// connection is made until one is needed.
func NewPool(ctx context.Context, connString string, opts ...Option) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		// pgx's parse errors echo the connection string, masking the
		// passwords they recognise: not "password = x" (libpq's spaces)
		// nor a value with escaped quotes. ddx's text echoes none of it.
		return nil, errors.E(errors.Op("ddxpgx.NewPool"), errors.Invalid, "parse the connection string",
			outcome.NewDSNScrubber(connString).Error(err))
	}
	return NewPoolWithConfig(ctx, cfg, opts...)
}

// NewPoolWithConfig creates a pool like pgxpool.NewWithConfig, with the
// tracer installed in cfg. A tracer already in cfg keeps being called.
func NewPoolWithConfig(ctx context.Context, cfg *pgxpool.Config, opts ...Option) (*pgxpool.Pool, error) {
	cfg.ConnConfig.Tracer = NewTracer(cfg.ConnConfig, opts...)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, errors.E(errors.Op("ddxpgx.NewPool"), scrubberOf(cfg.ConnConfig).Error(err))
	}
	return pool, nil
}

// Tracer traces pgx's calls; see the package documentation.
type Tracer struct {
	cfg    config
	scrub  *outcome.DSNScrubber
	prev   pgx.QueryTracer
	static [numOps]*tracer.StartSpanConfig
	errOps [numOps]errors.Op
}

var (
	_ pgx.QueryTracer       = (*Tracer)(nil)
	_ pgx.BatchTracer       = (*Tracer)(nil)
	_ pgx.PrepareTracer     = (*Tracer)(nil)
	_ pgx.CopyFromTracer    = (*Tracer)(nil)
	_ pgx.ConnectTracer     = (*Tracer)(nil)
	_ pgxpool.AcquireTracer = (*Tracer)(nil)
)

type op uint8

const (
	opQuery op = iota
	opBatch
	opPrepare
	opCopyFrom
	opConnect
	opAcquire
	numOps
)

// The span names, db.operation values and ddx Ops of each operation:
// dd-trace-go's contrib's first two.
var (
	spanNames  = [numOps]string{"pgx.query", "pgx.batch", "pgx.prepare", "pgx.copy_from", "pgx.connect", "pgx.pool.acquire"}
	operations = [numOps]string{"Query", "Batch", "Prepare", "Copy From", "Connect", "Acquire"}
	opNames    = [numOps]string{"Query", "Batch", "Prepare", "CopyFrom", "Connect", "Acquire"}
)

const (
	tagOperation       = "db.operation"
	tagQueryType       = "sql.query_type"
	tagRowsAffected    = "db.result.rows_affected"
	tagBatchNumQueries = "db.batch.num_queries"
	tagCopyFromTable   = "db.copy_from.tables"
	tagAcquireDuration = "db.pool.acquire_duration"
	componentName      = "jackc/pgx.v5"
)

// NewTracer returns a tracer for connections made with cc (which gives
// the host, port, database and user the spans name), to put in
// cc.Tracer. A tracer already in cc.Tracer keeps being called, before
// this one, for the interfaces it has.
func NewTracer(cc *pgx.ConnConfig, opts ...Option) *Tracer {
	t := &Tracer{cfg: config{acquireThreshold: time.Millisecond}, scrub: scrubberOf(cc)}
	for _, o := range opts {
		if o != nil {
			o.apply(&t.cfg)
		}
	}
	var host, db, user string
	var port uint16
	if cc != nil {
		if cc.Tracer != nil {
			if _, self := cc.Tracer.(*Tracer); !self {
				t.prev = cc.Tracer
			}
		}
		host, port, db, user = cc.Host, cc.Port, cc.Database, cc.User
	}
	for o := range numOps {
		sopts := []tracer.StartSpanOption{
			tracer.SpanType(ext.SpanTypeSQL),
			tracer.ResourceName(operations[o]),
			tracer.Tag(ext.DBSystem, ext.DBSystemPostgreSQL),
			tracer.Tag(ext.Component, componentName),
			tracer.Tag(ext.SpanKind, ext.SpanKindClient),
			tracer.Tag(tagOperation, operations[o]),
			tracer.Tag(tagQueryType, opNames[o]),
		}
		if t.cfg.service != "" {
			sopts = append(sopts, tracer.ServiceName(t.cfg.service))
		}
		if host != "" {
			sopts = append(sopts, tracer.Tag(ext.TargetHost, host), tracer.Tag(ext.NetworkDestinationName, host))
		}
		if port != 0 {
			sopts = append(sopts, tracer.Tag(ext.NetworkDestinationPort, strconv.Itoa(int(port))))
		}
		if db != "" {
			sopts = append(sopts, tracer.Tag(ext.DBName, db))
		}
		if user != "" {
			sopts = append(sopts, tracer.Tag(ext.DBUser, user))
		}
		t.static[o] = tracer.NewStartSpanConfig(sopts...)
		t.errOps[o] = errors.Op("ddxpgx." + opNames[o])
	}
	return t
}

// spanState is what a start hands to its end through the context: the
// span, and the statement for the error's db.table.
type spanState struct {
	span  *tracer.Span
	query string
}

type stateKey struct{}

// start starts the span of o, a child of the span in ctx, and returns the
// context that carries it to the matching end. Only the end needs it: pgx
// starts no spans of its own under a query.
func (t *Tracer) start(ctx context.Context, o op, resource string) context.Context {
	var s *tracer.Span
	if parent, ok := tracer.SpanFromContext(ctx); ok {
		s = parent.StartChild(spanNames[o], tracer.WithStartSpanConfig(t.static[o]))
	} else {
		s = tracer.StartSpan(spanNames[o], tracer.WithStartSpanConfig(t.static[o]))
	}
	if resource != "" {
		// At most the Agent's 5000 bytes: a 1 MB statement would be a
		// 1 MB resource in every buffer and payload on the way.
		s.SetTag(ext.ResourceName, outcome.SQLResource(resource))
	}
	return context.WithValue(ctx, stateKey{}, &spanState{span: s, query: resource})
}

// state returns what start put in ctx, or nil.
func state(ctx context.Context) *spanState {
	st, _ := ctx.Value(stateKey{}).(*spanState)
	return st
}

// end finishes the span start put in ctx, recording err by ddx's rules.
func (t *Tracer) end(ctx context.Context, o op, err error) {
	st := state(ctx)
	if st == nil {
		return
	}
	if err != nil {
		ddx.RecordError(st.span, t.wrap(ctx, o, st.query, err))
	}
	st.span.Finish()
}

// wrap gives err the operation and what it was about, for the span. When
// the caller's context is done, that is why the call failed. The stack
// the span records starts at the code that called pgx.
func (t *Tracer) wrap(ctx context.Context, o op, query string, err error) error {
	return outcome.WrapSQL(ctx, t.errOps[o], opNames[o], query, t.scrub.Error(err), callers...)
}

// scrubberOf removes cc's password from error text, and whatever looks
// like one (pgx's fallbacks share the password).
func scrubberOf(cc *pgx.ConnConfig) *outcome.DSNScrubber {
	if cc == nil {
		return outcome.NewDSNScrubber("")
	}
	return outcome.NewDSNScrubber("", cc.Password)
}

// callers are the packages between the application's call and wrap: pgx
// calls the tracer, and the pool calls pgx.
var callers = []string{
	"github.com/ddx-go/ddx/middleware/ddxpgx",
	"github.com/jackc/pgx/v5",
	"github.com/jackc/pgx/v5/pgxpool",
	"github.com/jackc/pgx/v5/pgconn",
	"github.com/jackc/puddle/v2",
}

func (t *Tracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if t.prev != nil {
		ctx = t.prev.TraceQueryStart(ctx, conn, data)
	}
	return t.start(ctx, opQuery, data.SQL)
}

func (t *Tracer) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	if t.prev != nil {
		t.prev.TraceQueryEnd(ctx, conn, data)
	}
	if st := state(ctx); st != nil && data.Err == nil {
		st.span.SetTag(tagRowsAffected, data.CommandTag.RowsAffected())
	}
	t.end(ctx, opQuery, data.Err)
}

func (t *Tracer) TraceBatchStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	if bt, ok := t.prev.(pgx.BatchTracer); ok {
		ctx = bt.TraceBatchStart(ctx, conn, data)
	}
	ctx = t.start(ctx, opBatch, "")
	if st := state(ctx); st != nil && data.Batch != nil {
		st.span.SetTag(tagBatchNumQueries, data.Batch.Len())
	}
	return ctx
}

// TraceBatchQuery only passes on: the batch's span records the batch's
// outcome, which is its first failure.
func (t *Tracer) TraceBatchQuery(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchQueryData) {
	if bt, ok := t.prev.(pgx.BatchTracer); ok {
		bt.TraceBatchQuery(ctx, conn, data)
	}
}

func (t *Tracer) TraceBatchEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchEndData) {
	if bt, ok := t.prev.(pgx.BatchTracer); ok {
		bt.TraceBatchEnd(ctx, conn, data)
	}
	t.end(ctx, opBatch, data.Err)
}

func (t *Tracer) TracePrepareStart(ctx context.Context, conn *pgx.Conn, data pgx.TracePrepareStartData) context.Context {
	if pt, ok := t.prev.(pgx.PrepareTracer); ok {
		ctx = pt.TracePrepareStart(ctx, conn, data)
	}
	return t.start(ctx, opPrepare, data.SQL)
}

func (t *Tracer) TracePrepareEnd(ctx context.Context, conn *pgx.Conn, data pgx.TracePrepareEndData) {
	if pt, ok := t.prev.(pgx.PrepareTracer); ok {
		pt.TracePrepareEnd(ctx, conn, data)
	}
	t.end(ctx, opPrepare, data.Err)
}

func (t *Tracer) TraceCopyFromStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceCopyFromStartData) context.Context {
	if ct, ok := t.prev.(pgx.CopyFromTracer); ok {
		ctx = ct.TraceCopyFromStart(ctx, conn, data)
	}
	ctx = t.start(ctx, opCopyFrom, "")
	if st := state(ctx); st != nil {
		st.span.SetTag(tagCopyFromTable, data.TableName.Sanitize())
	}
	return ctx
}

func (t *Tracer) TraceCopyFromEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceCopyFromEndData) {
	if ct, ok := t.prev.(pgx.CopyFromTracer); ok {
		ct.TraceCopyFromEnd(ctx, conn, data)
	}
	if st := state(ctx); st != nil && data.Err == nil {
		st.span.SetTag(tagRowsAffected, data.CommandTag.RowsAffected())
	}
	t.end(ctx, opCopyFrom, data.Err)
}

func (t *Tracer) TraceConnectStart(ctx context.Context, data pgx.TraceConnectStartData) context.Context {
	if ct, ok := t.prev.(pgx.ConnectTracer); ok {
		ctx = ct.TraceConnectStart(ctx, data)
	}
	return t.start(ctx, opConnect, "")
}

func (t *Tracer) TraceConnectEnd(ctx context.Context, data pgx.TraceConnectEndData) {
	if ct, ok := t.prev.(pgx.ConnectTracer); ok {
		ct.TraceConnectEnd(ctx, data)
	}
	t.end(ctx, opConnect, data.Err)
}

// acquireKey carries the start of an acquire to its end.
type acquireKey struct{}

// TraceAcquireStart only notes the time: most acquires take a
// microsecond and get no span (see WithAcquireThreshold).
func (t *Tracer) TraceAcquireStart(ctx context.Context, pool *pgxpool.Pool, data pgxpool.TraceAcquireStartData) context.Context {
	if at, ok := t.prev.(pgxpool.AcquireTracer); ok {
		ctx = at.TraceAcquireStart(ctx, pool, data)
	}
	return context.WithValue(ctx, acquireKey{}, time.Now())
}

func (t *Tracer) TraceAcquireEnd(ctx context.Context, pool *pgxpool.Pool, data pgxpool.TraceAcquireEndData) {
	if at, ok := t.prev.(pgxpool.AcquireTracer); ok {
		at.TraceAcquireEnd(ctx, pool, data)
	}
	start, ok := ctx.Value(acquireKey{}).(time.Time)
	if !ok {
		return
	}
	took := time.Since(start)
	if data.Err == nil && took < t.cfg.acquireThreshold {
		return
	}
	s, _ := tracer.StartSpanFromContext(ctx, spanNames[opAcquire], tracer.StartTime(start), tracer.WithStartSpanConfig(t.static[opAcquire]))
	s.SetTag(tagAcquireDuration, took.Nanoseconds())
	if data.Err != nil {
		ddx.RecordError(s, t.wrap(ctx, opAcquire, "", data.Err))
	}
	s.Finish()
}
