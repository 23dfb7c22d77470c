package ddxredis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"strconv"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/ddxtest"
)

// envRedis holds the URL of the real redis-server the suite also runs
// against, redis://127.0.0.1:PORT/0. .ci/run starts a throw-away one.
const envRedis = "DDX_TEST_REDIS"

const hintRedis = "no redis-server: set " + envRedis + "=redis://127.0.0.1:PORT/0, or run the tests through .ci/run, " +
	"which starts one (. .ci/redis; start_redis)"

// redisURL returns the real server's URL, or skips tb (fails it when
// CI=true, so that a CI that lost its server cannot pass by skipping).
func redisURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(envRedis)
	if u == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal(hintRedis)
		}
		tb.Skip(hintRedis)
	}
	return u
}

// A target is a server a test runs against: miniredis, in the process,
// which can inject faults, or the real redis-server.
type target struct {
	mini   *miniredis.Miniredis // nil for the real server
	opt    *redis.Options       // a copy for each client
	prefix string               // of every key of the test, on a shared server
}

func (s target) options() *redis.Options {
	o := *s.opt
	return &o
}

// key is a key of this test.
func (s target) key(name string) string { return s.prefix + name }

func (s target) host() string {
	h, _, _ := net.SplitHostPort(s.opt.Addr)
	return h
}

func (s target) port() string {
	_, p, _ := net.SplitHostPort(s.opt.Addr)
	return p
}

// eachServer runs fn against miniredis and against the real server.
func eachServer(t *testing.T, fn func(t *testing.T, s target)) {
	t.Run("miniredis", func(t *testing.T) { fn(t, miniTarget(t)) })
	t.Run("redis-server", func(t *testing.T) { fn(t, realTarget(t)) })
}

func miniTarget(t *testing.T) target {
	m := miniredis.RunT(t)
	return target{mini: m, opt: &redis.Options{Addr: m.Addr(), MaxRetries: -1}}
}

func realTarget(t *testing.T) target {
	opt, err := redis.ParseURL(redisURL(t))
	if err != nil {
		t.Fatalf("%s: %v", envRedis, err)
	}
	opt.MaxRetries = -1
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "ddxtest:" + hex.EncodeToString(b[:]) + ":"
	s := target{opt: opt, prefix: prefix}
	t.Cleanup(func() {
		// The test's keys go with it.
		rdb := redis.NewClient(s.options())
		defer rdb.Close()
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return s
}

// start runs ddx for the test with the service "orders", its tracer
// sending to ddxtest's Agent.
func start(t *testing.T) *ddxtest.Recorder {
	t.Helper()
	return ddxtest.Start(t, ddx.WithService("orders"))
}

// request runs fn in a request span and returns that span's id.
func request(fn func(ctx context.Context)) uint64 {
	span, ctx := tracer.StartSpanFromContext(context.Background(), "http.request", tracer.ResourceName("GET /sessions/{id}"))
	fn(ctx)
	span.Finish()
	return span.Context().SpanID()
}

// under matches a span whose parent is the span id.
func under(id uint64) ddxtest.Matcher {
	return ddxtest.SpanFunc("child of "+strconv.FormatUint(id, 10), func(s ddxtest.Span) bool { return s.ParentID == id })
}

// closedAddr is an address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// silentAddr is an address that accepts connections and never answers.
func silentAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var conns []net.Conn
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range conns {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}
