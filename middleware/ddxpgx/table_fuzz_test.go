package ddxpgx

import (
	"strings"
	"testing"
)

func TestTableOf(t *testing.T) {
	for _, c := range []struct{ q, want string }{
		{"SELECT name FROM users WHERE id = $1", "users"},
		{`INSERT INTO "Orders" (id) VALUES (1)`, "Orders"},
		{"UPDATE public.carts SET n = n + 1", "public.carts"},
		{"delete from carts where id = $1", "carts"},
		{"SELECT * FROM (SELECT 1) x", ""},
		{"SELECT pg_sleep(10)", ""},
		{"", ""},
	} {
		if got := tableOf(c.q); got != c.want {
			t.Errorf("tableOf(%q) = %q, want %q", c.q, got, c.want)
		}
	}
}

// FuzzTableOf: any statement is read without panicking, and the table is
// part of the statement, without spaces or quotes.
func FuzzTableOf(f *testing.F) {
	for _, s := range []string{"SELECT a FROM b", `INSERT INTO "x"."y" VALUES (1)`, "UPDATE", "DELETE FROM", "select from from", "SELECT 1 FROM \xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		table := tableOf(q)
		if table == "" {
			return
		}
		if strings.ContainsAny(table, " \t\n\"") || !strings.Contains(strings.ReplaceAll(q, `"`, ""), table) {
			t.Fatalf("tableOf(%q) = %q", q, table)
		}
	})
}
