// Package sqlinfo is what every database integration reads from a
// statement or a driver's error, once for all of them: the errors.Code of a
// SQLSTATE or SQLite result code a program may act on (the same whichever
// driver reported it), and the table a plain statement is about.
package sqlinfo

import (
	"reflect"

	"github.com/ddx-go/ddx/errors"
)

// CodeOf returns the errors.Code of the first error in err's chain with a
// SQLState method (pgx's *pgconn.PgError, lib/pq's *pq.Error) or that is
// modernc.org/sqlite's *sqlite.Error, or "" when there is none or its state
// has no code.
func CodeOf(err error) errors.Code {
	for e := err; e != nil; {
		switch x := e.(type) {
		case interface{ SQLState() string }:
			return Code(x.SQLState())
		case interface{ Code() int }:
			if isSQLite(e) {
				return sqliteCode(x.Code())
			}
		}
		switch x := e.(type) {
		case interface{ Unwrap() error }:
			e = x.Unwrap()
		case interface{ Unwrap() []error }:
			for _, b := range x.Unwrap() {
				if c := CodeOf(b); c != "" {
					return c
				}
			}
			return ""
		default:
			return ""
		}
	}
	return ""
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
	case state == "57P01", state == "57P02", state == "57P03":
		// The server ended the session or refuses new ones while it
		// restarts: what a program does about it is what it does about a
		// lost connection.
		return "db.connection_failure"
	case len(state) == 5 && state[:2] == "08":
		return "db.connection_failure"
	}
	return ""
}

// isSQLite reports whether err is modernc.org/sqlite's *sqlite.Error, by
// its type's package path: ddx imports no driver, and Code() int alone is
// too common a method to mean SQLite. The errors package's Kind table
// makes the same test.
func isSQLite(err error) bool {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath() == "modernc.org/sqlite" && t.Name() == "Error"
}

// sqliteCode is the errors.Code of a SQLite extended result code
// (https://sqlite.org/rescode.html), the same as the SQLSTATE of the same
// failure on PostgreSQL, or "".
func sqliteCode(code int) errors.Code {
	switch code {
	case 2067, 1555: // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
		return "db.unique_violation"
	case 787: // SQLITE_CONSTRAINT_FOREIGNKEY
		return "db.foreign_key_violation"
	case 1299: // SQLITE_CONSTRAINT_NOTNULL
		return "db.not_null_violation"
	case 275: // SQLITE_CONSTRAINT_CHECK
		return "db.check_violation"
	}
	return ""
}
