package ddxsql

import (
	"context"
	"database/sql/driver"
	"io"
	"time"

	"github.com/ddx-go/ddx/errors"
)

// Compile-time checks: the wrappers offer every optional interface
// database/sql looks for, and fall back as database/sql itself would when
// the driver lacks one.
var (
	_ driver.Connector          = (*tracedConnector)(nil)
	_ io.Closer                 = (*tracedConnector)(nil)
	_ driver.Conn               = (*tracedConn)(nil)
	_ driver.ConnBeginTx        = (*tracedConn)(nil)
	_ driver.ConnPrepareContext = (*tracedConn)(nil)
	_ driver.ExecerContext      = (*tracedConn)(nil)
	_ driver.QueryerContext     = (*tracedConn)(nil)
	_ driver.Pinger             = (*tracedConn)(nil)
	_ driver.SessionResetter    = (*tracedConn)(nil)
	_ driver.Validator          = (*tracedConn)(nil)
	_ driver.NamedValueChecker  = (*tracedConn)(nil)
	_ driver.Stmt               = (*tracedStmt)(nil)
	_ driver.StmtExecContext    = (*tracedStmt)(nil)
	_ driver.StmtQueryContext   = (*tracedStmt)(nil)
	_ driver.NamedValueChecker  = (*tracedStmt)(nil)
	_ driver.Tx                 = (*tracedTx)(nil)
)

// tracedConnector traces Connect and hands out traced connections.
// database/sql calls Close from DB.Close, which stops the pool metrics.
type tracedConnector struct {
	base driver.Connector
	t    *tracing
	pm   *poolMetrics // nil when off
}

func newTracedConnector(base driver.Connector, cfg *config) *tracedConnector {
	return &tracedConnector{base: base, t: newTracing(cfg)}
}

func (c *tracedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	start := time.Now()
	conn, err := c.base.Connect(ctx)
	if err = c.t.done(ctx, qConnect, "", start, 0, err); err != nil {
		return nil, err
	}
	return &tracedConn{Conn: conn, t: c.t}, nil
}

func (c *tracedConnector) Driver() driver.Driver { return c.base.Driver() }

// Close stops the pool metrics and closes the driver's connector if it
// has a Close, as DB.Close would have.
func (c *tracedConnector) Close() error {
	c.pm.stop()
	if cl, ok := c.base.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// tracedConn is a driver connection whose calls are traced.
type tracedConn struct {
	driver.Conn
	t *tracing
}

func (c *tracedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *tracedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	start := time.Now()
	q, _ := c.t.comment(ctx, query, true)
	var (
		stmt driver.Stmt
		err  error
	)
	if pc, ok := c.Conn.(driver.ConnPrepareContext); ok {
		stmt, err = pc.PrepareContext(ctx, q)
	} else {
		stmt, err = c.Conn.Prepare(q)
	}
	if err = c.t.done(ctx, qPrepare, query, start, 0, err); err != nil {
		return nil, err
	}
	return &tracedStmt{Stmt: stmt, t: c.t, query: query}, nil
}

// Begin is driver.Conn's, for callers that predate BeginTx.
func (c *tracedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *tracedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	start := time.Now()
	var (
		tx  driver.Tx
		err error
	)
	if bt, ok := c.Conn.(driver.ConnBeginTx); ok {
		tx, err = bt.BeginTx(ctx, opts)
	} else {
		// What database/sql does for a driver without BeginTx.
		switch {
		case opts.Isolation != driver.IsolationLevel(0):
			err = errors.New("sql: driver does not support non-default isolation level")
		case opts.ReadOnly:
			err = errors.New("sql: driver does not support read-only transactions")
		default:
			//lint:ignore SA1019 the driver has nothing else
			tx, err = c.Conn.Begin()
		}
	}
	if err = c.t.done(ctx, qBegin, "", start, 0, err); err != nil {
		return nil, err
	}
	return &tracedTx{tx: tx, t: c.t, ctx: ctx}, nil
}

func (c *tracedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ec, hasCtx := c.Conn.(driver.ExecerContext)
	//lint:ignore SA1019 drivers without ExecerContext may still have Execer
	e, hasOld := c.Conn.(driver.Execer)
	if !hasCtx && !hasOld {
		return nil, driver.ErrSkip // database/sql prepares instead, traced
	}
	start := time.Now()
	q, spanID := c.t.comment(ctx, query, false)
	var (
		res driver.Result
		err error
	)
	if hasCtx {
		res, err = ec.ExecContext(ctx, q, args)
	} else if err = ctx.Err(); err == nil {
		var vals []driver.Value
		if vals, err = namedToValues(args); err == nil {
			res, err = e.Exec(q, vals)
		}
	}
	if err = c.t.done(ctx, qExec, query, start, spanID, err); err != nil {
		return nil, err
	}
	return res, nil
}

func (c *tracedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	qc, hasCtx := c.Conn.(driver.QueryerContext)
	//lint:ignore SA1019 drivers without QueryerContext may still have Queryer
	qo, hasOld := c.Conn.(driver.Queryer)
	if !hasCtx && !hasOld {
		return nil, driver.ErrSkip
	}
	start := time.Now()
	q, spanID := c.t.comment(ctx, query, false)
	var (
		rows driver.Rows
		err  error
	)
	if hasCtx {
		rows, err = qc.QueryContext(ctx, q, args)
	} else if err = ctx.Err(); err == nil {
		var vals []driver.Value
		if vals, err = namedToValues(args); err == nil {
			rows, err = qo.Query(q, vals)
		}
	}
	return c.t.rows(ctx, query, start, spanID, rows, err)
}

func (c *tracedConn) Ping(ctx context.Context) error {
	p, ok := c.Conn.(driver.Pinger)
	if !ok {
		return nil // database/sql's own answer for a driver without Ping
	}
	start := time.Now()
	return c.t.done(ctx, qPing, "", start, 0, p.Ping(ctx))
}

// ResetSession, IsValid and CheckNamedValue are the driver's, or
// database/sql's defaults without them. Their errors go back unwrapped:
// database/sql compares some of them with ==.
func (c *tracedConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *tracedConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *tracedConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// tracedStmt is a prepared statement whose executions are traced.
type tracedStmt struct {
	driver.Stmt
	t     *tracing
	query string
}

func (s *tracedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	start := time.Now()
	var (
		res driver.Result
		err error
	)
	if ec, ok := s.Stmt.(driver.StmtExecContext); ok {
		res, err = ec.ExecContext(ctx, args)
	} else if err = ctx.Err(); err == nil {
		var vals []driver.Value
		if vals, err = namedToValues(args); err == nil {
			//lint:ignore SA1019 the driver has nothing else
			res, err = s.Stmt.Exec(vals)
		}
	}
	if err = s.t.done(ctx, qExec, s.query, start, 0, err); err != nil {
		return nil, err
	}
	return res, nil
}

func (s *tracedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	start := time.Now()
	var (
		rows driver.Rows
		err  error
	)
	if qc, ok := s.Stmt.(driver.StmtQueryContext); ok {
		rows, err = qc.QueryContext(ctx, args)
	} else if err = ctx.Err(); err == nil {
		var vals []driver.Value
		if vals, err = namedToValues(args); err == nil {
			//lint:ignore SA1019 the driver has nothing else
			rows, err = s.Stmt.Query(vals)
		}
	}
	return s.t.rows(ctx, s.query, start, 0, rows, err)
}

// CheckNamedValue is the statement's own check, else what database/sql
// does with a statement's ColumnConverter, else database/sql's default.
func (s *tracedStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	//lint:ignore SA1019 the driver has nothing else
	cc, ok := s.Stmt.(driver.ColumnConverter)
	if !ok {
		return driver.ErrSkip
	}
	if vr, ok := nv.Value.(driver.Valuer); ok {
		v, err := vr.Value()
		if err != nil {
			return err
		}
		if !driver.IsValue(v) {
			return errors.New("ddxsql: non-Value type returned from Value")
		}
		nv.Value = v
	}
	v, err := cc.ColumnConverter(nv.Ordinal - 1).ConvertValue(nv.Value)
	if err != nil {
		return err
	}
	if !driver.IsValue(v) {
		return errors.New("ddxsql: driver ColumnConverter error converted to a non-Value type")
	}
	nv.Value = v
	return nil
}

// tracedTx traces Commit and Rollback in the context of its BeginTx, the
// only context database/sql gives a transaction.
type tracedTx struct {
	tx  driver.Tx
	t   *tracing
	ctx context.Context
}

func (x *tracedTx) Commit() error {
	start := time.Now()
	return x.t.done(x.ctx, qCommit, "", start, 0, x.tx.Commit())
}

func (x *tracedTx) Rollback() error {
	start := time.Now()
	return x.t.done(x.ctx, qRollback, "", start, 0, x.tx.Rollback())
}

// namedToValues is database/sql's conversion for drivers that predate
// named parameters.
func namedToValues(named []driver.NamedValue) ([]driver.Value, error) {
	vals := make([]driver.Value, len(named))
	for i, nv := range named {
		if nv.Name != "" {
			return nil, errors.New("sql: driver does not support the use of Named Parameters")
		}
		vals[i] = nv.Value
	}
	return vals, nil
}
