package sqlinfo

import (
	"strings"
	"testing"
)

func TestTableOf(t *testing.T) {
	for _, c := range []struct{ q, want string }{
		{"SELECT name FROM users WHERE id = $1", "users"},
		{"UPDATE public.carts SET n = n + 1", "public.carts"},
		{"delete from carts where id = $1", "carts"},
		{"REPLACE INTO t VALUES (1)", "t"},
		{"SELECT pg_sleep(10)", ""},
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
		if got := Table(c.q); got != c.want {
			t.Errorf("Table(%q) = %q, want %q", c.q, got, c.want)
		}
	}
}

// FuzzTableOf: any statement is read without panicking, and the table is
// a word of the statement, without spaces or quotes.
func FuzzTableOf(f *testing.F) {
	for _, s := range []string{"SELECT a FROM b", "INSERT INTO \"x\".\"y\" VALUES (1)", "UPDATE [t] SET a=1",
		"/* unterminated", "UPDATE", "SELECT 1 FROM \xff", "-- only a comment", "DELETE FROM", "select from from from", "SELECT 1 FROM \xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		table := Table(q)
		if table == "" {
			return
		}
		if strings.ContainsAny(table, " \t\n\"`[]") {
			t.Fatalf("Table(%q) = %q", q, table)
		}
		if !strings.Contains(strings.NewReplacer(`"`, "", "`", "", "[", "", "]", "").Replace(q), table) {
			t.Fatalf("Table(%q) = %q, not in the statement", q, table)
		}
	})
}
