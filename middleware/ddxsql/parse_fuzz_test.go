package ddxsql

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseDSN(t *testing.T) {
	for _, c := range []struct {
		dsn  string
		want dsnInfo
	}{
		{"postgres://app:s3cret@db.internal:5432/orders?sslmode=disable", dsnInfo{"db.internal", "5432", "orders", "app"}},
		{"postgresql://app@[::1]:6432/orders", dsnInfo{"::1", "6432", "orders", "app"}},
		{"postgres:///orders?host=/var/run/postgresql", dsnInfo{host: "/var/run/postgresql", db: "orders"}},
		{"host=db.internal port=5432 dbname=orders user=app password='a b'", dsnInfo{"db.internal", "5432", "orders", "app"}},
		{"host=db.internal:6432 dbname='my db'", dsnInfo{host: "db.internal", port: "6432", db: "my db"}},
		{"file:/var/lib/app/app.db?_pragma=busy_timeout(5000)", dsnInfo{db: "app.db"}},
		{"app.db", dsnInfo{db: "app.db"}},
		{":memory:", dsnInfo{db: ":memory:"}},
		{"file::memory:?cache=shared", dsnInfo{db: ":memory:"}},
		{"", dsnInfo{db: ":memory:"}},
		{"postgres://%zz", dsnInfo{}},
	} {
		assert := parseDSN(c.dsn)
		if assert != c.want {
			t.Errorf("parseDSN(%q) = %+v, want %+v", c.dsn, assert, c.want)
		}
	}
}

// FuzzParseDSN: data source names in both forms, built around any host,
// database and user, parse without panicking, give those back, and never
// give the password.
func FuzzParseDSN(f *testing.F) {
	f.Add("db.internal", "orders", "app")
	f.Add("", "", "")
	f.Add("h h", "d'b", `u\x`)
	f.Add("::1", "a/b", "@")
	f.Fuzz(func(t *testing.T, host, db, user string) {
		const secret = "pw-0123456789"
		u := url.URL{Scheme: "postgres", Host: host, Path: "/" + db, User: url.UserPassword(user, secret)}
		esc := strings.NewReplacer(`\`, `\\`, "'", `\'`)
		kv := "host='" + esc.Replace(host) + "' dbname='" + esc.Replace(db) + "' user='" + esc.Replace(user) + "' password='" + secret + "'"
		for _, dsn := range []string{u.String(), kv} {
			info := parseDSN(dsn)
			for _, v := range []string{info.host, info.port, info.db, info.user} {
				if strings.Contains(v, secret) {
					t.Fatalf("password in %+v from %q", info, dsn)
				}
			}
		}
		if dsn := kv; !strings.ContainsAny(host+db+user, "\x00:") {
			info := parseDSN(dsn)
			if info.db != db || info.user != user || (info.host != host && info.port == "") {
				t.Fatalf("parseDSN(%q) = %+v, want host %q db %q user %q", dsn, info, host, db, user)
			}
		}
	})
}

func TestTableOf(t *testing.T) {
	for _, c := range []struct{ q, want string }{
		{"SELECT name FROM users WHERE id = $1", "users"},
		{"select * from public.users u join orders o on o.user_id = u.id", "public.users"},
		{`INSERT INTO "Orders" (id) VALUES (1)`, "Orders"},
		{"UPDATE carts SET n = n + 1", "carts"},
		{"DELETE FROM carts WHERE id = ?", "carts"},
		{"/*dddbs='x',traceparent='00-1-2-01'*/ SELECT 1 FROM t", "t"},
		{"-- comment\nSELECT 1 FROM t", "t"},
		{"SELECT 1", ""},
		{"SELECT * FROM (SELECT 1) x", ""},
		{"CREATE TABLE t (id int)", ""},
		{"WITH x AS (SELECT 1) SELECT * FROM x", ""},
		{"", ""},
	} {
		if got := tableOf(c.q); got != c.want {
			t.Errorf("tableOf(%q) = %q, want %q", c.q, got, c.want)
		}
	}
}

// FuzzTableOf: any statement is read without panicking, and the table is
// a word of the statement, without spaces or quotes.
func FuzzTableOf(f *testing.F) {
	for _, s := range []string{"SELECT a FROM b", "INSERT INTO \"x\".\"y\" VALUES (1)", "UPDATE [t] SET a=1",
		"/* unterminated", "-- only a comment", "DELETE FROM", "select from from from", "SELECT 1 FROM \xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		table := tableOf(q)
		if table == "" {
			return
		}
		if strings.ContainsAny(table, " \t\n\"`[]") {
			t.Fatalf("tableOf(%q) = %q", q, table)
		}
		if !strings.Contains(strings.NewReplacer(`"`, "", "`", "", "[", "", "]", "").Replace(q), table) {
			t.Fatalf("tableOf(%q) = %q, not in the statement", q, table)
		}
	})
}
