// Package ddxredis traces go-redis v9 with ddx's rules: one span per
// command and per pipeline, a child of the request's span, that is a span
// error only when the failure is a real problem. A cache miss is not one.
//
//	rdb := ddxredis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
//	...
//	name, err := rdb.Get(ctx, "session:"+id).Result()
//	if err == redis.Nil { ... } // unchanged: a miss is still redis.Nil
//
// [NewClient], [NewClusterClient] and [NewUniversalClient] are go-redis's
// constructors with the tracing installed; [Instrument] installs it in a
// client the service made itself (a *redis.Client, a failover client, a
// *redis.ClusterClient or a *redis.Ring, whose nodes get it as go-redis
// makes them).
//
// # Spans
//
// Spans follow dd-trace-go's contrib for go-redis v9: redis.command for a
// command, resource the command's name in upper case ("GET", "HSET",
// "CLUSTER INFO"), never its arguments; type "redis", db.system "redis",
// component "redis/go-redis.v9", span.kind "client", out.host, out.port and
// out.db (network.destination.name and .port too), and redis.args_length,
// the number of arguments. A pipeline, or a transaction (TxPipelined,
// Watch), is one redis.pipeline span, resource the names of its commands
// each once ("GET LPUSH", "MULTI SET EXEC"), with redis.pipeline_length.
// The commands go-redis sends to set up a new connection (HELLO, AUTH,
// SELECT, CLIENT SETINFO) belong to the command that needed it and get no
// span. A cluster's or ring's command is one span, which carries the
// address of the node that answered it. Like ddxsql and ddxpgx, the spans
// keep the application's service; Datadog infers the cache from
// db.system and out.host. [WithService] names another.
//
// Dialing is what a saturated pool or a far server costs, so it is
// visible: a dial that takes at least [WithDialThreshold] (1 ms by
// default) or fails gets a redis.dial span, with redis.dial_duration in
// nanoseconds. go-redis's pool dials on its own goroutine, so that span
// is a trace of its own.
//
// # Errors
//
// Callers get go-redis's errors unchanged: err == redis.Nil, errors.Is and
// errors.As keep working. Linking the package teaches errors.KindOf
// go-redis's errors (a classifier registered in init):
//
//	redis.Nil (a miss; a blocking pop that timed out)   NotFound: no span error
//	redis.TxFailedErr (a WATCH conflict)                Conflict
//	LOADING, TRYAGAIN, CLUSTERDOWN, MASTERDOWN, READONLY,
//	NOREPLICAS, BUSY, OOM, max clients, a pool timeout   Unavailable
//	a refused or reset connection, a timeout, a cancel  as the built-in table says
//	NOAUTH, WRONGPASS, NOPERM, WRONGTYPE, a syntax
//	error, EXECABORT, CROSSSLOT, a closed client, any
//	other error reply                                   Internal: our bug or our credentials
//
// so a handler that returns fmt.Errorf("load session: %w", redis.Nil)
// answers 404 and logs a WARN. A miss leaves its span without any error
// tag; the others are recorded with ddx.RecordError (error.kind always,
// the error flag, message, type and stack for real problems) wrapped with
// the Op ("ddxredis.Process", "ddxredis.Pipeline", "ddxredis.Dial") and the
// command as db.operation. A command whose context the caller canceled is
// Canceled whatever go-redis made of it. go-redis returns a pipeline's
// first failure, often a miss; the pipeline's span records the worst of
// its commands' errors by the table, so a WRONGTYPE behind a miss is not
// hidden.
//
// # Secrets
//
// A span carries the command's name and its number of arguments only, and
// no tag ever holds the client's password (given in the options or in a
// URL for redis.ParseURL). [WithArguments] writes the arguments as
// redis.raw_command with every value replaced by "?", keys kept
// ("SET session:42 ? EX ?"), as the Datadog Agent's obfuscation does; an
// unknown command's arguments are all values. AUTH and HELLO are written
// without their arguments, and MIGRATE without anything from its AUTH on.
// A server reply that echoes arguments ("unknown command ..., with args
// beginning with: ...") is cut before them on the span; the caller still
// gets it as it came.
package ddxredis
