package ddxredis_test

import (
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
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxredis"
)

const (
	password = "s3cret-pa55word"
	value    = "v4lue-n0t-for-spans"
)

// TestNoSecretAnywhere: with a client made with a password, from options
// and from a URL, with arguments on or off, a wrong password and an AUTH
// sent by hand, no span tag and no log line holds the password or a
// value.
func TestNoSecretAnywhere(t *testing.T) {
	rec := start(t)
	m := miniredis.RunT(t)
	m.RequireAuth(password)
	fromURL, err := redis.ParseURL("redis://:" + password + "@" + m.Addr() + "/0")
	require.NoError(t, err)
	clients := map[string]*redis.Client{
		"options":              ddxredis.NewClient(&redis.Options{Addr: m.Addr(), Password: password}),
		"url, arguments on":    ddxredis.NewClient(fromURL, ddxredis.WithArguments(true)),
		"wrong password":       ddxredis.NewClient(&redis.Options{Addr: m.Addr(), Password: password + "x", MaxRetries: -1}, ddxredis.WithArguments(true)),
		"no password, by hand": ddxredis.NewClient(&redis.Options{Addr: m.Addr(), MaxRetries: -1}, ddxredis.WithArguments(true), ddxredis.WithDialThreshold(0)),
	}
	mux := http.NewServeMux()
	for name, rdb := range clients {
		defer rdb.Close()
		mux.Handle("GET /"+strings.ReplaceAll(name, " ", "-"), middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			ctx := r.Context()
			if name == "no password, by hand" {
				rdb.Do(ctx, "auth", password)
				rdb.Do(ctx, "auth", "default", password)
				rdb.Do(ctx, "hello", "3", "auth", "default", password)
				rdb.Do(ctx, "migrate", "10.0.0.1", "6379", "", "0", "5000", "auth", password, "keys", "k")
			}
			if err := rdb.Set(ctx, "session:42", value, time.Minute).Err(); err != nil {
				return err
			}
			_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, "user:7", "email", value)
				p.Get(ctx, "session:42")
				return nil
			})
			return err
		}))
	}
	srv := httptest.NewServer(middleware.Wrap(mux))
	defer srv.Close()
	for name := range clients {
		resp, err := http.Get(srv.URL + "/" + strings.ReplaceAll(name, " ", "-"))
		require.NoError(t, err)
		resp.Body.Close()
	}
	rec.RequireSpan(t, ddxtest.Name("redis.command"), ddxtest.Resource("AUTH"))
	rec.RequireSpan(t, ddxtest.Name("redis.command"), ddxtest.Resource("SET"), ddxtest.IsError()) // the wrong password
	rec.RequireLog(t, ddxtest.Level("ERROR"), ddxtest.Kind("Internal"))
	rec.Flush(t)

	spans := rec.Spans()
	require.NotEmpty(t, spans)
	raw := 0
	for _, sp := range spans {
		for k, v := range sp.Meta {
			assert.NotContains(t, v, password, "span %s, tag %s", sp, k)
			assert.NotContains(t, v, value, "span %s, tag %s", sp, k)
		}
		if r, ok := sp.Meta["redis.raw_command"]; ok {
			raw++
			if sp.Resource == "AUTH" || sp.Resource == "HELLO" {
				assert.Equal(t, sp.Resource, r, "AUTH and HELLO are written without their arguments")
			}
			if sp.Resource == "MIGRATE" {
				assert.Equal(t, `MIGRATE ? ? "" ? ?`, r)
			}
		}
	}
	assert.NotZero(t, raw, "arguments were written where turned on")
	lines := rec.Logs()
	require.NotEmpty(t, lines)
	for _, l := range lines {
		assert.NotContains(t, l.String(), password)
		assert.NotContains(t, l.String(), value)
	}
}
