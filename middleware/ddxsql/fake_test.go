package ddxsql_test

import (
	"context"
	"database/sql"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware/ddxsql"
)

// TestErrSkipTakesTheFallbackPath: a driver that answers driver.ErrSkip
// to ExecContext and QueryContext gets its statement prepared instead, as
// database/sql does, and the trace shows that path with no error.
func TestErrSkipTakesTheFallbackPath(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		t.Run("legacy="+strconv.FormatBool(legacy), func(t *testing.T) {
			a := startTracer(t)
			d := &fakeDriver{skipFastPath: true, legacy: legacy}
			db := ddxsql.OpenDB(fakeConnector{d}, ddxsql.WithPoolMetrics(false))
			defer db.Close()
			var n int
			reqID := request(func(ctx context.Context) {
				_, err := db.ExecContext(ctx, "UPDATE t SET x = 1")
				require.NoError(t, err)
				require.NoError(t, db.QueryRowContext(ctx, "SELECT n FROM t").Scan(&n))
			})
			assert.Equal(t, 1, n)
			assert.Equal(t, []string{"prepare UPDATE t SET x = 1", "stmt exec UPDATE t SET x = 1",
				"prepare SELECT n FROM t", "stmt query SELECT n FROM t"}, d.seen())
			spans := spansOf(t, a, 5, func(s testagent.Span) bool { return s.ParentID == reqID })
			var types []string
			for _, s := range spans {
				assert.Zero(t, s.Error, describe(spans))
				assert.Equal(t, "ddxsql_test.query", s.Name, "OpenDB names spans after the driver's package")
				types = append(types, s.Meta["sql.query_type"])
			}
			assert.ElementsMatch(t, []string{"Connect", "Prepare", "Exec", "Prepare", "Query"}, types, describe(spans))
		})
	}
}

var traceparent = regexp.MustCompile(`traceparent='00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]'`)

// TestDBMPropagation checks the comment each mode puts on the statements
// the database receives, and that in full mode it names the very span.
func TestDBMPropagation(t *testing.T) {
	cases := []struct {
		name            string
		env             string
		opts            []ddxsql.Option
		comment         bool
		spanID          bool
		preparedComment bool
	}{
		{name: "default is disabled"},
		{name: "env service", env: "service", comment: true, preparedComment: true},
		{name: "env full", env: "full", comment: true, spanID: true, preparedComment: true},
		{name: "env unknown value is disabled", env: "everything"},
		{name: "option overrides env", env: "full", opts: []ddxsql.Option{ddxsql.WithDBMPropagation(tracer.DBMPropagationModeDisabled)}},
		{name: "option full", opts: []ddxsql.Option{ddxsql.WithDBMPropagation(tracer.DBMPropagationModeFull)}, comment: true, spanID: true, preparedComment: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("DD_DBM_PROPAGATION_MODE", c.env)
			a := startTracer(t)
			d := &fakeDriver{}
			db := ddxsql.OpenDB(fakeConnector{d}, append([]ddxsql.Option{ddxsql.WithPoolMetrics(false),
				ddxsql.WithDataSourceName("postgres://app@db.internal:5432/orders")}, c.opts...)...)
			defer db.Close()
			reqID := request(func(ctx context.Context) {
				_, err := db.ExecContext(ctx, "DELETE FROM carts")
				require.NoError(t, err)
				stmt, err := db.PrepareContext(ctx, "SELECT n FROM t")
				require.NoError(t, err)
				stmt.Close()
			})
			seen := d.seen()
			require.Len(t, seen, 2)
			exec, prep := seen[0], seen[1]
			assert.True(t, strings.HasSuffix(exec, "DELETE FROM carts"), exec)
			if !c.comment {
				assert.Equal(t, "exec DELETE FROM carts", exec)
				assert.Equal(t, "prepare SELECT n FROM t", prep)
				return
			}
			assert.Contains(t, exec, "dddbs='orders'", "the database's name: %s", exec)
			assert.Contains(t, exec, "ddh='db.internal'")
			assert.Contains(t, exec, "dddb='orders'")
			assert.Contains(t, exec, "ddps='orders'")
			assert.NotContains(t, prep, "traceparent", "a prepared statement outlives its span")
			if c.preparedComment {
				assert.Contains(t, prep, "dddbs='orders'")
			}
			m := traceparent.FindStringSubmatch(exec)
			if !c.spanID {
				assert.Nil(t, m, exec)
				return
			}
			require.NotNil(t, m, exec)
			s := spansOf(t, a, 1, func(s testagent.Span) bool {
				return s.ParentID == reqID && s.Meta["sql.query_type"] == "Exec"
			})[0]
			assert.Equal(t, strconv.FormatUint(s.SpanID, 16), strings.TrimLeft(m[2], "0"), "the comment names the query's span")
			// dd-trace-go's comment carries the low 64 bits of the trace id.
			assert.Equal(t, s.TraceID128()[16:], m[1][16:])
			assert.Equal(t, "true", s.Meta["_dd.dbm_trace_injected"])
			assert.Equal(t, "DELETE FROM carts", s.Resource, "the resource is the query without the comment")
		})
	}
}

// fakeStatsd records what it is sent.
type fakeStatsd struct {
	statsd.NoOpClient
	mu     sync.Mutex
	gauges map[string]float64
	timing map[string]time.Duration
	tags   []string
}

func (f *fakeStatsd) Gauge(name string, v float64, tags []string, _ float64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gauges[name] = v
	f.tags = tags
	return nil
}

func (f *fakeStatsd) Timing(name string, v time.Duration, tags []string, _ float64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.timing[name] = v
	return nil
}

func (f *fakeStatsd) snapshot() (map[string]float64, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := make(map[string]float64, len(f.gauges))
	for k, v := range f.gauges {
		g[k] = v
	}
	return g, append([]string(nil), f.tags...)
}

func TestPoolMetrics(t *testing.T) {
	t.Setenv("DD_SERVICE", "orders")
	t.Setenv("DD_ENV", "test")
	t.Setenv("DD_VERSION", "")
	f := &fakeStatsd{gauges: map[string]float64{}, timing: map[string]time.Duration{}}
	db := ddxsql.OpenDB(fakeConnector{&fakeDriver{}}, ddxsql.WithStatsdClient(f), ddxsql.WithStatsInterval(10*time.Millisecond),
		ddxsql.WithDataSourceName("app.db"), ddxsql.WithDBSystem("sqlite"))
	db.SetMaxOpenConns(3)
	conn, err := db.Conn(context.Background()) // one connection in use
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		g, _ := f.snapshot()
		// The last gauge of a round too: a snapshot in the middle of a
		// round would miss some.
		_, last := g["datadog.tracer.sql.db.connections.closed.max_lifetime"]
		return g["datadog.tracer.sql.db.connections.in_use"] == 1 && last
	}, 5*time.Second, 5*time.Millisecond)
	g, tags := f.snapshot()
	assert.Equal(t, float64(3), g["datadog.tracer.sql.db.connections.max_open"])
	assert.Equal(t, float64(1), g["datadog.tracer.sql.db.connections.open"])
	assert.Equal(t, float64(0), g["datadog.tracer.sql.db.connections.idle"])
	for _, name := range []string{"waiting", "closed.max_idle_conns", "closed.max_idle_time", "closed.max_lifetime"} {
		assert.Contains(t, g, "datadog.tracer.sql.db.connections."+name)
	}
	assert.ElementsMatch(t, []string{"service:orders", "env:test", "db.system:sqlite", "db.name:app.db"}, tags)
	conn.Close()
	require.NoError(t, db.Close()) // stops the metrics: goleak checks in TestMain
}

// TestPoolMetricsOwnClient: with no client given, ddxsql makes one to the
// Agent's DogStatsD address, and DB.Close closes it (goleak in TestMain).
func TestPoolMetricsOwnClient(t *testing.T) {
	t.Setenv("DD_DOGSTATSD_URL", "udp://127.0.0.1:1")
	db := ddxsql.OpenDB(fakeConnector{&fakeDriver{}}, ddxsql.WithStatsInterval(5*time.Millisecond))
	require.NoError(t, db.Ping())
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, db.Close())
	_ = sql.ErrConnDone
}
