package ddxsql

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseDSN(t *testing.T) {
	for _, c := range []struct {
		system, dsn string
		want        dsnInfo
	}{
		{"", "postgres://app:s3cret@db.internal:5432/orders?sslmode=disable", dsnInfo{"db.internal", "5432", "orders", "app"}},
		// MySQL's own form: the password never becomes db.name, as it
		// did when the DSN was read as a file path.
		{"mysql", "root:PASSWORD@tcp(db.internal:3306)/orders?parseTime=true", dsnInfo{"db.internal", "3306", "orders", "root"}},
		{"mysql", "root:PASSWORD@tcp(db.internal:3306)/", dsnInfo{host: "db.internal", port: "3306", user: "root"}},
		{"mysql", "root:PASSWORD@/", dsnInfo{user: "root"}},
		{"mysql", "root:p@ss/w@rd@tcp([::1]:3306)/orders", dsnInfo{"::1", "3306", "orders", "root"}},
		{"mysql", "app@unix(/var/run/mysqld/mysqld.sock)/orders", dsnInfo{host: "/var/run/mysqld/mysqld.sock", db: "orders", user: "app"}},
		{"mysql", "/orders", dsnInfo{db: "orders"}},
		{"mysql", "mysql://app:PASSWORD@db.internal:3306/orders", dsnInfo{"db.internal", "3306", "orders", "app"}},
		{"mysql", "PASSWORD", dsnInfo{}},
		// A driver whose form is not known: a name that could carry
		// credentials yields nothing.
		{"other_sql", "root:PASSWORD@/", dsnInfo{}},
		{"other_sql", "root:PASSWORD@tcp(h:1)/db", dsnInfo{}},
		{"", "postgresql://app@[::1]:6432/orders", dsnInfo{"::1", "6432", "orders", "app"}},
		{"", "postgres:///orders?host=/var/run/postgresql", dsnInfo{host: "/var/run/postgresql", db: "orders"}},
		{"", "host=db.internal port=5432 dbname=orders user=app password='a b'", dsnInfo{"db.internal", "5432", "orders", "app"}},
		{"", "host=db.internal:6432 dbname='my db'", dsnInfo{host: "db.internal", port: "6432", db: "my db"}},
		{"", "file:/var/lib/app/app.db?_pragma=busy_timeout(5000)", dsnInfo{db: "app.db"}},
		{"", "app.db", dsnInfo{db: "app.db"}},
		{"", ":memory:", dsnInfo{db: ":memory:"}},
		{"", "file::memory:?cache=shared", dsnInfo{db: ":memory:"}},
		{"", "", dsnInfo{db: ":memory:"}},
		{"sqlite", "data/app.db", dsnInfo{db: "app.db"}},
		{"", "postgres://%zz", dsnInfo{}},
	} {
		if got := parseDSN(c.system, c.dsn); got != c.want {
			t.Errorf("parseDSN(%q, %q) = %+v, want %+v", c.system, c.dsn, got, c.want)
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
		my := user + ":" + secret + "@tcp(" + host + ":3306)/" + db
		for _, c := range []struct{ system, dsn string }{{"", u.String()}, {"", kv}, {"mysql", my}, {"other_sql", my}, {"mysql", u.String()}} {
			dsn := c.dsn
			info := parseDSN(c.system, dsn)
			for _, v := range []string{info.host, info.port, info.db, info.user} {
				if strings.Contains(v, secret) {
					t.Fatalf("password in %+v from %q", info, dsn)
				}
			}
		}
		if dsn := kv; !strings.ContainsAny(host+db+user, "\x00:") {
			info := parseDSN("", dsn)
			if info.db != db || info.user != user || (info.host != host && info.port == "") {
				t.Fatalf("parseDSN(%q) = %+v, want host %q db %q user %q", dsn, info, host, db, user)
			}
		}
	})
}
