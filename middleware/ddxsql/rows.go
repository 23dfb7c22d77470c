package ddxsql

import (
	"context"
	"database/sql/driver"
	"io"
	"reflect"
	"sync"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/ddx"
)

// tracedRows carries a query's span until its rows are done: a statement
// can fail after the driver returned its rows (PostgreSQL's division by
// zero at the fifth row), and that failure is the query's. The span ends
// when database/sql closes the rows, which it does when Next reports the
// end or an error, on Rows.Close, and when the query's context is done, as
// pgx's QueryTracer ends a query's span (and ddxpgx's) at the rows' end.
//
// It has every optional interface of driver.Rows, answering as
// database/sql does for a driver without one.
type tracedRows struct {
	driver.Rows
	t     *tracing
	ctx   context.Context
	query string
	span  *tracer.Span
	// err is the first error of the rows, recorded on the span.
	err  error
	once sync.Once
}

var (
	_ driver.RowsNextResultSet              = (*tracedRows)(nil)
	_ driver.RowsColumnTypeScanType         = (*tracedRows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*tracedRows)(nil)
	_ driver.RowsColumnTypeLength           = (*tracedRows)(nil)
	_ driver.RowsColumnTypeNullable         = (*tracedRows)(nil)
	_ driver.RowsColumnTypePrecisionScale   = (*tracedRows)(nil)
)

// Next returns the driver's io.EOF as it is (database/sql compares it with
// ==) and any other error wrapped as every call's is, for rows.Err().
func (r *tracedRows) Next(dest []driver.Value) error {
	err := r.Rows.Next(dest)
	if err == nil || err == io.EOF {
		return err
	}
	return r.fail(err)
}

func (r *tracedRows) HasNextResultSet() bool {
	if n, ok := r.Rows.(driver.RowsNextResultSet); ok {
		return n.HasNextResultSet()
	}
	return false
}

func (r *tracedRows) NextResultSet() error {
	n, ok := r.Rows.(driver.RowsNextResultSet)
	if !ok {
		return io.EOF // what database/sql makes of a driver without it
	}
	err := n.NextResultSet()
	if err == nil || err == io.EOF {
		return err
	}
	return r.fail(err)
}

// Close closes the driver's rows and finishes the span, with the rows'
// first error, or Close's own.
func (r *tracedRows) Close() error {
	err := r.Rows.Close()
	if err != nil && r.err == nil {
		err = r.fail(err)
	}
	r.finish()
	return err
}

// fail wraps err, the rows' own, and keeps the first for the span.
func (r *tracedRows) fail(err error) error {
	err = r.t.wrap(r.ctx, qQuery, r.query, err)
	if r.err == nil {
		r.err = err
	}
	return err
}

func (r *tracedRows) finish() {
	r.once.Do(func() {
		if r.err != nil {
			ddx.RecordError(r.span, r.err)
		}
		r.span.Finish()
	})
}

var anyType = reflect.TypeFor[any]()

func (r *tracedRows) ColumnTypeScanType(i int) reflect.Type {
	if c, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return c.ColumnTypeScanType(i)
	}
	return anyType
}

func (r *tracedRows) ColumnTypeDatabaseTypeName(i int) string {
	if c, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return c.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *tracedRows) ColumnTypeLength(i int) (int64, bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return c.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *tracedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return c.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *tracedRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return c.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
