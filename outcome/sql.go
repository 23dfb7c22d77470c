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

// MaxSQLResource is the most bytes of a statement a span's resource
// carries: the Datadog Agent's own limit (its max_resource_len, 5000 bytes
// by default), applied before the span is made, so that a 1 MB statement
// costs 5 KB in the tracer's buffers, not 1 MB.
const MaxSQLResource = sqlinfo.MaxResource

// SQLResource is query as a span's resource: at most [MaxSQLResource]
// bytes, cut before a UTF-8 character that would not fit whole. The
// statement the database runs is never cut.
func SQLResource(query string) string { return sqlinfo.Resource(query) }

// A DSNScrubber removes a data source name's secrets from error text,
// for the data store integrations: a driver's error may echo the DSN, and
// pgx's own masking of it misses forms libpq accepts ("password = X",
// escaped quotes). It drops pgx's echo of the connection string, masks
// every secret value of the DSN it was made from (a URL's password,
// secret-named key=value and query values, MySQL's user:password@) and
// whatever looks like one. The zero value and nil mask only what looks
// like a secret.
type DSNScrubber struct{ s *sqlinfo.Scrubber }

// NewDSNScrubber returns a DSNScrubber for dsn and any other known secrets
// (pgx's ConnConfig.Password).
func NewDSNScrubber(dsn string, secrets ...string) *DSNScrubber {
	return &DSNScrubber{s: sqlinfo.NewScrubber(dsn, secrets...)}
}

func (d *DSNScrubber) scrubber() *sqlinfo.Scrubber {
	if d == nil || d.s == nil {
		return sqlinfo.NewScrubber("")
	}
	return d.s
}

// Text returns text without the secrets.
func (d *DSNScrubber) Text(text string) string { return d.scrubber().Text(text) }

// Error returns err as it is when its text holds no secret, else an error
// with the scrubbed text that keeps err as its cause, so that errors.Is and
// errors.As still find the driver's error (whose own fields may hold the
// secret: a program that asks for them gets them). A nil err is nil.
func (d *DSNScrubber) Error(err error) error { return d.scrubber().Error(err) }
