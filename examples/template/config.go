package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/ddx-go/ddx/errors"
)

// config holds the service's own settings. Datadog's (DD_SERVICE, DD_ENV,
// DD_VERSION, DD_AGENT_HOST, ...) are read by ddx.Start, not here.
type config struct {
	// addr is where the server listens: ":" + PORT (default 8080), all
	// interfaces, as a container needs.
	addr string
	// shutdownTimeout bounds the wait for requests in flight after SIGTERM
	// (SHUTDOWN_TIMEOUT, default 15s). With the drain delay and ddx's own
	// 5s Stop, it must fit in the pod's terminationGracePeriodSeconds (30s).
	shutdownTimeout time.Duration
	// drainDelay is how long the server keeps answering after SIGTERM while
	// /readyz fails, so that no request reaches a closed port while the
	// endpoints update (DRAIN_DELAY, default 0; the manifest sets 5s).
	drainDelay time.Duration
	// jobInterval is how often the background job runs (JOB_INTERVAL,
	// default 1m).
	jobInterval time.Duration
	// databaseURL is the PostgreSQL server, postgres://user:password@host/db
	// (DATABASE_URL). Unset, the service keeps its items in SQLite.
	databaseURL string
	// sqlitePath is the SQLite file used without DATABASE_URL
	// (SQLITE_PATH, default items.db in the working directory).
	sqlitePath string
}

// loadConfig reads the settings from getenv (os.Getenv in main) and reports
// every invalid one at once, so a bad deployment says everything it got
// wrong in its first log line.
func loadConfig(getenv func(string) string) (config, error) {
	const op errors.Op = "config.Load"
	cfg := config{addr: ":8080", shutdownTimeout: 15 * time.Second, jobInterval: time.Minute,
		databaseURL: getenv("DATABASE_URL"), sqlitePath: "items.db"}
	if v := getenv("SQLITE_PATH"); v != "" {
		cfg.sqlitePath = v
	}
	var errs []error

	if v := getenv("PORT"); v != "" {
		if p, err := strconv.Atoi(v); err != nil || p < 0 || p > 65535 {
			errs = append(errs, errors.E(op, errors.Invalid, fmt.Sprintf("PORT=%q is not a port number (0-65535)", v)))
		} else {
			cfg.addr = ":" + v
		}
	}
	durations := []struct {
		name string
		dst  *time.Duration
		min  time.Duration // smallest valid value
	}{
		{"SHUTDOWN_TIMEOUT", &cfg.shutdownTimeout, 0},
		{"DRAIN_DELAY", &cfg.drainDelay, 0},
		{"JOB_INTERVAL", &cfg.jobInterval, time.Millisecond},
	}
	for _, d := range durations {
		v := getenv(d.name)
		if v == "" {
			continue
		}
		dur, err := time.ParseDuration(v)
		if err != nil || dur < d.min {
			errs = append(errs, errors.E(op, errors.Invalid,
				fmt.Sprintf("%s=%q is not a duration of at least %s, such as 30s or 5m", d.name, v, d.min)))
			continue
		}
		*d.dst = dur
	}
	return cfg, errors.Join(errs...)
}
