package ddxsql_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ddxerrors "github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware/ddxsql"
)

// TestDSNSecretsNeverInErrors: a DSN pgx's masking misses (spaces around
// '=', escaped quotes) fails to connect with an error, returned and on the
// span, without the password, pgx's error still its cause (issue 21, item
// 6). pgx's stdlib parses the DSN when it connects.
func TestDSNSecretsNeverInErrors(t *testing.T) {
	a := startTracer(t)
	for _, dsn := range []string{
		"host=localhost password = SECRET1 port=abc",
		"host=localhost password= SECRET2 port=abc",
		`host=localhost password = 'SEC\'RET3' port=abc`,
		"password = SECRET4 = x",
	} {
		t.Run(dsn, func(t *testing.T) {
			db, err := ddxsql.Open("pgx", dsn, ddxsql.WithPoolMetrics(false))
			require.NoError(t, err)
			defer db.Close()
			reqID := request(func(ctx context.Context) { err = db.PingContext(ctx) })
			require.Error(t, err)
			s := spansOf(t, a, 1, func(s testagent.Span) bool { return s.ParentID == reqID && s.Resource == "Connect" })[0]
			for _, text := range []string{err.Error(), s.Meta["error.message"]} {
				assert.NotContains(t, text, "SECRET")
				assert.NotContains(t, text, "RET3")
				assert.True(t, strings.HasPrefix(text, "ddxsql.Connect: cannot parse the connection string: "), text)
			}
			_, isPgx := ddxerrors.AsType[*pgconn.ParseConfigError](err)
			assert.True(t, isPgx, "pgx's error is the cause")
		})
	}
}

// TestConnectErrorScrubbed: a driver whose connect error echoes the DSN
// gives the caller and the span an error without the password.
func TestConnectErrorScrubbed(t *testing.T) {
	a := startTracer(t)
	const dsn = "host=db.internal user=app password = 'hunter2 x' dbname=orders"
	cause := errors.New("connect: bad dsn " + dsn)
	db := ddxsql.OpenDB(fakeConnector{&fakeDriver{connectErr: cause}}, ddxsql.WithPoolMetrics(false), ddxsql.WithDataSourceName(dsn))
	defer db.Close()
	var err error
	reqID := request(func(ctx context.Context) { err = db.PingContext(ctx) })
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
	assert.ErrorIs(t, err, cause)
	s := spansOf(t, a, 1, func(s testagent.Span) bool { return s.ParentID == reqID && s.Resource == "Connect" })[0]
	assert.EqualValues(t, 1, s.Error)
	assert.Contains(t, s.Meta["error.message"], "connect: bad dsn")
	assert.NotContains(t, s.Meta["error.message"], "hunter2")
}
