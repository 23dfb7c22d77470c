package sqlinfo

import (
	"fmt"
	"testing"

	"github.com/ddx-go/ddx/errors"
)

type stateErr string

func (e stateErr) Error() string    { return "state " + string(e) }
func (e stateErr) SQLState() string { return string(e) }

type codeErr int

func (e codeErr) Error() string { return "code" }
func (e codeErr) Code() int     { return int(e) }

func TestCodeOf(t *testing.T) {
	tests := []struct {
		err  error
		want errors.Code
	}{
		{stateErr("23505"), "db.unique_violation"},
		{fmt.Errorf("insert: %w", stateErr("23503")), "db.foreign_key_violation"},
		{stateErr("23502"), "db.not_null_violation"},
		{stateErr("23514"), "db.check_violation"},
		{stateErr("40001"), "db.serialization_failure"},
		{stateErr("40P01"), "db.deadlock"},
		{stateErr("57014"), "db.query_canceled"},
		{stateErr("08006"), "db.connection_failure"},
		{stateErr("57P01"), "db.connection_failure"},
		{stateErr("57P02"), "db.connection_failure"},
		{stateErr("57P03"), "db.connection_failure"},
		{stateErr("08"), ""},
		{stateErr("42P01"), ""},
		{errors.New("plain"), ""},
		// Code() int alone is not SQLite's (middleware/ddxsql's
		// TestSQLiteCodes runs the real driver).
		{codeErr(2067), ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := CodeOf(tt.err); got != tt.want {
			t.Errorf("CodeOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
