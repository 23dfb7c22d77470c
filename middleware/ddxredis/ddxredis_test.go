package ddxredis_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxredis"
)

func TestSpans(t *testing.T) {
	eachServer(t, func(t *testing.T, s target) {
		rec := start(t)
		rdb := ddxredis.NewClient(s.options())
		defer rdb.Close()
		sess := s.key("session:42")
		var got string
		var missErr error
		reqID := request(func(ctx context.Context) {
			require.NoError(t, rdb.Set(ctx, sess, "ada", time.Minute).Err())
			got = rdb.Get(ctx, sess).Val()
			missErr = rdb.Get(ctx, s.key("nobody")).Err()
			require.NoError(t, rdb.HSet(ctx, s.key("user:7"), "name", "ada", "role", "admin").Err())
		})
		assert.Equal(t, "ada", got)
		assert.True(t, missErr == redis.Nil, "the miss is redis.Nil itself: %v", missErr)
		// The connection's setup belongs to the first command.
		rec.RequireNoSpan(t, ddxtest.Resource("HELLO"))
		rec.RequireNoSpan(t, ddxtest.Resource("CLIENT SETINFO"))

		for _, c := range []struct {
			resource string
			args     float64
			n        int
		}{{"SET", 4, 1}, {"GET", 1, 2}, {"HSET", 5, 1}} {
			spans := rec.Spans(ddxtest.Name("redis.command"), ddxtest.Resource(c.resource), under(reqID))
			if len(spans) < c.n {
				spans = []ddxtest.Span{rec.RequireSpan(t, ddxtest.Name("redis.command"), ddxtest.Resource(c.resource), under(reqID))}
			}
			for _, sp := range spans {
				assert.False(t, sp.Error, "%s", sp)
				assert.Equal(t, "redis", sp.Type)
				assert.Equal(t, "orders", sp.Service, "the application's service")
				assert.Equal(t, "redis", sp.Meta["db.system"])
				assert.Equal(t, "redis/go-redis.v9", sp.Meta["component"])
				assert.Equal(t, "client", sp.Meta["span.kind"])
				assert.Equal(t, s.host(), sp.Meta["out.host"])
				assert.Equal(t, s.port(), sp.Meta["out.port"])
				assert.Equal(t, fmt.Sprint(s.opt.DB), sp.Meta["out.db"])
				assert.Equal(t, c.args, sp.Metrics["redis.args_length"], "%s", sp)
				assert.NotContains(t, sp.Meta, "redis.raw_command", "no arguments by default")
				assert.Empty(t, sp.Meta["error.kind"], "a miss is no error: %s", sp)
			}
		}
	})
}

func TestWithService(t *testing.T) {
	rec := start(t)
	s := miniTarget(t)
	rdb := ddxredis.NewClient(s.options(), ddxredis.WithService("sessions-cache"))
	defer rdb.Close()
	request(func(ctx context.Context) { rdb.Ping(ctx) })
	rec.RequireSpan(t, ddxtest.Name("redis.command"), ddxtest.Resource("PING"), ddxtest.Service("sessions-cache"))
}

// row is a row of the Kind table: how to make the error, its kind, and
// whether its span is an error.
type row struct {
	name      string
	resource  string // of the span, "GET" when empty
	fault     string // miniredis answers every command with this error
	run       func(t *testing.T, s target, ctx context.Context) (spanName string, err error)
	kind      errors.Kind
	spanError bool
	check     func(t *testing.T, err error)
}

// onServer runs a GET on a fresh traced client of s.
func onServer(t *testing.T, s target, ctx context.Context) (string, error) {
	rdb := ddxredis.NewClient(s.options())
	defer rdb.Close()
	return "redis.command", rdb.Get(ctx, s.key("k")).Err()
}

func faults() []row {
	unavailable := []string{
		"LOADING Redis is loading the dataset in memory",
		"TRYAGAIN Multiple keys request during rehashing of slot",
		"CLUSTERDOWN The cluster is down",
		"MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
		"READONLY You can't write against a read only replica.",
		"NOREPLICAS Not enough good replicas to write.",
		"ERR max number of clients reached",
		"OOM command not allowed when used memory > 'maxmemory'.",
	}
	internal := []string{
		"NOAUTH Authentication required.",
		"WRONGPASS invalid username-password pair or user is disabled.",
		"NOPERM User ddx has no permissions to run the 'get' command",
		"WRONGTYPE Operation against a key holding the wrong kind of value",
		"ERR syntax error",
		"EXECABORT Transaction discarded because of previous errors.",
		"CROSSSLOT Keys in request don't hash to the same slot",
	}
	var rows []row
	for _, f := range unavailable {
		rows = append(rows, row{name: f, fault: f, run: onServer, kind: errors.Unavailable, spanError: true})
	}
	for _, f := range internal {
		rows = append(rows, row{name: f, fault: f, run: onServer, kind: errors.Internal, spanError: true})
	}
	return rows
}

// kindRows are the rows every server can produce.
func kindRows() []row {
	return []row{
		{
			name: "a miss is NotFound and no error", run: onServer, kind: errors.NotFound,
			check: func(t *testing.T, err error) { assert.True(t, err == redis.Nil, "returned unchanged: %v", err) },
		},
		{
			name: "a WATCH conflict is a Conflict and no span error", resource: "MULTI SET EXEC",
			run: func(t *testing.T, s target, ctx context.Context) (string, error) {
				rdb := ddxredis.NewClient(s.options())
				defer rdb.Close()
				other := redis.NewClient(s.options())
				defer other.Close()
				k := s.key("counter")
				err := rdb.Watch(ctx, func(tx *redis.Tx) error {
					require.NoError(t, other.Set(ctx, k, "changed", 0).Err())
					_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.Set(ctx, k, "mine", 0)
						return nil
					})
					return err
				}, k)
				return "redis.pipeline", err
			},
			kind:  errors.Conflict,
			check: func(t *testing.T, err error) { assert.True(t, err == redis.TxFailedErr, "%v", err) },
		},
		{
			name: "WRONGTYPE is Internal", resource: "LPUSH",
			run: func(t *testing.T, s target, ctx context.Context) (string, error) {
				rdb := ddxredis.NewClient(s.options())
				defer rdb.Close()
				require.NoError(t, rdb.Set(ctx, s.key("k"), "v", 0).Err())
				return "redis.command", rdb.LPush(ctx, s.key("k"), "x").Err()
			},
			kind: errors.Internal, spanError: true,
			check: func(t *testing.T, err error) { assert.True(t, strings.HasPrefix(err.Error(), "WRONGTYPE"), "%v", err) },
		},
		{
			name: "a wrong number of arguments is Internal", resource: "SET",
			run: func(t *testing.T, s target, ctx context.Context) (string, error) {
				rdb := ddxredis.NewClient(s.options())
				defer rdb.Close()
				return "redis.command", rdb.Do(ctx, "set", s.key("k")).Err()
			},
			kind: errors.Internal, spanError: true,
		},
		{
			name: "EXECABORT of a transaction with a bad command is Internal", resource: "MULTI SET EXEC",
			run: func(t *testing.T, s target, ctx context.Context) (string, error) {
				rdb := ddxredis.NewClient(s.options())
				defer rdb.Close()
				_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.Set(ctx, s.key("k"), "v", 0)
					p.Do(ctx, "set", s.key("k"))
					return nil
				})
				return "redis.pipeline", err
			},
			kind: errors.Internal, spanError: true,
		},
		{
			name: "a closed client is Internal",
			run: func(t *testing.T, s target, ctx context.Context) (string, error) {
				rdb := ddxredis.NewClient(s.options())
				rdb.Close()
				return "redis.command", rdb.Get(ctx, s.key("k")).Err()
			},
			kind: errors.Internal, spanError: true,
			check: func(t *testing.T, err error) { assert.True(t, err == redis.ErrClosed, "%v", err) },
		},
		{
			name: "a pool timeout is Unavailable",
			run: func(t *testing.T, s target, ctx context.Context) (string, error) {
				o := s.options()
				o.PoolSize, o.PoolTimeout = 1, 50*time.Millisecond
				rdb := ddxredis.NewClient(o)
				defer rdb.Close()
				held := rdb.Conn()
				defer held.Close()
				require.NoError(t, held.Ping(ctx).Err())
				return "redis.command", rdb.Get(ctx, s.key("k")).Err()
			},
			kind: errors.Unavailable, spanError: true,
			check: func(t *testing.T, err error) { assert.True(t, err == redis.ErrPoolTimeout, "%v", err) },
		},
		{
			name: "the caller's cancel is Canceled and no span error",
			run: func(t *testing.T, s target, ctx context.Context) (string, error) {
				rdb := ddxredis.NewClient(s.options())
				defer rdb.Close()
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return "redis.command", rdb.Get(ctx, s.key("k")).Err()
			},
			kind:  errors.Canceled,
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, context.Canceled) },
		},
		{
			name: "a refused connection is Unavailable",
			run: func(t *testing.T, s target, ctx context.Context) (string, error) {
				rdb := ddxredis.NewClient(&redis.Options{Addr: closedAddr(t), MaxRetries: -1})
				defer rdb.Close()
				return "redis.command", rdb.Get(ctx, "k").Err()
			},
			kind: errors.Unavailable, spanError: true,
		},
		{
			name: "a read timeout is DeadlineExceeded",
			run: func(t *testing.T, s target, ctx context.Context) (string, error) {
				rdb := ddxredis.NewClient(&redis.Options{Addr: silentAddr(t), MaxRetries: -1, ReadTimeout: 50 * time.Millisecond})
				defer rdb.Close()
				return "redis.command", rdb.Get(ctx, "k").Err()
			},
			kind: errors.DeadlineExceeded, spanError: true,
		},
	}
}

// TestKindTable: for each row of the table, the error the caller gets is
// go-redis's own, errors.KindOf classifies it, and the span is an error
// for real problems only.
func TestKindTable(t *testing.T) {
	check := func(t *testing.T, rec *ddxtest.Recorder, s target, c row) {
		var err error
		var name string
		reqID := request(func(ctx context.Context) { name, err = c.run(t, s, ctx) })
		require.Error(t, err)
		assert.Equal(t, c.kind, errors.KindOf(err), "%v", err)
		if c.check != nil {
			c.check(t, err)
		}
		res := c.resource
		if res == "" {
			res = "GET"
		}
		sp := rec.RequireSpan(t, ddxtest.Name(name), ddxtest.Resource(res), under(reqID))
		assert.Equal(t, c.spanError, sp.Error, "%s", sp)
		if c.kind == errors.NotFound {
			assert.Empty(t, sp.Meta["error.kind"], "a miss is no error at all")
			return
		}
		assert.Equal(t, c.kind.String(), sp.Meta["error.kind"], "%s", sp)
		if c.spanError {
			assert.NotEmpty(t, sp.Meta["error.stack"])
			assert.Contains(t, sp.Meta["error.message"], "ddxredis.")
		}
	}
	eachServer(t, func(t *testing.T, s target) {
		for _, c := range kindRows() {
			t.Run(c.name, func(t *testing.T) { check(t, start(t), s, c) })
		}
	})
	t.Run("miniredis faults", func(t *testing.T) {
		for _, c := range faults() {
			t.Run(c.name, func(t *testing.T) {
				rec := start(t)
				m := miniredis.RunT(t)
				m.SetError(c.fault)
				s := target{mini: m, opt: &redis.Options{Addr: m.Addr(), MaxRetries: -1, Protocol: 2}}
				check(t, rec, s, c)
			})
		}
	})
}

// TestPipelineWorstError: go-redis returns a pipeline's first failure, a
// miss here; the span records the worst, the WRONGTYPE.
func TestPipelineWorstError(t *testing.T) {
	eachServer(t, func(t *testing.T, s target) {
		rec := start(t)
		rdb := ddxredis.NewClient(s.options())
		defer rdb.Close()
		ctx := context.Background()
		require.NoError(t, rdb.Set(ctx, s.key("name"), "ada", 0).Err())
		var cmds []redis.Cmder
		var err error
		reqID := request(func(ctx context.Context) {
			cmds, err = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.Get(ctx, s.key("name"))
				p.Get(ctx, s.key("nobody"))
				p.LPush(ctx, s.key("name"), "x")
				return nil
			})
		})
		require.Len(t, cmds, 3)
		assert.NoError(t, cmds[0].Err())
		assert.True(t, cmds[1].Err() == redis.Nil)
		assert.True(t, strings.HasPrefix(cmds[2].Err().Error(), "WRONGTYPE"))
		assert.True(t, err == redis.Nil, "go-redis returns the first failure, unchanged: %v", err)

		sp := rec.RequireSpan(t, ddxtest.Name("redis.pipeline"), under(reqID))
		assert.True(t, sp.Error, "%s", sp)
		assert.Equal(t, "Internal", sp.Meta["error.kind"])
		assert.Contains(t, sp.Meta["error.message"], "WRONGTYPE")
		assert.Equal(t, "GET LPUSH", sp.Resource)
		assert.Equal(t, 3.0, sp.Metrics["redis.pipeline_length"])
		assert.Equal(t, "redis", sp.Type)
		assert.Equal(t, s.host(), sp.Meta["out.host"])
		rec.RequireNoSpan(t, ddxtest.Name("redis.command"), under(reqID))
	})
}

// TestMissUnderWrap: a handler that returns a miss answers 404, logs a
// WARN, and no span is an error.
func TestMissUnderWrap(t *testing.T) {
	eachServer(t, func(t *testing.T, s target) {
		rec := start(t)
		rdb := ddxredis.NewClient(s.options())
		defer rdb.Close()
		mux := http.NewServeMux()
		mux.Handle("GET /sessions/{id}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			v, err := rdb.Get(r.Context(), s.key("session:"+r.PathValue("id"))).Result()
			if err != nil {
				return fmt.Errorf("load session: %w", err)
			}
			_, err = w.Write([]byte(v))
			return err
		}))
		srv := httptest.NewServer(middleware.Wrap(mux))
		defer srv.Close()
		resp, err := http.Get(srv.URL + "/sessions/42")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)

		server := rec.RequireSpan(t, ddxtest.Resource("GET /sessions/{id}"), ddxtest.HTTPStatus(404), ddxtest.Not(ddxtest.IsError()))
		rec.RequireSpan(t, ddxtest.Name("redis.command"), ddxtest.Resource("GET"), ddxtest.ChildOf(server), ddxtest.Not(ddxtest.IsError()))
		rec.RequireLog(t, ddxtest.Level("WARN"), ddxtest.Kind("NotFound"), ddxtest.InSpan(server))
		rec.RequireNoSpan(t, ddxtest.IsError())
	})
}

// TestRing: a ring's command is one span, with the address of the shard
// that served it.
func TestRing(t *testing.T) {
	rec := start(t)
	a, b := miniredis.RunT(t), miniredis.RunT(t)
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": a.Addr(), "b": b.Addr()}, MaxRetries: -1})
	defer ring.Close()
	require.NoError(t, ddxredis.Instrument(ring))
	reqID := request(func(ctx context.Context) {
		require.NoError(t, ring.Set(ctx, "k", "v", 0).Err())
		_, err := ring.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Get(ctx, "k")
			return nil
		})
		require.NoError(t, err)
	})
	sp := rec.RequireSpan(t, ddxtest.Name("redis.command"), ddxtest.Resource("SET"), under(reqID))
	assert.Contains(t, []string{a.Port(), b.Port()}, sp.Meta["out.port"], "%v", sp.Meta)
	pipe := rec.RequireSpan(t, ddxtest.Name("redis.pipeline"), under(reqID))
	assert.Equal(t, sp.Meta["out.port"], pipe.Meta["out.port"], "the same shard for the same key")
	rec.Flush(t)
	assert.Len(t, rec.Spans(ddxtest.Name("redis.command"), ddxtest.Resource("SET")), 1, "one span per command, not one per layer")
}

func TestInstrumentRefusesWhatItDoesNotKnow(t *testing.T) {
	err := ddxredis.Instrument(nil)
	require.Error(t, err)
	assert.Equal(t, errors.Invalid, errors.KindOf(err))
}

func TestNewUniversalClient(t *testing.T) {
	rec := start(t)
	m := miniredis.RunT(t)
	rdb := ddxredis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{m.Addr()}})
	defer rdb.Close()
	request(func(ctx context.Context) { require.NoError(t, rdb.Ping(ctx).Err()) })
	rec.RequireSpan(t, ddxtest.Name("redis.command"), ddxtest.Resource("PING"))
}

func TestDial(t *testing.T) {
	t.Run("a failed dial is an error span", func(t *testing.T) {
		rec := start(t)
		addr := closedAddr(t)
		rdb := ddxredis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		defer rdb.Close()
		// The pool dials on a goroutine of its own: the dial's span is a
		// trace of its own too.
		request(func(ctx context.Context) { rdb.Ping(ctx) })
		sp := rec.RequireSpan(t, ddxtest.Name("redis.dial"), ddxtest.IsError())
		assert.True(t, sp.Error)
		assert.Equal(t, "Unavailable", sp.Meta["error.kind"])
		assert.Contains(t, sp.Meta["error.message"], "connection refused")
		assert.Equal(t, "redis", sp.Meta["db.system"])
	})
	t.Run("a quick dial has no span", func(t *testing.T) {
		rec := start(t)
		m := miniredis.RunT(t)
		rdb := ddxredis.NewClient(&redis.Options{Addr: m.Addr()}, ddxredis.WithDialThreshold(time.Hour))
		defer rdb.Close()
		request(func(ctx context.Context) { require.NoError(t, rdb.Ping(ctx).Err()) })
		rec.RequireNoSpan(t, ddxtest.Name("redis.dial"))
	})
	t.Run("a dial over the threshold has a span", func(t *testing.T) {
		rec := start(t)
		m := miniredis.RunT(t)
		rdb := ddxredis.NewClient(&redis.Options{Addr: m.Addr()}, ddxredis.WithDialThreshold(0))
		defer rdb.Close()
		request(func(ctx context.Context) { require.NoError(t, rdb.Ping(ctx).Err()) })
		sp := rec.RequireSpan(t, ddxtest.Name("redis.dial"))
		assert.False(t, sp.Error)
		assert.Equal(t, m.Port(), sp.Meta["out.port"])
		assert.NotZero(t, sp.Metrics["redis.dial_duration"])
	})
}

func TestArguments(t *testing.T) {
	eachServer(t, func(t *testing.T, s target) {
		rec := start(t)
		rdb := ddxredis.NewClient(s.options(), ddxredis.WithArguments(true))
		defer rdb.Close()
		k := s.key("session:42")
		reqID := request(func(ctx context.Context) {
			require.NoError(t, rdb.Set(ctx, k, "v4lue-secret", 10*time.Second).Err())
			_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.Get(ctx, k)
				p.HSet(ctx, k+":h", "field", "v4lue-secret")
				return nil
			})
			require.NoError(t, err)
		})
		sp := rec.RequireSpan(t, ddxtest.Name("redis.command"), ddxtest.Resource("SET"), under(reqID))
		assert.Equal(t, "SET "+k+" ? EX ?", sp.Meta["redis.raw_command"])
		pipe := rec.RequireSpan(t, ddxtest.Name("redis.pipeline"), under(reqID))
		assert.Equal(t, "GET "+k+"\nHSET "+k+":h ? ?", pipe.Meta["redis.raw_command"])
	})
}
