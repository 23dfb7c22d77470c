package ddxpgx_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware/ddxpgx"
)

// TestConnStringSecretsNeverInErrors: connection strings pgx's own masking
// misses (spaces around '=', which libpq accepts; escaped quotes) give
// NewPool an error without the password, which keeps pgx's error as its
// cause (issue 21, item 6).
func TestConnStringSecretsNeverInErrors(t *testing.T) {
	for _, dsn := range []string{
		"host=localhost password = SECRET1 port=abc",
		"host=localhost password= SECRET2 port=abc",
		"host=localhost password =SECRET3 sslmode=bogus",
		`host=localhost password = 'SEC\'RET4' port=abc`,
		`host=localhost password='SECRET5 XYZW' port=abc`,
		"password = SECRET6 = x",
		"host=localhost PASSWORD=SECRET7 port=abc",
		"postgres://ddx:SECRET8@127.0.0.1:notaport/x",
	} {
		t.Run(dsn, func(t *testing.T) {
			pool, err := ddxpgx.NewPool(context.Background(), dsn)
			assert.Nil(t, pool)
			require.Error(t, err)
			for _, s := range []string{"SECRET", "RET4", "XYZW"} {
				assert.NotContains(t, err.Error(), s)
				assert.NotContains(t, errors.Message(err), s)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "ddxpgx.NewPool: parse the connection string: cannot parse the connection string: "), err.Error())
			assert.Equal(t, errors.Invalid, errors.KindOf(err))
			_, isPgx := errors.AsType[*pgconn.ParseConfigError](err)
			assert.True(t, isPgx, "pgx's error is the cause")
		})
	}
}

// TestTracerScrubsThePassword: an error whose text holds the connection's
// password is recorded on the span without it.
func TestTracerScrubsThePassword(t *testing.T) {
	a := startTracer(t)
	tr := ddxpgx.NewTracer(&pgx.ConnConfig{Config: pgconn.Config{Password: "hunter2-secret"}})
	reqID := request(func(ctx context.Context) {
		qctx := tr.TraceQueryStart(ctx, nil, pgx.TraceQueryStartData{SQL: "SELECT 1"})
		tr.TraceQueryEnd(qctx, nil, pgx.TraceQueryEndData{Err: errors.New("auth failed for password hunter2-secret")})
	})
	s := childrenOf(t, a, reqID, 1)[0]
	assert.EqualValues(t, 1, s.Error)
	assert.Contains(t, s.Meta["error.message"], "auth failed for password")
	assert.NotContains(t, s.Meta["error.message"], "hunter2-secret")
}
