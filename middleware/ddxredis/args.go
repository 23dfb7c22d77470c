package ddxredis

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// A command's resource is its name in upper case, with the subcommand of
// a container command: "GET", "CLUSTER INFO". Both words come from the
// code, not from data, and the names seen are kept, so a span's resource
// costs a map lookup.

// subcommands are the commands whose second word is part of the name.
var subcommands = map[string]bool{
	"acl": true, "client": true, "cluster": true, "command": true, "config": true,
	"debug": true, "function": true, "latency": true, "memory": true, "module": true,
	"object": true, "pubsub": true, "script": true, "slowlog": true, "xgroup": true, "xinfo": true,
}

type nameKey struct{ cmd, sub string }

var (
	names   atomic.Pointer[map[nameKey]string]
	namesMu sync.Mutex
)

// maxNames bounds the names kept: a program that sends commands built from
// data gets them named, just not remembered.
const maxNames = 1024

func init() { names.Store(&map[nameKey]string{}) }

// word returns an argument that is a string as such.
func word(a any) (string, bool) {
	switch v := a.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	}
	return "", false
}

// isName reports whether s can be a command's name or subcommand: 1 to
// 32 letters, digits, '_', '-', '.' or '|'.
func isName(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' || c == '|') {
			return false
		}
	}
	return true
}

// resource is the span resource of a command with these arguments.
func resource(args []any) string {
	if len(args) == 0 {
		return "UNKNOWN"
	}
	cmd, ok := args[0].(string)
	if !ok {
		if cmd, ok = word(args[0]); !ok {
			return "UNKNOWN"
		}
	}
	var sub string
	if len(args) > 1 && subcommands[strings.ToLower(cmd)] {
		if s, ok := args[1].(string); ok && isName(s) {
			sub = s
		}
	}
	k := nameKey{cmd, sub}
	if r, ok := (*names.Load())[k]; ok {
		return r
	}
	if !isName(cmd) {
		return "UNKNOWN"
	}
	r := strings.ToUpper(cmd)
	if sub != "" {
		r += " " + strings.ToUpper(sub)
	}
	namesMu.Lock()
	defer namesMu.Unlock()
	old := *names.Load()
	if len(old) < maxNames {
		next := make(map[nameKey]string, len(old)+1)
		for k, v := range old {
			next[k] = v
		}
		next[nameKey{strings.Clone(cmd), strings.Clone(sub)}] = r
		names.Store(&next)
	}
	return r
}

// cmdName is a command's name for its error's db.operation.
func cmdName(args []any) string { return resource(args) }

// pipelineResource names a pipeline by its commands' names, each once, in
// the order they first appear: "SET GET", "MULTI INCR EXPIRE EXEC".
func pipelineResource(cmds []redis.Cmder) string {
	const most = 6
	seen := make([]string, 0, most)
	more := false
	for _, c := range cmds {
		r := resource(c.Args())
		dup := false
		for _, s := range seen {
			dup = dup || s == r
		}
		if dup {
			continue
		}
		if len(seen) == most {
			more = true
			break
		}
		seen = append(seen, r)
	}
	out := strings.Join(seen, " ")
	if more {
		out += " …"
	}
	return out
}

// A layout says which arguments of a command are keys, which are written
// as they are; all others are values, written "?".
type layout uint8

const (
	noKeys          layout = iota // every argument is a value
	firstKey                      // GET key, SET key value
	allKeys                       // DEL key...
	twoKeys                       // RENAME key key, SMOVE src dst member
	pairs                         // MSET key value...
	keysThenTimeout               // BLPOP key... timeout
	script                        // EVAL script numkeys key... arg...
	subcommand                    // CONFIG SET name value: the subcommand kept
	subcommandKey                 // OBJECT ENCODING key
	noArgs                        // AUTH, HELLO: the name only
	migrate                       // MIGRATE host port key db timeout ... AUTH ...
)

var layouts = func() map[string]layout {
	m := map[string]layout{}
	add := func(l layout, cmds string) {
		for _, c := range strings.Fields(cmds) {
			m[c] = l
		}
	}
	add(firstKey, `get set setnx setex psetex getset getdel getex append strlen incr incrby incrbyfloat
		decr decrby getrange setrange expire pexpire expireat pexpireat expiretime pexpiretime ttl pttl
		persist type dump restore hget hset hsetnx hmset hmget hdel hgetall hincrby hincrbyfloat hkeys hvals
		hlen hexists hstrlen hscan hrandfield hexpire hpexpire httl hpttl hpersist hgetdel hgetex hsetex
		lpush rpush lpushx rpushx lpop rpop llen lrange lindex lset lrem ltrim linsert lpos
		sadd srem smembers sismember smismember scard spop srandmember sscan
		zadd zrem zscore zincrby zcard zcount zlexcount zrange zrangebyscore zrangebylex zrevrange
		zrevrangebyscore zrevrangebylex zrank zrevrank zremrangebyscore zremrangebyrank zremrangebylex
		zscan zmscore zpopmin zpopmax zrandmember xadd xlen xrange xrevrange xtrim xdel xack xclaim
		xautoclaim xpending setbit getbit bitcount bitpos bitfield bitfield_ro pfadd geoadd geodist geopos
		geohash geosearch georadius georadiusbymember publish spublish sort sort_ro`)
	add(allKeys, `del unlink exists mget touch watch sinter sunion sdiff sintercard pfcount pfmerge
		sinterstore sunionstore sdiffstore subscribe psubscribe unsubscribe punsubscribe ssubscribe sunsubscribe`)
	add(twoKeys, `rename renamenx rpoplpush brpoplpush lmove blmove smove copy geosearchstore zrangestore`)
	add(pairs, `mset msetnx`)
	add(keysThenTimeout, `blpop brpop bzpopmin bzpopmax`)
	add(script, `eval evalsha eval_ro evalsha_ro fcall fcall_ro`)
	add(subcommand, `acl client cluster command config debug function latency module pubsub script slowlog`)
	add(subcommandKey, `memory object xgroup xinfo`)
	add(noArgs, `auth hello`)
	add(migrate, `migrate`)
	return m
}()

// keywords are the options written as they are wherever they appear: they
// say how a command was used, and no value hides in them.
var keywords = map[string]bool{
	"EX": true, "PX": true, "EXAT": true, "PXAT": true, "NX": true, "XX": true, "KEEPTTL": true,
	"GET": true, "GT": true, "LT": true, "CH": true, "INCR": true, "WITHSCORES": true, "LIMIT": true,
	"MATCH": true, "COUNT": true, "TYPE": true, "BYSCORE": true, "BYLEX": true, "REV": true,
	"BEFORE": true, "AFTER": true, "LEFT": true, "RIGHT": true, "MAXLEN": true, "MINID": true,
	"STREAMS": true, "BLOCK": true, "NOMKSTREAM": true, "COPY": true, "REPLACE": true, "KEYS": true,
	"FIELDS": true, "WITHVALUES": true, "ASC": true, "DESC": true, "ALPHA": true, "STORE": true,
}

// Bounds of redis.raw_command: a key is cut after maxKey bytes, the whole
// after maxRaw.
const (
	maxKey = 128
	maxRaw = 1024
)

// formatArgs writes a command for redis.raw_command: its name in upper
// case, its keys as they are, known keywords, and "?" for every value.
func formatArgs(args []any) string {
	var b strings.Builder
	writeArgs(&b, args)
	return b.String()
}

func writeArgs(b *strings.Builder, args []any) {
	name := resource(args)
	b.WriteString(name)
	if len(args) == 0 {
		return
	}
	cmd, _ := word(args[0])
	l := layouts[strings.ToLower(cmd)]
	if name == "UNKNOWN" {
		l = noKeys
	}
	start := 1
	switch l {
	case noArgs:
		return
	case subcommand, subcommandKey:
		if strings.IndexByte(name, ' ') > 0 {
			start = 2 // the subcommand is in the name
		}
	}
	nkeys := -1 // the keys of a script, once known
	for i := start; i < len(args); i++ {
		if b.Len() >= maxRaw {
			b.WriteString(" …")
			return
		}
		a := args[i]
		if l == migrate {
			if s, ok := word(a); ok && (strings.EqualFold(s, "AUTH") || strings.EqualFold(s, "AUTH2")) {
				return // the password, and whatever follows it
			}
		}
		key := false
		switch l {
		case firstKey:
			key = i == 1
		case allKeys:
			key = true
		case twoKeys:
			key = i <= 2
		case pairs:
			key = i%2 == 1
		case keysThenTimeout:
			key = i < len(args)-1
		case subcommandKey:
			key = i == start
		case migrate:
			key = i == 3
		case script:
			if i == 2 {
				if n, ok := intArg(a); ok && n >= 0 {
					nkeys = n
					b.WriteByte(' ')
					b.WriteString(strconv.Itoa(n))
					continue
				}
			}
			key = i > 2 && i <= 2+nkeys
		}
		b.WriteByte(' ')
		if key {
			writeKey(b, a)
			continue
		}
		if s, ok := word(a); ok && len(s) <= 10 && keywords[strings.ToUpper(s)] {
			b.WriteString(strings.ToUpper(s))
			continue
		}
		b.WriteByte('?')
	}
}

func intArg(a any) (int, bool) {
	switch v := a.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case string:
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	return 0, false
}

func writeKey(b *strings.Builder, a any) {
	var s string
	switch v := a.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	default:
		b.WriteByte('?')
		return
	}
	if s == "" {
		b.WriteString(`""`)
		return
	}
	if len(s) > maxKey {
		b.WriteString(s[:maxKey])
		b.WriteString("…")
		return
	}
	b.WriteString(s)
}

// formatPipeline writes a pipeline's commands for redis.raw_command, one
// a line.
func formatPipeline(cmds []redis.Cmder) string {
	var b strings.Builder
	for i, c := range cmds {
		if b.Len() >= maxRaw {
			b.WriteString("\n…")
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		writeArgs(&b, c.Args())
	}
	return b.String()
}
