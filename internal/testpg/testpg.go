// Package testpg finds the PostgreSQL server that tests of the data store
// integrations run against. .ci/run starts a throw-away one and sets
// DDX_TEST_POSTGRES; without it tests skip locally and fail in CI, so that
// a CI that lost its database cannot pass by skipping.
package testpg

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
)

// Env is the variable that holds the server's URL,
// postgres://user@127.0.0.1:port/db?sslmode=disable.
const Env = "DDX_TEST_POSTGRES"

// Hint says how to get a server.
const Hint = "no PostgreSQL: set " + Env + "=postgres://... or run the tests through .ci/run, which starts one (. .ci/postgres; start_postgres)"

// URL returns the server's URL, or skips tb (fails it when CI=true).
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(Env)
	if u == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal(Hint)
		}
		tb.Skip(Hint)
	}
	return u
}

// Schema returns a fresh schema name for one test, "t_" and 16 hex
// digits, and the server's URL with search_path set to it, so that tests
// sharing a server never see each other's tables. The caller creates and
// drops the schema with its own driver (this package imports none).
func Schema(tb testing.TB) (name, schemaURL string) {
	tb.Helper()
	base := URL(tb)
	var b [8]byte
	_, _ = rand.Read(b[:])
	name = "t_" + hex.EncodeToString(b[:])
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("testpg: %s is not a URL: %v", Env, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return name, u.String()
}
