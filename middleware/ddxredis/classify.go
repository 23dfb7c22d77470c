package ddxredis

import (
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/ddx-go/ddx/errors"
)

// Linking ddxredis teaches errors.KindOf go-redis's errors, so that a
// redis.Nil a handler returns (a cache miss) is a 404 and a WARN, not a 500
// that pages, wherever it is classified. The errors package stays free of
// go-redis.
func init() { errors.RegisterClassifier(classify) }

// classify classifies one layer that is a go-redis error; KindOf walks the
// chain. It does not allocate.
func classify(err error) (errors.Kind, bool) {
	switch err {
	case redis.Nil:
		// A miss, or a blocking pop that timed out: nothing was there.
		return errors.NotFound, true
	case redis.TxFailedErr:
		// A key under WATCH changed: another client won.
		return errors.Conflict, true
	case redis.ErrPoolTimeout, redis.ErrPoolExhausted:
		return errors.Unavailable, true
	case redis.ErrClosed:
		// Using a client after Close is our bug.
		return errors.Internal, true
	}
	if re, ok := err.(redis.Error); ok {
		return kindOfReply(re.Error()), true
	}
	return errors.Other, false
}

// unavailable are the prefixes of the server's error replies that say it
// cannot serve now but may soon: a retry, or another node, may help.
var unavailable = []string{
	"LOADING ",     // loading its dataset after a restart
	"TRYAGAIN ",    // a multi-key command during resharding
	"CLUSTERDOWN ", // the cluster lost slots
	"MASTERDOWN ",  // a replica lost its master
	"READONLY ",    // a write sent to a replica (a failover happened)
	"NOREPLICAS ",  // not enough replicas acknowledged
	"OOM ",         // over maxmemory, nothing to evict
	"BUSY ",        // a script runs too long
	"MOVED ",       // redirects left over after go-redis's own retries
	"ASK ",
	"ERR max number of clients reached",
}

// kindOfReply classifies an error reply of the server by its first word.
// NOAUTH, WRONGPASS, NOPERM, WRONGTYPE, syntax errors, EXECABORT,
// CROSSSLOT, NOSCRIPT and every reply not listed are Internal: our code or
// our credentials are wrong, and that pages.
func kindOfReply(msg string) errors.Kind {
	for _, p := range unavailable {
		if strings.HasPrefix(msg, p) {
			return errors.Unavailable
		}
	}
	// A write refused by a replica, inside a script's error.
	if strings.Contains(msg, "-READONLY ") {
		return errors.Unavailable
	}
	return errors.Internal
}

// severity orders kinds for a pipeline's span: expected kinds below every
// real problem, and among those an internal error above an outage above a
// timeout.
func severity(k errors.Kind) int {
	switch {
	case k.Expected():
		return 1
	case k == errors.DeadlineExceeded:
		return 2
	case k == errors.Unavailable:
		return 3
	case k == errors.Unimplemented:
		return 4
	default:
		return 5
	}
}

// worstOf returns the error of a pipeline's span, the worst of its
// commands' errors by the Kind table (a miss is none: a pipeline of
// misses succeeded), the first of equals, and its command's name. err is
// what the pipeline returned, for a failure no command holds.
func worstOf(cmds []redis.Cmder, err error) (worst error, name string) {
	best := 0
	for _, c := range cmds {
		e := c.Err()
		if e == nil || e == redis.Nil {
			continue
		}
		if s := severity(errors.KindOf(e)); s > best {
			best, worst, name = s, e, resource(c.Args())
		}
	}
	if worst == nil && err != nil && err != redis.Nil {
		return err, "pipeline"
	}
	return worst, name
}
