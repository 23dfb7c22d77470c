package ddxsql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

// Option configures [Open] and [OpenDB].
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithService sets the service of the database spans. By default they
// take the service of their parent span, the application's (see the
// package documentation for why).
func WithService(name string) Option { return optionFunc(func(c *config) { c.service = name }) }

// WithDriverName sets the name that spans are named after, "<name>.query".
// Open uses the driver's registered name; OpenDB the name of the driver's
// package ("sqlite", "pq", "stdlib"), which this option overrides.
func WithDriverName(name string) Option { return optionFunc(func(c *config) { c.driverName = name }) }

// WithDBSystem sets the db.system tag, which Datadog uses to show the
// database as an inferred service. By default it is derived from the
// driver name: postgresql for postgres, pgx and pq; mysql; sqlite for
// sqlite and sqlite3; mssql for sqlserver and mssql; other_sql otherwise.
func WithDBSystem(system string) Option { return optionFunc(func(c *config) { c.dbSystem = system }) }

// WithDataSourceName gives OpenDB the data source name that Open has, so
// that spans carry out.host, network.destination.port, db.name and db.user.
// The password is never read from it.
func WithDataSourceName(dsn string) Option {
	return optionFunc(func(c *config) { c.dsn = dsn; c.dsnSet = true })
}

// WithDBMPropagation sets the Database Monitoring propagation mode,
// overriding DD_DBM_PROPAGATION_MODE: tracer.DBMPropagationModeDisabled
// (the default), DBMPropagationModeService or DBMPropagationModeFull.
func WithDBMPropagation(mode tracer.DBMPropagationMode) Option {
	return optionFunc(func(c *config) { c.dbm = mode; c.dbmSet = true })
}

// WithPoolMetrics turns the pool metrics off or on (on by default).
func WithPoolMetrics(on bool) Option { return optionFunc(func(c *config) { c.poolMetrics = on }) }

// WithStatsdClient sends the pool metrics through client instead of a
// client of ddxsql's own to the Agent's DogStatsD (DD_DOGSTATSD_URL, else
// DD_AGENT_HOST and DD_DOGSTATSD_PORT, else localhost:8125). ddxsql does
// not close it.
func WithStatsdClient(client statsd.ClientInterface) Option {
	return optionFunc(func(c *config) { c.statsd = client })
}

// withStatsInterval sets how often pool metrics are sent (tests).
func withStatsInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.statsInterval = d })
}

type config struct {
	service       string
	driverName    string
	dbSystem      string
	dsn           string
	dsnSet        bool
	dbm           tracer.DBMPropagationMode
	dbmSet        bool
	poolMetrics   bool
	statsd        statsd.ClientInterface
	statsInterval time.Duration
}

func newConfig(driverName string, opts []Option) *config {
	c := &config{driverName: driverName, poolMetrics: true, statsInterval: 10 * time.Second}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	if !c.dbmSet {
		c.dbm = dbmFromEnv()
	}
	if c.dbSystem == "" {
		c.dbSystem = dbSystemOf(c.driverName)
	}
	return c
}

// dbmFromEnv reads DD_DBM_PROPAGATION_MODE as dd-trace-go does: an unknown
// value means disabled.
func dbmFromEnv() tracer.DBMPropagationMode {
	switch m := tracer.DBMPropagationMode(strings.ToLower(strings.TrimSpace(os.Getenv("DD_DBM_PROPAGATION_MODE")))); m {
	case tracer.DBMPropagationModeService, tracer.DBMPropagationModeFull:
		return m
	}
	return tracer.DBMPropagationModeDisabled
}

// dbSystemOf maps a driver name to Datadog's db.system value.
func dbSystemOf(driverName string) string {
	switch strings.ToLower(driverName) {
	case "postgres", "postgresql", "pgx", "pq", "stdlib", "cloudsqlpostgres":
		return ext.DBSystemPostgreSQL
	case "mysql":
		return ext.DBSystemMySQL
	case "sqlite", "sqlite3":
		return "sqlite"
	case "sqlserver", "mssql":
		return ext.DBSystemMicrosoftSQLServer
	}
	return ext.DBSystemOtherSQL
}

// Open opens a database like sql.Open, for any registered driver, with
// every call traced. As with sql.Open, an unregistered driver name is an
// error and no connection is made until one is needed.
func Open(driverName, dataSourceName string, opts ...Option) (*sql.DB, error) {
	// sql.Open is the only way to reach a registered driver; it connects
	// to nothing.
	probe, err := sql.Open(driverName, dataSourceName)
	if err != nil {
		return nil, err
	}
	d := probe.Driver()
	_ = probe.Close()

	var c driver.Connector
	if dc, ok := d.(driver.DriverContext); ok {
		if c, err = dc.OpenConnector(dataSourceName); err != nil {
			// The driver's parse error may echo the DSN, password
			// included: ddx's text never does.
			return nil, errors.E(errors.Op("ddxsql.Open"), outcome.NewDSNScrubber(dataSourceName).Error(err))
		}
	} else {
		c = dsnConnector{dsn: dataSourceName, driver: d}
	}
	opts = append([]Option{WithDataSourceName(dataSourceName)}, opts...)
	return openDB(c, newConfig(driverName, opts)), nil
}

// OpenDB opens a database like sql.OpenDB, with every call traced.
func OpenDB(c driver.Connector, opts ...Option) *sql.DB {
	return openDB(c, newConfig(packageName(c.Driver()), opts))
}

func openDB(c driver.Connector, cfg *config) *sql.DB {
	tc := newTracedConnector(c, cfg)
	db := sql.OpenDB(tc)
	if cfg.poolMetrics {
		tc.startPoolMetrics(db)
	}
	return db
}

// packageName is the last element of the package path of d's type:
// "sqlite" for modernc.org/sqlite, "pq" for lib/pq.
func packageName(d driver.Driver) string {
	t := reflect.TypeOf(d)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.PkgPath() == "" {
		return "sql"
	}
	return filepath.Base(t.PkgPath())
}

// dsnConnector is database/sql's own fallback for drivers without
// DriverContext, which sql.OpenDB cannot reach.
type dsnConnector struct {
	dsn    string
	driver driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.driver.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.driver }
