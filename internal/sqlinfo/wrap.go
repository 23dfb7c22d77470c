package sqlinfo

import (
	"context"
	"log/slog"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/caller"
)

// Attribute keys of a database error: Datadog's db.operation and the
// table the statement is about.
const (
	AttrOperation = "db.operation"
	AttrTable     = "db.table"
)

// Wrap gives a driver's error the integration's operation (op, such as
// "ddxsql.Query"), the kind of the statement (operation, such as "query")
// and its table, with the SQLSTATE's code, keeping err as the cause so that
// errors.Is and errors.As still find it. When ctx is done, that is why the
// call failed, whatever the driver made of it. The error's stack starts
// outside the packages of outside (see caller.Outside).
func Wrap(ctx context.Context, op errors.Op, operation, query string, err error, outside caller.Outside) error {
	var kind errors.Kind
	switch ctx.Err() {
	case context.Canceled:
		kind = errors.Canceled
	case context.DeadlineExceeded:
		kind = errors.DeadlineExceeded
	}
	attrs := make([]slog.Attr, 1, 2)
	attrs[0] = slog.String(AttrOperation, operation)
	if table := Table(query); table != "" {
		attrs = append(attrs, slog.String(AttrTable, table))
	}
	return errors.E(op, kind, CodeOf(err), attrs, err, outside)
}
