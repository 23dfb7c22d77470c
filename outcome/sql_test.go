package outcome_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

type stateErr string

func (e stateErr) Error() string    { return "state " + string(e) }
func (e stateErr) SQLState() string { return string(e) }

// driverLike wraps a driver's error as an integration does, called by a
// library (here, this test package) on the application's behalf.
func driverLike(ctx context.Context, err error, callers ...string) error {
	return outcome.WrapSQL(ctx, "ddxsql.Exec", "Exec", "INSERT INTO items VALUES (1)", err, callers...)
}

func TestWrapSQL(t *testing.T) {
	t.Parallel()
	if outcome.WrapSQL(context.Background(), "x", "Exec", "", nil) != nil {
		t.Error("a nil error is not nil once wrapped")
	}
	cause := stateErr("23505")
	err := driverLike(context.Background(), cause)
	if !errors.Is(err, cause) || errors.KindOf(err) != errors.Conflict || errors.CodeOf(err) != "db.unique_violation" {
		t.Errorf("WrapSQL = %v: kind %v, code %q", err, errors.KindOf(err), errors.CodeOf(err))
	}
	if got := err.Error(); got != "ddxsql.Exec: state 23505 [db.operation=Exec db.table=items]" {
		t.Errorf("text %q", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if k := errors.KindOf(driverLike(ctx, cause)); k != errors.Canceled {
		t.Errorf("with the caller's context canceled: %v", k)
	}
}

// TestWrapSQLStack: the stack starts at the first frame outside the
// callers, and never in outcome.
func TestWrapSQLStack(t *testing.T) {
	t.Parallel()
	const self = "github.com/ddx-go/ddx/outcome_test"
	for _, tc := range []struct {
		name    string
		callers []string
		first   string
	}{
		{"no callers: at the integration", nil, self + ".driverLike"},
		{"past the callers", []string{self}, "testing.tRunner"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := errors.Stack(driverLike(context.Background(), stateErr("23505"), tc.callers...))
			if !strings.HasPrefix(st, tc.first+"\n") {
				t.Errorf("the stack starts\n%s\nwant %s", st, tc.first)
			}
		})
	}
}
