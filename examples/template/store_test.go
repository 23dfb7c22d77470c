package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/errors"
)

// postgresURL is the test server's URL with search_path set to a fresh
// schema, created here and dropped when the test ends. DDX_TEST_POSTGRES
// names the server (ddx's .ci/run starts one); without it the test skips,
// and fails when CI=true so that CI cannot pass without its database.
func postgresURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("DDX_TEST_POSTGRES")
	if base == "" {
		const hint = "no PostgreSQL: set DDX_TEST_POSTGRES=postgres://user@host:port/db?sslmode=disable to run the PostgreSQL store's tests"
		if os.Getenv("CI") == "true" {
			t.Fatal(hint)
		}
		t.Skip(hint)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	schema := "template_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(ctx)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestStores runs the same checks on both stores: the seeded items, a
// missing item that is NotFound (a 404 and a WARN, not an alert), and
// migrations that run once however often the service starts.
func TestStores(t *testing.T) {
	for _, c := range []struct {
		name string
		open func(t *testing.T) (databaseURL, sqlitePath string)
	}{
		{"sqlite", func(t *testing.T) (string, string) { return "", filepath.Join(t.TempDir(), "items.db") }},
		{"postgres", func(t *testing.T) (string, string) { return postgresURL(t), "" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			databaseURL, sqlitePath := c.open(t)
			for start := range 2 { // the second start finds the migrations applied
				st, closeStore, err := openStore(ctx, databaseURL, sqlitePath)
				if err != nil {
					t.Fatalf("start %d: %v", start, err)
				}
				it, err := st.Get(ctx, 1)
				if err != nil || it != (item{1, "keyboard"}) {
					t.Errorf("Get(1) = %+v, %v", it, err)
				}
				_, err = st.Get(ctx, 9)
				if errors.KindOf(err) != errors.NotFound || errors.Public(err) != "item 9 not found" {
					t.Errorf("Get(9) = %v (%v, public %q), want NotFound", err, errors.KindOf(err), errors.Public(err))
				}
				if n, err := st.Count(ctx); err != nil || n != 2 {
					t.Errorf("Count = %d, %v, want 2: the seed must run once", n, err)
				}
				closeStore()
			}
		})
	}
}

// TestMigrationIsOneTrace: the migrations at start are one job, one
// trace: every query is a span under store.migrate, none a trace of its own.
func TestMigrationIsOneTrace(t *testing.T) {
	rec := ddxtest.Start(t)
	_, closeStore, err := openStore(context.Background(), "", filepath.Join(t.TempDir(), "items.db"))
	if err != nil {
		t.Fatal(err)
	}
	closeStore()
	job := rec.RequireSpan(t, ddxtest.Name("job.run"), ddxtest.Resource("store.migrate"))
	if job.Error {
		t.Errorf("the migration failed: %v", job)
	}
	rec.RequireLog(t, ddxtest.Message("job run"), ddxtest.Attr("job.name", "store.migrate"), ddxtest.TraceID(job.TraceID))
	queries := 0
	for _, s := range rec.Spans() {
		if s.Name != "sqlite.query" {
			continue
		}
		queries++
		if s.TraceID != job.TraceID {
			t.Errorf("%s is a trace of its own, not a span of store.migrate", s.Resource)
		}
	}
	if queries < 2*len(migrations) {
		t.Errorf("%d query spans under store.migrate, want at least %d", queries, 2*len(migrations))
	}
}

func TestOpenStoreRejectsOtherURLs(t *testing.T) {
	_, _, err := openStore(context.Background(), "mysql://db/items", "")
	if errors.KindOf(err) != errors.Invalid {
		t.Fatalf("openStore(mysql://...) = %v, want Invalid", err)
	}
}

// TestStoreDownIsUnavailable: a PostgreSQL that refuses connections fails
// the start with an Unavailable error, which says what to fix.
func TestStoreDownIsUnavailable(t *testing.T) {
	_, _, err := openStore(context.Background(), "postgres://app@127.0.0.1:1/items?sslmode=disable&connect_timeout=2", "")
	if errors.KindOf(err) != errors.Unavailable {
		t.Fatalf("openStore on a closed port = %v (%v), want Unavailable", err, errors.KindOf(err))
	}
}
