package ddx

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ddx-go/ddx/errors"
)

func TestTextHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts *HandlerOptions
		log  func(*slog.Logger)
		want string // the output after the time
	}{
		{"message and attrs", nil, func(l *slog.Logger) { l.Info("order paid", "order", 42, "ok", true) },
			"INFO  order paid order=42 ok=true\n"},
		{"levels padded", nil, func(l *slog.Logger) { l.Error("e"); l.Warn("w") },
			"ERROR e\n" + "WARN  w\n"},
		{"level filtered", &HandlerOptions{Level: slog.LevelWarn}, func(l *slog.Logger) { l.Info("hidden"); l.Warn("w") },
			"WARN  w\n"},
		{"quoting", nil, func(l *slog.Logger) { l.Info("m", "s", "two words", "e", "", "q", `a"b`, "eq", "a=b") },
			`INFO  m s="two words" e="" q="a\"b" eq="a=b"` + "\n"},
		{"message with newline", nil, func(l *slog.Logger) { l.Info("a\nb") },
			`INFO  "a\nb"` + "\n"},
		{"groups dotted", nil, func(l *slog.Logger) {
			l.With("a", 1).WithGroup("g").With("b", 2).WithGroup("h").Info("m", "c", 3, slog.Group("i", "d", 4))
		}, "INFO  m a=1 g.b=2 g.h.c=3 g.h.i.d=4\n"},
		{"empty group and attr elided", nil, func(l *slog.Logger) { l.WithGroup("g").Info("m", slog.Group("e"), slog.Attr{}) },
			"INFO  m\n"},
		{"values", nil, func(l *slog.Logger) {
			l.Info("m", "d", 1500*time.Millisecond, "f", 2.5, "p", point{1, 2}, "n", nil)
		}, "INFO  m d=1.5s f=2.5 p=\"{X:1 Y:2}\" n=<nil>\n"},
		{"plain error", nil, func(l *slog.Logger) { l.WithGroup("g").Error("failed", "err", io.EOF, "again", io.EOF) },
			"ERROR failed error.kind=Internal error.message=EOF g.again=EOF\n"},
		{"odd values", nil, func(l *slog.Logger) {
			l.Info("m", "nilerr", (*nilErr)(nil), "panics", panicErr{}, "loops", valuerLoops{})
		}, "INFO  m error.kind=Internal error.message=<nil> panics=\"!PANIC: no message\" loops=\"LogValue called too many times on Value of type ddx.valuerLoops\"\n"},
		{"ReplaceAttr", &HandlerOptions{ReplaceAttr: func(g []string, a slog.Attr) slog.Attr {
			if a.Key == "drop" {
				return slog.Attr{}
			}
			return a
		}}, func(l *slog.Logger) { l.Info("m", "drop", 1, "keep", 2) }, "INFO  m keep=2\n"},
	}
	timeRE := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d{3} `)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			tt.log(slog.New(newTextHandler(&buf, tt.opts)))
			if got := timeRE.ReplaceAllString(buf.String(), ""); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestTextHandlerErrorStack: on a terminal the stack follows the line for
// unexpected kinds only; a 404 says what was not found, not where.
func TestTextHandlerErrorStack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind      errors.Kind
		wantStack bool
	}{
		{errors.NotFound, false},
		{errors.Invalid, false},
		{errors.Unavailable, true},
		{errors.Internal, true},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			var buf bytes.Buffer
			err := errors.E(errors.Op("orders.Get"), tt.kind, "order 42", slog.Int("order_id", 42))
			slog.New(newTextHandler(&buf, &HandlerOptions{AddSource: true})).With("err", err).Warn("lookup")
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			want := " error.kind=" + tt.kind.String() + ` error.message="orders.Get: order 42" error.order_id=42`
			if !strings.Contains(lines[0], " WARN  lookup source=") || !strings.HasSuffix(lines[0], want) {
				t.Errorf("first line %q", lines[0])
			}
			if !tt.wantStack {
				if len(lines) != 1 {
					t.Errorf("stack of an expected kind printed:\n%s", buf.String())
				}
				return
			}
			if len(lines) < 3 || !strings.Contains(lines[1], "TestTextHandlerErrorStack") {
				t.Fatalf("stack lines missing:\n%s", buf.String())
			}
			for _, l := range lines[1:] {
				if !strings.HasPrefix(l, "    ") {
					t.Errorf("stack line not indented: %q", l)
				}
			}
		})
	}
}

func TestTextHandlerZeroTime(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := newTextHandler(&buf, nil)
	if err := h.Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "INFO  m\n" {
		t.Errorf("got %q", buf.String())
	}
}

// TestTextHandlerMessageEscaped: a message is escaped like a value, so that
// bidi controls (U+202E reverses what the terminal shows after it), other
// invisible format characters and control characters never reach a
// terminal raw (issue 21, item 15). A printable message stays as it is.
func TestTextHandlerMessageEscaped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, msg, want string
	}{
		{"right-to-left override", "login ok \u202egnp.exe", `"login ok \u202egnp.exe"`},
		{"bidi isolate", "a\u2066b\u2069", `"a\u2066b\u2069"`},
		{"zero width space", "ad\u200bmin", `"ad\u200bmin"`},
		{"escape sequence", "\x1b[31mred", `"\x1b[31mred"`},
		{"line separator", "a\u2028b", `"a\u2028b"`},
		{"invalid UTF-8", "a\xffb", `"a\xffb"`},
		{"printable unicode kept", "注文 42 paid ✓", "注文 42 paid ✓"},
		{"spaces kept", "order paid", "order paid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			slog.New(newTextHandler(&buf, nil)).Info(tt.msg)
			line := strings.TrimSuffix(buf.String(), "\n")
			_, got, _ := strings.Cut(line, "INFO  ")
			if got != tt.want {
				t.Errorf("message written as %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzTextMessage: whatever the message, the text line has nothing a
// terminal would interpret or hide: every rune is printable (or the
// ASCII space) up to the one newline at the end.
func FuzzTextMessage(f *testing.F) {
	for _, s := range []string{"ok", "\u202e", "a\nb", "\x1b[2J", "\u200f\u2067", "\xff", "注文"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		var buf bytes.Buffer
		slog.New(newTextHandler(&buf, nil)).Info(msg)
		out, ok := strings.CutSuffix(buf.String(), "\n")
		if !ok {
			t.Fatalf("no newline at the end: %q", buf.String())
		}
		for _, r := range out {
			if r == utf8.RuneError || !unicode.IsPrint(r) {
				t.Fatalf("raw %U in the line %q", r, out)
			}
		}
	})
}
