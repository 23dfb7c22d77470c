package ddxredis

import (
	"context"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/ddx-go/ddx/internal/benchratio"
	"github.com/ddx-go/ddx/internal/testagent"
)

// BenchmarkCommandRatio compares, per command and in interleaved batches,
// a go-redis client untraced, with the minimal tracing hook (one
// tracer.StartSpanFromContext and Finish per command with the tags
// Datadog needs, what dd-trace-go's contrib does), and with ddxredis's
// hook, on one client and one connection to miniredis. Every command is
// a child of a request span; the tracer sends to an Agent that drops the
// payloads. The ratios are medians over rounds of adjacent batches (see
// internal/benchratio).
func BenchmarkCommandRatio(b *testing.B) {
	testagent.StartDiscarding(b)
	srv := miniredis.RunT(b)
	sw := &switched{anchor: anchorHook{}, ddx: newHook(newConfig(nil), srv.Addr(), 0, roleClient)}
	// One connection for the three contenders, so that they measure the
	// same server and socket.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 1, MinIdleConns: 0})
	defer rdb.Close()
	rdb.AddHook(sw)
	ctx := context.Background()
	if err := rdb.Set(ctx, "session:42", "ada", 0).Err(); err != nil {
		b.Fatal(err)
	}
	must := func(err error) {
		if err != nil && err != redis.Nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"GET", func(ctx context.Context) error { return rdb.Get(ctx, "session:42").Err() }},
		{"GET miss", func(ctx context.Context) error { return rdb.Get(ctx, "session:7").Err() }},
		{"SET", func(ctx context.Context) error { return rdb.Set(ctx, "session:42", "ada", time.Hour).Err() }},
		{"HGETALL", func(ctx context.Context) error { return rdb.HGetAll(ctx, "user:7").Err() }},
	} {
		b.Run(c.name, func(b *testing.B) {
			parent := benchratio.NewParent(100)
			defer parent.Finish()
			r := benchratio.Run(b, 25, []benchratio.Entry{
				{Name: "untraced", F: func() { must(c.run(parent.Ctx())) }},
				{Name: "anchor", F: func() {
					sw.mode = 1
					must(c.run(parent.Ctx()))
					sw.mode = 0
				}},
				{Name: "ddxredis", F: func() {
					sw.mode = 2
					must(c.run(parent.Ctx()))
					sw.mode = 0
				}},
			})
			benchratio.Ratio(b, r, "ddxredis", "anchor")
			benchratio.Ratio(b, r, "anchor", "untraced")
			benchratio.Ratio(b, r, "ddxredis", "untraced")
		})
	}
}

// switched is a hook that is the anchor's (mode 1), ddxredis's (mode 2),
// or nothing. Only for sequential use.
type switched struct {
	mode        int
	anchor, ddx redis.Hook
}

func (s *switched) DialHook(next redis.DialHook) redis.DialHook { return next }

func (s *switched) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	a, d := s.anchor.ProcessHook(next), s.ddx.ProcessHook(next)
	return func(ctx context.Context, cmd redis.Cmder) error {
		switch s.mode {
		case 1:
			return a(ctx, cmd)
		case 2:
			return d(ctx, cmd)
		}
		return next(ctx, cmd)
	}
}

func (s *switched) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// anchorHook is the cheapest correct trace of a command: one span with
// the tags Datadog needs, its error unless a miss.
type anchorHook struct{}

func (anchorHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (anchorHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		span, ctx := tracer.StartSpanFromContext(ctx, "redis.command",
			tracer.SpanType(ext.SpanTypeRedis), tracer.ResourceName(cmd.Name()),
			tracer.Tag(ext.DBSystem, ext.DBSystemRedis), tracer.Tag(ext.Component, componentName),
			tracer.Tag(ext.SpanKind, ext.SpanKindClient), tracer.Tag(ext.TargetHost, "127.0.0.1"),
			tracer.Tag("redis.args_length", len(cmd.Args())-1))
		err := next(ctx, cmd)
		if err != nil && err != redis.Nil {
			span.Finish(tracer.WithError(err))
		} else {
			span.Finish()
		}
		return err
	}
}

func (anchorHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
