package ddxsql

import (
	"database/sql"
	"database/sql/driver"
)

// Raw is sql.Conn.Raw with the driver's own connection: database/sql hands
// Raw's function the connection the connector made, which for a database
// opened by ddxsql is ddxsql's traced wrapper, and a driver's own methods
// (modernc.org/sqlite's NewBackup, pgx's *stdlib.Conn) are not on it. Raw
// unwraps it first, so that
//
//	err := ddxsql.Raw(conn, func(dc any) error {
//		return dc.(*stdlib.Conn).Conn().Ping(ctx)
//	})
//
// works as it would without ddxsql. What f does with the driver's
// connection is not traced: it bypasses database/sql and ddxsql alike. As
// with sql.Conn.Raw, f must not keep the connection after it returns.
func Raw(conn *sql.Conn, f func(driverConn any) error) error {
	return conn.Raw(func(dc any) error { return f(DriverConn(dc)) })
}

// DriverConn returns the driver's connection under ddxsql's wrapper, for
// code that already has what sql.Conn.Raw handed it; any other value is
// returned as it is.
func DriverConn(driverConn any) any {
	if c, ok := driverConn.(*tracedConn); ok {
		return c.Conn
	}
	return driverConn
}

// Unwrap returns the driver's connection, for code that unwraps
// connections generically (as errors.Unwrap does errors).
func (c *tracedConn) Unwrap() driver.Conn { return c.Conn }
