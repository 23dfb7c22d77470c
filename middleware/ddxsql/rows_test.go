package ddxsql_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
)

// TestErrorWhileRowsStream: a statement that fails at its fifth row, after
// the driver returned the rows, is recorded on the query's span, which
// ends when the rows do, and rows.Err() is ddxsql's error like any other
// call's (issue 21, item 16). The span used to finish before iteration,
// with no error.
func TestErrorWhileRowsStream(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			a := startTracer(t)
			db := b.open(t)
			q, msg := "SELECT 10/(5-g) FROM generate_series(1,10) g", "division by zero"
			if b.name == "sqlite" {
				// SQLite divides by zero into NULL; abs of the smallest
				// integer overflows instead.
				q = "WITH RECURSIVE c(g) AS (SELECT 1 UNION ALL SELECT g+1 FROM c WHERE g < 10) " +
					"SELECT CASE WHEN g = 5 THEN abs(-9223372036854775807 - 1) ELSE g END FROM c"
				msg = "integer overflow"
			}
			for _, prepared := range []bool{false, true} {
				var rowsErr error
				var n int
				reqID := request(func(ctx context.Context) {
					var rows interface {
						Next() bool
						Scan(...any) error
						Err() error
						Close() error
					}
					if prepared {
						stmt, err := db.PrepareContext(ctx, q)
						require.NoError(t, err)
						defer stmt.Close()
						r, err := stmt.QueryContext(ctx)
						require.NoError(t, err, "the error comes while the rows stream")
						rows = r
					} else {
						r, err := db.QueryContext(ctx, q)
						require.NoError(t, err, "the error comes while the rows stream")
						rows = r
					}
					for rows.Next() {
						var v any
						require.NoError(t, rows.Scan(&v))
						n++
					}
					rowsErr = rows.Err()
					require.NoError(t, rows.Close())
				})
				assert.Less(t, n, 5, "the rows before the failing one")
				require.Error(t, rowsErr)
				assert.Contains(t, rowsErr.Error(), msg)
				assert.True(t, strings.HasPrefix(rowsErr.Error(), "ddxsql.Query: "), rowsErr.Error())
				assert.Equal(t, errors.Internal, errors.KindOf(rowsErr))
				assert.Equal(t, b.errType, errors.TypeName(rowsErr), "the driver's error is the cause")
				s := spansOf(t, a, 1, func(s testagent.Span) bool {
					return s.ParentID == reqID && s.Resource == q && s.Meta["sql.query_type"] == "Query"
				})[0]
				assert.EqualValues(t, 1, s.Error, "prepared=%v: the error is on the query's span", prepared)
				assert.Equal(t, b.errType, s.Meta["error.type"])
				assert.Contains(t, s.Meta["error.message"], msg)
				assert.Equal(t, "Internal", s.Meta["error.kind"])
			}
		})
	}
}
