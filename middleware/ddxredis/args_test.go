package ddxredis

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestResource(t *testing.T) {
	for _, c := range []struct {
		args []any
		want string
	}{
		{[]any{"get", "k"}, "GET"},
		{[]any{"GET", "k"}, "GET"},
		{[]any{"hset", "k", "f", "v"}, "HSET"},
		{[]any{"cluster", "info"}, "CLUSTER INFO"},
		{[]any{"config", "get", "maxmemory"}, "CONFIG GET"},
		{[]any{"client", "setinfo", "LIB-NAME", "go-redis"}, "CLIENT SETINFO"},
		{[]any{"cluster", "not a word!"}, "CLUSTER"},
		{[]any{"command"}, "COMMAND"},
		{[]any{[]byte("ping")}, "PING"},
		{[]any{"get k v"}, "UNKNOWN"},
		{[]any{42}, "UNKNOWN"},
		{nil, "UNKNOWN"},
	} {
		assert.Equal(t, c.want, resource(c.args), "%q", c.args)
	}
}

func TestResourceDoesNotAllocate(t *testing.T) {
	args := []any{"get", "session:42"}
	resource(args)
	assert.Zero(t, testing.AllocsPerRun(100, func() { resource(args) }))
}

func TestFormatArgs(t *testing.T) {
	for _, c := range []struct {
		args []any
		want string
	}{
		{[]any{"set", "session:42", "secret", "ex", 10}, "SET session:42 ? EX ?"},
		{[]any{"get", "session:42"}, "GET session:42"},
		{[]any{"hset", "user:7", "email", "a@b.c"}, "HSET user:7 ? ?"},
		{[]any{"mset", "a", "1", "b", "2"}, "MSET a ? b ?"},
		{[]any{"del", "a", "b"}, "DEL a b"},
		{[]any{"blpop", "q1", "q2", 5}, "BLPOP q1 q2 ?"},
		{[]any{"rename", "a", "b"}, "RENAME a b"},
		{[]any{"evalsha", "abc123", 2, "k1", "k2", "arg"}, "EVALSHA ? 2 k1 k2 ?"},
		{[]any{"eval", "return 1", "1", "k1", "arg"}, "EVAL ? 1 k1 ?"},
		{[]any{"auth", "pw"}, "AUTH"},
		{[]any{"auth", "user", "pw"}, "AUTH"},
		{[]any{"hello", 3, "auth", "user", "pw"}, "HELLO"},
		{[]any{"HELLO", "3", "AUTH", "user", "pw", "setname", "x"}, "HELLO"},
		{[]any{"migrate", "10.0.0.1", 6379, "", 0, 5000, "copy", "auth", "pw", "keys", "k"}, `MIGRATE ? ? "" ? ? COPY`},
		{[]any{"migrate", "10.0.0.1", 6379, "k", 0, 5000, "AUTH2", "user", "pw"}, "MIGRATE ? ? k ? ?"},
		{[]any{"config", "set", "requirepass", "pw"}, "CONFIG SET ? ?"},
		{[]any{"acl", "setuser", "ddx", "on", ">pw"}, "ACL SETUSER ? ? ?"},
		{[]any{"object", "encoding", "k"}, "OBJECT ENCODING k"},
		{[]any{"echo", "hi"}, "ECHO ?"},
		{[]any{"ping"}, "PING"},
		{[]any{"frobnicate", "k", "v"}, "FROBNICATE ? ?"},
		{[]any{"get k", "v"}, "UNKNOWN ?"},
		{[]any{"set", []byte("k"), []byte("v")}, "SET k ?"},
		{[]any{"set", 7, "v"}, "SET 7 ?"},
		{[]any{"set", 1.5, "v"}, "SET ? ?"},
	} {
		assert.Equal(t, c.want, formatArgs(c.args), "%q", c.args)
	}
}

func TestFormatArgsIsBounded(t *testing.T) {
	long := strings.Repeat("k", 1000)
	got := formatArgs([]any{"get", long})
	assert.Equal(t, "GET "+long[:maxKey]+"…", got)
	args := []any{"del"}
	for range 500 {
		args = append(args, long)
	}
	assert.LessOrEqual(t, len(formatArgs(args)), maxRaw+maxKey+16)
}

// FuzzFormatArgs: whatever the command, the formatter does not panic,
// stays bounded, never writes a value it was given (only keys), and writes
// AUTH and HELLO without arguments.
func FuzzFormatArgs(f *testing.F) {
	f.Add("set", "session:42", "s3cret-value", "ex")
	f.Add("auth", "default", "s3cret-value", "")
	f.Add("HELLO", "3", "AUTH", "s3cret-value")
	f.Add("migrate", "", "auth", "s3cret-value")
	f.Add("eval", "return 1", "1", "s3cret-value")
	f.Add("hset", "user:7", "email", "s3cret-value")
	f.Add("cluster", "info", "s3cret-value", "")
	f.Fuzz(func(t *testing.T, cmd, a1, secret, a3 string) {
		args := []any{cmd, a1, secret, a3}
		got := formatArgs(args)
		if len(got) > maxRaw+4*maxKey+64 {
			t.Fatalf("%d bytes", len(got))
		}
		l := layouts[strings.ToLower(cmd)]
		if l == noArgs && got != resource(args) {
			t.Fatalf("%q: %q has arguments", cmd, got)
		}
		// The third argument is a value for every command but those that
		// take several keys or a subcommand's key.
		switch l {
		case allKeys, keysThenTimeout, subcommandKey, twoKeys, script:
			return
		}
		if len(secret) < 6 || strings.Contains(cmd+" "+a1+" "+a3, secret) || keywords[strings.ToUpper(secret)] {
			return
		}
		if strings.Contains(got, secret) && !strings.Contains(strings.ToUpper(cmd), strings.ToUpper(secret)) {
			t.Fatalf("%q: %q holds the value %q", args, got, secret)
		}
	})
}
