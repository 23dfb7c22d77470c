package ddxpgx_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/middleware/ddxpgx"
)

// TestLongStatementResourceIsCapped: a 1 MB statement's span carries at
// most the Agent's 5000 bytes of it as resource, cut between runes (issue
// 21, item 13). The tracer is driven as pgx drives it, without a server.
func TestLongStatementResourceIsCapped(t *testing.T) {
	a := startTracer(t)
	tr := ddxpgx.NewTracer(&pgx.ConnConfig{})
	// An odd prefix: byte 5000 falls inside a two-byte "é".
	q := "UPDATE t SET xy = '" + strings.Repeat("é", 1<<19) + "'"
	reqID := request(func(ctx context.Context) {
		qctx := tr.TraceQueryStart(ctx, nil, pgx.TraceQueryStartData{SQL: q})
		tr.TraceQueryEnd(qctx, nil, pgx.TraceQueryEndData{CommandTag: pgconn.NewCommandTag("UPDATE 1")})
	})
	s := childrenOf(t, a, reqID, 1)[0]
	assert.Equal(t, "pgx.query", s.Name)
	assert.LessOrEqual(t, len(s.Resource), 5000)
	assert.Greater(t, len(s.Resource), 4990)
	assert.True(t, utf8.ValidString(s.Resource), "no rune split")
	assert.True(t, strings.HasPrefix(q, s.Resource))
}
