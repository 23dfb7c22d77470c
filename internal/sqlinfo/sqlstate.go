// Package sqlinfo is what every database integration reads from a
// statement or a driver's error, once for all of them: the errors.Code of a
// SQLSTATE a program may act on (the same whichever driver reported it),
// and the table a plain statement is about.
package sqlinfo

import "github.com/ddx-go/ddx/errors"

// CodeOf returns the errors.Code of the first error in err's chain with a
// SQLState method (pgx's *pgconn.PgError, lib/pq's *pq.Error), or "" when
// there is none or its state has no code.
func CodeOf(err error) errors.Code {
	x, ok := errors.AsType[interface {
		error
		SQLState() string
	}](err)
	if !ok {
		return ""
	}
	return Code(x.SQLState())
}

// Code is the errors.Code of a five-character SQLSTATE, or "".
func Code(state string) errors.Code {
	switch {
	case state == "23505":
		return "db.unique_violation"
	case state == "23503":
		return "db.foreign_key_violation"
	case state == "23502":
		return "db.not_null_violation"
	case state == "23514":
		return "db.check_violation"
	case state == "40001":
		return "db.serialization_failure"
	case state == "40P01":
		return "db.deadlock"
	case state == "57014":
		return "db.query_canceled"
	case len(state) == 5 && state[:2] == "08":
		return "db.connection_failure"
	}
	return ""
}
