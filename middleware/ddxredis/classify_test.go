package ddxredis

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/errors"
)

// reply is an error reply of the server, as go-redis types them.
type reply string

func (r reply) Error() string { return string(r) }
func (reply) RedisError()     {}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		want errors.Kind
	}{
		{redis.Nil, errors.NotFound},
		{fmt.Errorf("load session: %w", redis.Nil), errors.NotFound},
		{redis.TxFailedErr, errors.Conflict},
		{redis.ErrPoolTimeout, errors.Unavailable},
		{redis.ErrPoolExhausted, errors.Unavailable},
		{redis.ErrClosed, errors.Internal},
		{reply("LOADING Redis is loading the dataset in memory"), errors.Unavailable},
		{reply("TRYAGAIN Multiple keys request during rehashing of slot"), errors.Unavailable},
		{reply("CLUSTERDOWN The cluster is down"), errors.Unavailable},
		{reply("MASTERDOWN Link with MASTER is down"), errors.Unavailable},
		{reply("READONLY You can't write against a read only replica."), errors.Unavailable},
		{reply("ERR Error running script: @user_script:1: -READONLY You can't write against a read only replica."), errors.Unavailable},
		{reply("NOREPLICAS Not enough good replicas to write."), errors.Unavailable},
		{reply("ERR max number of clients reached"), errors.Unavailable},
		{reply("OOM command not allowed when used memory > 'maxmemory'."), errors.Unavailable},
		{reply("BUSY Redis is busy running a script."), errors.Unavailable},
		{reply("NOAUTH Authentication required."), errors.Internal},
		{reply("WRONGPASS invalid username-password pair or user is disabled."), errors.Internal},
		{reply("NOPERM this user has no permissions to run the 'get' command"), errors.Internal},
		{reply("WRONGTYPE Operation against a key holding the wrong kind of value"), errors.Internal},
		{reply("ERR syntax error"), errors.Internal},
		{reply("EXECABORT Transaction discarded because of previous errors."), errors.Internal},
		{reply("CROSSSLOT Keys in request don't hash to the same slot"), errors.Internal},
		{redactedReply("ERR unknown command 'x', with args beginning with: ?"), errors.Internal},
		// Not go-redis's: the built-in table, as before.
		{context.Canceled, errors.Canceled},
		{io.EOF, errors.Internal},
		// A kind someone stated wins, as always.
		{errors.E(errors.Unavailable, redis.Nil), errors.Unavailable},
	} {
		assert.Equal(t, c.want, errors.KindOf(c.err), "%v", c.err)
	}
}

func TestClassifyDoesNotAllocate(t *testing.T) {
	errs := []error{redis.Nil, fmt.Errorf("x: %w", redis.TxFailedErr), reply("LOADING x"), reply("WRONGTYPE x")}
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		for _, e := range errs {
			errors.KindOf(e)
		}
	}))
}

type cmd struct {
	redis.Cmder
	args []any
	err  error
}

func (c cmd) Args() []any { return c.args }
func (c cmd) Err() error  { return c.err }

func TestWorstOf(t *testing.T) {
	ok := cmd{args: []any{"get", "a"}}
	miss := cmd{args: []any{"get", "b"}, err: redis.Nil}
	wrongType := cmd{args: []any{"lpush", "a", "x"}, err: reply("WRONGTYPE x")}
	loading := cmd{args: []any{"get", "c"}, err: reply("LOADING x")}
	conflict := cmd{args: []any{"exec"}, err: redis.TxFailedErr}

	worst, name := worstOf([]redis.Cmder{ok, miss, wrongType}, redis.Nil)
	assert.Equal(t, reply("WRONGTYPE x"), worst)
	assert.Equal(t, "LPUSH", name)

	worst, _ = worstOf([]redis.Cmder{loading, wrongType, loading}, reply("LOADING x"))
	assert.Equal(t, reply("WRONGTYPE x"), worst, "Internal is worse than Unavailable")

	worst, _ = worstOf([]redis.Cmder{conflict, loading}, redis.TxFailedErr)
	assert.Equal(t, reply("LOADING x"), worst, "a real problem is worse than an expected one")

	worst, _ = worstOf([]redis.Cmder{ok, miss}, redis.Nil)
	assert.Nil(t, worst, "a pipeline of hits and misses succeeded")

	worst, name = worstOf([]redis.Cmder{ok}, io.ErrUnexpectedEOF)
	assert.Equal(t, io.ErrUnexpectedEOF, worst, "a failure no command holds")
	assert.Equal(t, "pipeline", name)
}
