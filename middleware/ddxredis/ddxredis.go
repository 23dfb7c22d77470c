package ddxredis

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/redis/go-redis/v9"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

// Option configures the tracing.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithService sets the service of the spans. By default they take the
// service of their parent span, the application's.
func WithService(name string) Option { return optionFunc(func(c *config) { c.service = name }) }

// WithArguments writes each command's arguments on its span as
// redis.raw_command, keys kept and every value replaced with "?":
// "SET session:42 ? EX ?". Off by default: a span carries the command's
// name and its number of arguments only. The arguments of AUTH and HELLO,
// and of MIGRATE from its AUTH on, are never written.
func WithArguments(on bool) Option { return optionFunc(func(c *config) { c.args = on }) }

// WithDialThreshold sets how long dialing a connection must take to get a
// span (1 ms by default; 0 gives every dial one). Failed dials always get
// one.
func WithDialThreshold(d time.Duration) Option {
	return optionFunc(func(c *config) { c.dialThreshold = d })
}

type config struct {
	service       string
	args          bool
	dialThreshold time.Duration
}

func newConfig(opts []Option) *config {
	c := &config{dialThreshold: time.Millisecond}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	return c
}

// NewClient is redis.NewClient, traced.
func NewClient(opt *redis.Options, opts ...Option) *redis.Client {
	rdb := redis.NewClient(opt)
	instrumentClient(rdb, newConfig(opts), false)
	return rdb
}

// NewClusterClient is redis.NewClusterClient, traced, its nodes too.
func NewClusterClient(opt *redis.ClusterOptions, opts ...Option) *redis.ClusterClient {
	rdb := redis.NewClusterClient(opt)
	instrumentCluster(rdb, newConfig(opts))
	return rdb
}

// NewUniversalClient is redis.NewUniversalClient, traced: a single
// client, a failover client or a cluster client, as opts say.
func NewUniversalClient(opt *redis.UniversalOptions, opts ...Option) redis.UniversalClient {
	rdb := redis.NewUniversalClient(opt)
	if err := Instrument(rdb, opts...); err != nil {
		// NewUniversalClient only returns the types Instrument knows.
		panic(err)
	}
	return rdb
}

// Instrument adds the tracing to a client the service made itself: a
// *redis.Client (also a failover client), a *redis.ClusterClient or a
// *redis.Ring, whose nodes are traced as they are created (call it before
// the first command). Any other type is an Invalid error. Instrument a
// client once: twice traces every command twice.
func Instrument(rdb redis.UniversalClient, opts ...Option) error {
	cfg := newConfig(opts)
	switch c := rdb.(type) {
	case *redis.Client:
		instrumentClient(c, cfg, false)
	case *redis.ClusterClient:
		instrumentCluster(c, cfg)
	case *redis.Ring:
		c.AddHook(newHook(cfg, "", 0, roleTop))
		node := func(n *redis.Client) { instrumentClient(n, cfg, true) }
		c.OnNewNode(node)
		// The ring made its shards when it was made: those get the hook
		// now. ForEachShard only fails when fn does.
		_ = c.ForEachShard(context.Background(), func(_ context.Context, n *redis.Client) error {
			node(n)
			return nil
		})
	default:
		return errors.E(errors.Op("ddxredis.Instrument"), errors.Invalid, fmt.Sprintf("cannot trace a %T: give a *redis.Client, *redis.ClusterClient or *redis.Ring", rdb))
	}
	return nil
}

func instrumentClient(rdb *redis.Client, cfg *config, node bool) {
	opt := rdb.Options()
	role := roleClient
	if node {
		role = roleNode
	}
	host := opt.Addr
	if host == "FailoverClient" {
		// Sentinel's master moves: its address is only known per dial.
		host = ""
	}
	rdb.AddHook(newHook(cfg, host, opt.DB, role))
}

func instrumentCluster(rdb *redis.ClusterClient, cfg *config) {
	rdb.AddHook(newHook(cfg, "", 0, roleTop))
	rdb.OnNewNode(func(n *redis.Client) { instrumentClient(n, cfg, true) })
}

// A role says what a hook traces.
type role uint8

const (
	// roleClient: a plain client traces its commands, pipelines and dials.
	roleClient role = iota
	// roleTop: a cluster or ring client traces its commands and
	// pipelines, and hands their spans to its nodes' hooks through the
	// context.
	roleTop
	// roleNode: a node of a cluster or ring tags the span of the command
	// it serves with its address, traces the commands the cluster sends
	// on its own (CLUSTER SLOTS), and its dials.
	roleNode
)

const (
	spanCommand    = "redis.command"
	spanPipeline   = "redis.pipeline"
	spanDial       = "redis.dial"
	componentName  = "redis/go-redis.v9"
	tagArgsLength  = "redis.args_length"
	tagPipelineLen = "redis.pipeline_length"
	tagDialTook    = "redis.dial_duration"
)

// hook is the go-redis hook of one client.
type hook struct {
	cfg        *config
	role       role
	host, port string
	cmd, pipe  tracer.StartSpanOption // the static part of each span
	dial       *tracer.StartSpanConfig
	dialOpt    tracer.StartSpanOption
}

var _ redis.Hook = (*hook)(nil)

func newHook(cfg *config, addr string, db int, r role) *hook {
	h := &hook{cfg: cfg, role: r}
	if addr != "" {
		h.host, h.port = splitAddr(addr)
	}
	base := func() []tracer.StartSpanOption {
		o := []tracer.StartSpanOption{
			tracer.SpanType(ext.SpanTypeRedis),
			tracer.Tag(ext.DBSystem, ext.DBSystemRedis),
			tracer.Tag(ext.Component, componentName),
			tracer.Tag(ext.SpanKind, ext.SpanKindClient),
		}
		if cfg.service != "" {
			o = append(o, tracer.ServiceName(cfg.service))
		}
		if r != roleTop {
			o = append(o, tracer.Tag(ext.TargetDB, strconv.Itoa(db)))
		}
		if h.host != "" {
			o = append(o, hostTags(h.host, h.port)...)
		}
		return o
	}
	h.cmd = tracer.WithStartSpanConfig(tracer.NewStartSpanConfig(base()...))
	h.pipe = tracer.WithStartSpanConfig(tracer.NewStartSpanConfig(base()...))
	h.dial = tracer.NewStartSpanConfig(append(base(), tracer.ResourceName("dial"))...)
	h.dialOpt = tracer.WithStartSpanConfig(h.dial)
	return h
}

func hostTags(host, port string) []tracer.StartSpanOption {
	o := []tracer.StartSpanOption{tracer.Tag(ext.TargetHost, host), tracer.Tag(ext.NetworkDestinationName, host)}
	if port != "" {
		o = append(o, tracer.Tag(ext.TargetPort, port), tracer.Tag(ext.NetworkDestinationPort, port))
	}
	return o
}

// splitAddr splits "host:port"; an address without a port is a host on
// Redis's port, as go-redis dials it. A Unix socket's path is the host.
func splitAddr(addr string) (host, port string) {
	if h, p, err := net.SplitHostPort(addr); err == nil {
		return h, p
	}
	return addr, ""
}

// start starts a span under the span in ctx (or a root span).
func start(ctx context.Context, name string, opt tracer.StartSpanOption) *tracer.Span {
	if parent, ok := tracer.SpanFromContext(ctx); ok {
		return parent.StartChild(name, opt)
	}
	return tracer.StartSpan(name, opt)
}

// spanKey carries the span of a command to the hooks of what runs inside
// it: the node of a cluster or ring that serves it, a new connection's
// setup.
type spanKey struct{}

func (h *hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if s, ok := ctx.Value(spanKey{}).(*tracer.Span); ok {
			h.nested(s)
			return next(ctx, cmd)
		}
		args := cmd.Args()
		s := start(ctx, spanCommand, h.cmd)
		s.SetTag(ext.ResourceName, resource(args))
		s.SetTag(tagArgsLength, max(len(args)-1, 0))
		if h.cfg.args {
			s.SetTag(ext.RedisRawCommand, formatArgs(args))
		}
		ctx = context.WithValue(ctx, spanKey{}, s)
		err := next(ctx, cmd)
		if err == nil {
			err = cmd.Err()
		}
		h.finish(ctx, s, "ddxredis.Process", cmdName(args), err)
		return err
	}
}

func (h *hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if s, ok := ctx.Value(spanKey{}).(*tracer.Span); ok {
			h.nested(s)
			return next(ctx, cmds)
		}
		if len(cmds) == 0 {
			return next(ctx, cmds)
		}
		s := start(ctx, spanPipeline, h.pipe)
		s.SetTag(ext.ResourceName, pipelineResource(cmds))
		s.SetTag(tagPipelineLen, len(cmds))
		if h.cfg.args {
			s.SetTag(ext.RedisRawCommand, formatPipeline(cmds))
		}
		ctx = context.WithValue(ctx, spanKey{}, s)
		err := next(ctx, cmds)
		worst, name := worstOf(cmds, err)
		h.finish(ctx, s, "ddxredis.Pipeline", name, worst)
		return err
	}
}

// nested handles a command that runs inside a traced one: on a node of a
// cluster or ring, the command itself, whose span gets the address of the
// node that served it (the last one, after a MOVED or ASK); on a client,
// the commands go-redis sends to set up a new connection (HELLO, AUTH,
// SELECT, CLIENT SETINFO), which belong to the command that needed the
// connection and whose failures go-redis handles itself (a server without
// HELLO or CLIENT SETINFO is still served): they get no span.
func (h *hook) nested(s *tracer.Span) {
	if h.role != roleNode || h.host == "" {
		return
	}
	s.SetTag(ext.TargetHost, h.host)
	s.SetTag(ext.NetworkDestinationName, h.host)
	if h.port != "" {
		s.SetTag(ext.TargetPort, h.port)
		s.SetTag(ext.NetworkDestinationPort, h.port)
	}
}

// finish records err on s by the Kind table, a miss being no error at
// all, and finishes it.
func (h *hook) finish(ctx context.Context, s *tracer.Span, op errors.Op, name string, err error) {
	if err != nil && err != redis.Nil {
		ddx.RecordError(s, wrap(ctx, op, name, err))
	}
	s.Finish()
}

// wrap gives err, for the span only, the operation and the command's name
// as db.operation; when the caller's context is done, that is why the
// command failed. The stack starts at the code that called go-redis. The
// caller gets err itself.
func wrap(ctx context.Context, op errors.Op, name string, err error) error {
	return outcome.WrapSQL(ctx, op, name, "", redactReply(err), callers...)
}

// argsEcho is how the server starts echoing a command's arguments in its
// reply to an unknown command: "ERR unknown command 'x', with args
// beginning with: 'secret'".
const argsEcho = ", with args beginning with:"

// redactReply returns err, or for a span, when it is a reply of the
// server that echoes the command's arguments, the reply without them.
func redactReply(err error) error {
	re, ok := errors.AsType[redis.Error](err)
	if !ok {
		return err
	}
	msg := re.Error()
	i := strings.Index(msg, argsEcho)
	if i < 0 {
		return err
	}
	return redactedReply(msg[:i] + argsEcho + " ?")
}

// redactedReply is a reply of the server with its echo of the arguments
// cut, classified as the reply was.
type redactedReply string

func (r redactedReply) Error() string { return string(r) }
func (redactedReply) RedisError()     {}

// callers are the packages between the application's call and wrap.
var callers = []string{
	"github.com/ddx-go/ddx/middleware/ddxredis",
	"github.com/redis/go-redis/v9",
	"github.com/redis/go-redis/v9/internal/pool",
	"github.com/redis/go-redis/v9/internal",
}

func (h *hook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		begin := time.Now()
		conn, err := next(ctx, network, addr)
		took := time.Since(begin)
		if err == nil && took < h.cfg.dialThreshold {
			return conn, err
		}
		var s *tracer.Span
		if parent, ok := tracer.SpanFromContext(ctx); ok {
			s = parent.StartChild(spanDial, tracer.StartTime(begin), h.dialOpt)
		} else {
			s = tracer.StartSpan(spanDial, tracer.StartTime(begin), h.dialOpt)
		}
		if h.host == "" {
			// A cluster's node or a sentinel's master: the address dialed.
			host, port := splitAddr(addr)
			s.SetTag(ext.TargetHost, host)
			s.SetTag(ext.NetworkDestinationName, host)
			if port != "" {
				s.SetTag(ext.TargetPort, port)
				s.SetTag(ext.NetworkDestinationPort, port)
			}
		}
		s.SetTag(tagDialTook, took.Nanoseconds())
		if err != nil {
			ddx.RecordError(s, wrap(ctx, "ddxredis.Dial", "dial", err))
		}
		s.Finish()
		return conn, err
	}
}
