package outcome

import (
	"context"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/sqlinfo"
)

// Attribute keys of the errors [WrapSQL] returns: Datadog's db.operation,
// and the table the statement is about.
const (
	AttrDBOperation = sqlinfo.AttrOperation
	AttrDBTable     = sqlinfo.AttrTable
)

// WrapSQL gives a database driver's error the integration's operation (op,
// such as "ddxsql.Query"), the kind of call (operation, such as "Query",
// written as db.operation) and the statement's table (db.table), with the
// [errors.Code] of its SQLSTATE (db.unique_violation for 23505), keeping
// err as the cause so that errors.Is and errors.As still find the driver's
// error. When ctx is done, that is why the call failed, whatever the driver
// made of it: Canceled or DeadlineExceeded. A nil err is returned as nil.
func WrapSQL(ctx context.Context, op errors.Op, operation, query string, err error) error {
	if err == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return sqlinfo.Wrap(ctx, op, operation, query, err)
}
