package ddxsql

import (
	"database/sql"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"
)

// Pool metric names, dd-trace-go's contrib's, so its dashboards apply.
const (
	metricPrefix         = "datadog.tracer.sql.db.connections."
	metricMaxOpen        = metricPrefix + "max_open"
	metricOpen           = metricPrefix + "open"
	metricInUse          = metricPrefix + "in_use"
	metricIdle           = metricPrefix + "idle"
	metricWaiting        = metricPrefix + "waiting"
	metricWaitDuration   = metricPrefix + "wait_duration"
	metricMaxIdleClosed  = metricPrefix + "closed.max_idle_conns"
	metricIdleTimeClosed = metricPrefix + "closed.max_idle_time"
	metricLifetimeClosed = metricPrefix + "closed.max_lifetime"
)

// poolMetrics sends a DB's sql.DBStats to DogStatsD until stopped.
type poolMetrics struct {
	client statsd.ClientInterface
	owned  bool // ddxsql made client and closes it
	tags   []string
	quit   chan struct{}
	done   chan struct{}
	once   sync.Once
}

// startPoolMetrics starts sending db's statistics. A statsd client that
// cannot be made (no such host) turns the metrics off: they must never
// stop a database from opening.
func (c *tracedConnector) startPoolMetrics(db *sql.DB) {
	cfg := c.t.cfg
	client, owned := cfg.statsd, false
	if client == nil {
		cl, err := statsd.New(statsdAddr(), statsd.WithoutTelemetry(), statsd.WithClientSideAggregation())
		if err != nil {
			return
		}
		client, owned = cl, true
	}
	pm := &poolMetrics{client: client, owned: owned, tags: c.statsTags(), quit: make(chan struct{}), done: make(chan struct{})}
	c.pm = pm
	go pm.run(db, cfg.statsInterval)
}

func (c *tracedConnector) statsTags() []string {
	cfg := c.t.cfg
	service := cfg.service
	if service == "" {
		service = serviceName()
	}
	tags := []string{"service:" + service, "db.system:" + cfg.dbSystem}
	if env := strings.TrimSpace(os.Getenv("DD_ENV")); env != "" {
		tags = append(tags, "env:"+env)
	}
	if v := strings.TrimSpace(os.Getenv("DD_VERSION")); v != "" {
		tags = append(tags, "version:"+v)
	}
	if c.t.info.db != "" {
		tags = append(tags, "db.name:"+c.t.info.db)
	}
	return tags
}

func (pm *poolMetrics) run(db *sql.DB, every time.Duration) {
	defer close(pm.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-pm.quit:
			return
		case <-tick.C:
			pm.send(db.Stats())
		}
	}
}

func (pm *poolMetrics) send(s sql.DBStats) {
	g := func(name string, v int64) { _ = pm.client.Gauge(name, float64(v), pm.tags, 1) }
	g(metricMaxOpen, int64(s.MaxOpenConnections))
	g(metricOpen, int64(s.OpenConnections))
	g(metricInUse, int64(s.InUse))
	g(metricIdle, int64(s.Idle))
	g(metricWaiting, s.WaitCount)
	_ = pm.client.Timing(metricWaitDuration, s.WaitDuration, pm.tags, 1)
	g(metricMaxIdleClosed, s.MaxIdleClosed)
	g(metricIdleTimeClosed, s.MaxIdleTimeClosed)
	g(metricLifetimeClosed, s.MaxLifetimeClosed)
}

// stop ends the sending and closes a client of ddxsql's own. Safe on nil
// and more than once.
func (pm *poolMetrics) stop() {
	if pm == nil {
		return
	}
	pm.once.Do(func() {
		close(pm.quit)
		<-pm.done
		if pm.owned {
			_ = pm.client.Close()
		}
	})
}

// statsdAddr is where the Agent's DogStatsD listens, read as dd-trace-go
// reads it.
func statsdAddr() string {
	if u := strings.TrimSpace(os.Getenv("DD_DOGSTATSD_URL")); u != "" {
		if after, ok := strings.CutPrefix(u, "udp://"); ok {
			return after
		}
		return u // unix:// and unixgram:// are datadog-go's own forms
	}
	host := strings.TrimSpace(os.Getenv("DD_AGENT_HOST"))
	if host == "" {
		host = "localhost"
	}
	port := strings.TrimSpace(os.Getenv("DD_DOGSTATSD_PORT"))
	if port == "" {
		port = "8125"
	}
	return net.JoinHostPort(host, port)
}
