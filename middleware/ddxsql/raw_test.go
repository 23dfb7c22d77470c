package ddxsql_test

import (
	"context"
	"database/sql/driver"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/ddx-go/ddx/middleware/ddxsql"
)

// TestRawReachesTheDriver: ddxsql.Raw hands f the driver's own connection,
// whose methods (SQLite's online backup, pgx's *stdlib.Conn) the traced
// wrapper that sql.Conn.Raw hands out hides (issue 21, item 18).
func TestRawReachesTheDriver(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx := context.Background()
			conn, err := db.Conn(ctx)
			require.NoError(t, err)
			defer conn.Close()

			require.NoError(t, ddxsql.Raw(conn, func(dc any) error {
				switch b.name {
				case "sqlite":
					bk, ok := dc.(interface {
						NewBackup(string) (*sqlite.Backup, error)
					})
					require.True(t, ok, "the driver's connection, got %T", dc)
					dst := filepath.Join(t.TempDir(), "backup.db")
					backup, err := bk.NewBackup(dst)
					require.NoError(t, err)
					more, err := backup.Step(-1)
					require.NoError(t, err)
					assert.False(t, more)
					require.NoError(t, backup.Finish())
				case "pgx":
					pc, ok := dc.(*stdlib.Conn)
					require.True(t, ok, "the driver's connection, got %T", dc)
					require.NoError(t, pc.Conn().Ping(ctx))
				}
				return nil
			}))
			// The wrapper's own calls still work on that connection.
			require.NoError(t, conn.PingContext(ctx))
		})
	}
}

// TestDriverConn: DriverConn unwraps ddxsql's connection and leaves any
// other value as it is.
func TestDriverConn(t *testing.T) {
	var other driver.Conn
	assert.Nil(t, ddxsql.DriverConn(other))
	assert.Equal(t, "x", ddxsql.DriverConn("x"))
}
