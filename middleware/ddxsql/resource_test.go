package ddxsql_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware/ddxsql"
)

// TestLongStatementResourceIsCapped: a 1 MB statement's span carries at
// most the Agent's 5000 bytes of it as resource, cut between runes, while
// the database gets the whole statement (issue 21, item 13).
func TestLongStatementResourceIsCapped(t *testing.T) {
	a := startTracer(t)
	d := &fakeDriver{}
	db := ddxsql.OpenDB(fakeConnector{d}, ddxsql.WithPoolMetrics(false))
	defer db.Close()
	// "é" is two bytes and the statement's prefix odd: byte 5000 is
	// inside a rune.
	q := "UPDATE t SET xy = '" + strings.Repeat("é", 1<<19) + "'"
	reqID := request(func(ctx context.Context) {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err)
	})
	assert.Equal(t, []string{"exec " + q}, d.seen(), "the database gets the whole statement")
	s := spansOf(t, a, 1, func(s testagent.Span) bool { return s.ParentID == reqID && s.Meta["sql.query_type"] == "Exec" })[0]
	assert.LessOrEqual(t, len(s.Resource), 5000)
	assert.Greater(t, len(s.Resource), 4990)
	assert.True(t, utf8.ValidString(s.Resource), "no rune split")
	assert.True(t, strings.HasPrefix(q, s.Resource))
}
