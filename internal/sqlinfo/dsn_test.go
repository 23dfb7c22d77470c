package sqlinfo

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/ddx-go/ddx/errors"
)

// TestScrubber: the texts are pgx v5.12's own parse errors for these
// connection strings (its masking misses each of them), and errors of
// other shapes.
func TestScrubber(t *testing.T) {
	for _, c := range []struct {
		dsn, text string
		secret    []string // what must not survive
		want      string   // "" when only the secrets are checked
	}{
		{"host=localhost password = SECRET1 port=abc", "cannot parse `host=localhost password = SECRET1 port=abc`: invalid port",
			[]string{"SECRET1"}, "cannot parse the connection string: invalid port"},
		{"host=localhost password= SECRET2 port=abc", "cannot parse `host=localhost password=xxxxx SECRET2 port=abc`: invalid port",
			[]string{"SECRET2"}, "cannot parse the connection string: invalid port"},
		{`host=localhost password = 'SEC\'RET4' port=abc`, "cannot parse `host=localhost password = 'SEC\\'RET4' port=abc`: invalid port",
			[]string{"SEC", "RET4"}, ""},
		{`host=localhost password='SEC\'RET5 XYZW' port=abc`, "cannot parse `host=localhost password=xxxxx XYZW' port=abc`: invalid port",
			[]string{"XYZW"}, ""},
		{"password = SECRET11 = x", "cannot parse `password = SECRET11 = x`: failed to parse as keyword/value (invalid keyword/value)",
			[]string{"SECRET11"}, "cannot parse the connection string: failed to parse as keyword/value (invalid keyword/value)"},
		{"host=localhost PASSWORD=SECRET13 port=abc", "cannot parse `host=localhost PASSWORD=SECRET13 port=abc`: invalid port",
			[]string{"SECRET13"}, ""},
		// The secret anywhere else in the text, in any form.
		{"postgres://app:p%40ss@db/orders", "dial: user app, password p@ss refused", []string{"p@ss"}, "dial: user app, password [REDACTED] refused"},
		{"postgres://app:s3cret@db/orders?sslpassword=k3y", "tls: k3y wrong; login s3cret", []string{"k3y", "s3cret"}, "tls: [REDACTED] wrong; login [REDACTED]"},
		{"root:my-pw@tcp(db:3306)/orders", "Error 1045: Access denied (using password my-pw)", []string{"my-pw"}, ""},
		// A DSN the scrubber was not given: secret-shaped pairs and URL
		// passwords are masked anyway.
		{"", "bad conn string host=h password = 'hunter 2' port=x", []string{"hunter"}, "bad conn string host=h password=[REDACTED] port=x"},
		{"", "parse postgres://u:hunter2@h/db: bad", []string{"hunter2"}, "parse postgres://u:[REDACTED]@h/db: bad"},
		// Nothing to scrub: the text is kept as it is.
		{"postgres://app:s3cret@db/orders", "ERROR: duplicate key value (SQLSTATE 23505)", nil, "ERROR: duplicate key value (SQLSTATE 23505)"},
	} {
		t.Run(c.text, func(t *testing.T) {
			got := NewScrubber(c.dsn).Text(c.text)
			for _, s := range c.secret {
				if strings.Contains(got, s) {
					t.Errorf("Text = %q, holds %q", got, s)
				}
			}
			if c.want != "" && got != c.want {
				t.Errorf("Text = %q, want %q", got, c.want)
			}
		})
	}
}

// TestScrubberError: an error without secrets is returned as it is; one
// with them gets the scrubbed text and keeps its chain.
func TestScrubberError(t *testing.T) {
	s := NewScrubber("postgres://app:s3cret@db/orders")
	plain := errors.New("no route")
	if got := s.Error(plain); got != plain {
		t.Errorf("Error(plain) = %v, want it unchanged", got)
	}
	if s.Error(nil) != nil {
		t.Error("Error(nil) != nil")
	}
	cause := stateErr("28P01")
	err := fmt.Errorf("login s3cret: %w", cause)
	got := s.Error(err)
	if strings.Contains(got.Error(), "s3cret") {
		t.Errorf("Error = %q", got)
	}
	if !errors.Is(got, cause) || CodeOf(got) != CodeOf(cause) {
		t.Errorf("the chain is lost: %v", got)
	}
}

// FuzzScrubber: a password in any DSN form libpq, URLs and MySQL take
// never survives in a text that echoes the DSN or the password.
func FuzzScrubber(f *testing.F) {
	for _, s := range []string{"SECRET1", "a b", `q'uo\te`, "p@ss/w:rd", "  ", "é€😀", "x=y z"} {
		f.Add(s, 0)
	}
	f.Fuzz(func(t *testing.T, pw string, form int) {
		if strings.TrimSpace(pw) == "" || strings.Contains("[REDACTED]", pw) {
			return
		}
		esc := strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(pw)
		dsns := []string{
			"host=h password='" + esc + "' port=abc",
			"host=h password = '" + esc + "' port=abc",
			"postgres://u:" + url.QueryEscape(pw) + "@h:abc/db",
			"postgres://u@h/db?password=" + url.QueryEscape(pw),
			"u:" + pw + "@tcp(h:3306)/db",
		}
		if !strings.ContainsAny(pw, " \t\n\r'\\") {
			dsns = append(dsns, "host=h password = "+pw+" port=abc", "host=h password="+pw)
		}
		dsn := dsns[uint(form)%uint(len(dsns))]
		s := NewScrubber(dsn)
		for _, text := range []string{
			"cannot parse `" + dsn + "`: invalid port",
			"login failed for " + pw,
			"x " + dsn + " y",
		} {
			if got := s.Text(text); strings.Contains(got, pw) {
				t.Fatalf("Text(%q) = %q: holds the password of %q", text, got, dsn)
			}
		}
	})
}
