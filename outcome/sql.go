package outcome

import (
	"context"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/caller"
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
//
// callers are the import paths of the packages between the application's
// code and WrapSQL: the integration's own, and the library that calls it
// on the application's behalf ("database/sql" for a driver, pgx's packages
// for a pgx tracer). The error's stack starts at the first frame in none of
// them, so that it points at the query the application made, not at the
// integration; frames of this package are never its start. Where every
// frame is in them (a connection a pool opens on its own goroutine), the
// whole stack is kept.
func WrapSQL(ctx context.Context, op errors.Op, operation, query string, err error, callers ...string) error {
	if err == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	outside := make(caller.Outside, 0, len(sqlOwn)+len(callers))
	outside = append(append(outside, sqlOwn...), callers...)
	return sqlinfo.Wrap(ctx, op, operation, query, err, outside)
}

// sqlOwn are the packages of WrapSQL itself.
var sqlOwn = caller.Outside{"github.com/ddx-go/ddx/outcome", "github.com/ddx-go/ddx/internal/sqlinfo"}
