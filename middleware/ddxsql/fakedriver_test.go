package ddxsql_test

import (
	"context"
	"database/sql/driver"
	"io"
	"sync"
)

// fakeDriver is a driver whose behaviour each test sets: which optional
// interfaces its connections have, and what they answer. It records the
// statements it was given, as the database would see them.
type fakeDriver struct {
	mu      sync.Mutex
	queries []string
	// skipFastPath makes ExecContext and QueryContext answer
	// driver.ErrSkip, as drivers do for statements they cannot run
	// without preparing them.
	skipFastPath bool
	// legacy gives connections only the interfaces of Go 1.0 drivers.
	legacy bool
	// connectErr, when set, is what connecting returns.
	connectErr error
}

func (d *fakeDriver) record(q string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.queries = append(d.queries, q)
}

func (d *fakeDriver) seen() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.queries...)
}

func (d *fakeDriver) Open(string) (driver.Conn, error) {
	if d.connectErr != nil {
		return nil, d.connectErr
	}
	if d.legacy {
		return &legacyConn{d: d}, nil
	}
	return &fakeConn{legacyConn{d: d}}, nil
}

// fakeConnector makes fakeDriver usable with OpenDB.
type fakeConnector struct{ d *fakeDriver }

func (c fakeConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open("") }
func (c fakeConnector) Driver() driver.Driver                        { return c.d }

// legacyConn has only driver.Conn and the deprecated Execer and Queryer.
type legacyConn struct{ d *fakeDriver }

func (c *legacyConn) Prepare(q string) (driver.Stmt, error) {
	c.d.record("prepare " + q)
	return &fakeStmt{d: c.d, q: q}, nil
}
func (c *legacyConn) Close() error              { return nil }
func (c *legacyConn) Begin() (driver.Tx, error) { return fakeTx{}, nil }

// fakeConn adds the context interfaces.
type fakeConn struct{ legacyConn }

func (c *fakeConn) ExecContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Result, error) {
	if c.d.skipFastPath {
		return nil, driver.ErrSkip
	}
	c.d.record("exec " + q)
	return driver.RowsAffected(1), nil
}

func (c *fakeConn) QueryContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Rows, error) {
	if c.d.skipFastPath {
		return nil, driver.ErrSkip
	}
	c.d.record("query " + q)
	return &fakeRows{}, nil
}

type fakeStmt struct {
	d *fakeDriver
	q string
}

func (s *fakeStmt) Close() error  { return nil }
func (s *fakeStmt) NumInput() int { return -1 }
func (s *fakeStmt) Exec([]driver.Value) (driver.Result, error) {
	s.d.record("stmt exec " + s.q)
	return driver.RowsAffected(1), nil
}
func (s *fakeStmt) Query([]driver.Value) (driver.Rows, error) {
	s.d.record("stmt query " + s.q)
	return &fakeRows{}, nil
}

type fakeTx struct{}

func (fakeTx) Commit() error   { return nil }
func (fakeTx) Rollback() error { return nil }

// fakeRows is one row with one column.
type fakeRows struct{ done bool }

func (r *fakeRows) Columns() []string { return []string{"n"} }
func (r *fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = int64(1)
	return nil
}
