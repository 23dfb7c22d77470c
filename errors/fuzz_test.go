package errors_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/ddx-go/ddx/errors"
)

// fuzzArgs turns the fuzzer's bytes into arguments for E: every byte picks
// one argument, including the misuses E must survive.
func fuzzArgs(sel []byte, op, msg, key string, n int64, prev error) []any {
	var nilErr *errors.Error
	args := make([]any, 0, len(sel))
	for _, b := range sel {
		var a any
		switch b % 20 {
		case 0:
			a = errors.Op(op)
		case 1:
			a = errors.Kind(b / 20 % 16) // some numbers no kind has
		case 2:
			a = msg
		case 3:
			a = slog.String(key, msg)
		case 4:
			a = slog.Int64(key, n)
		case 5:
			a = []slog.Attr{slog.Group(key, slog.String(msg, key), slog.Any("s", []string{msg})), {}}
		case 6:
			a = io.EOF
		case 7:
			a = nil
		case 8:
			a = nilErr
		case 9:
			a = prev
		case 10:
			a = fmt.Errorf("%s: %w", msg, prev)
		case 11:
			a = errors.Join(prev, context.Canceled)
		case 12:
			a = int(n)
		case 13:
			a = struct{ s string }{msg}
		case 14:
			a = context.DeadlineExceeded
		case 15:
			a = slog.Any(key, panicker{})
		case 16:
			a = slog.Any(key, prev)
		case 17:
			a = []slog.Attr(nil)
		case 18:
			a = &errors.Error{Op: errors.Op(op), Msg: msg, Err: prev}
		case 19:
			a = []any{msg}
		}
		args = append(args, a)
	}
	return args
}

func FuzzE(f *testing.F) {
	f.Add([]byte{0, 1 + 20*4, 2, 3, 6}, "orders.Get", "charge order 42", "order_id", int64(42))
	f.Add([]byte{}, "", "", "", int64(0))
	f.Add([]byte{7, 8, 12, 13, 19}, "op", "msg", "password", int64(-1))
	f.Add([]byte{9, 10, 11, 16, 18, 9}, "a", "a", "a", int64(1))
	f.Add([]byte{5, 15, 17, 14, 1 + 20*12}, "\xff", "\n\"]=", "token", int64(1<<62))
	f.Fuzz(func(t *testing.T, sel []byte, op, msg, key string, n int64) {
		if len(sel) > 64 {
			sel = sel[:64]
		}
		// Build twice, the second time with the first as the previous
		// error, so nesting is exercised.
		prev := errors.E(fuzzArgs(sel, op, msg, key, n, nil)...)
		err := errors.E(fuzzArgs(sel, op, msg, key, n, prev)...)

		text := err.Error()
		if again := err.Error(); again != text {
			t.Fatalf("Error() not stable: %q then %q", text, again)
		}
		if fmt.Sprint(err) != text || fmt.Sprintf("%+v", err)[:len(text)] != text {
			t.Fatalf("Format disagrees with Error()")
		}
		if errors.Stack(err) == "" {
			t.Fatalf("no stack for an error made at run time: %q", text)
		}
		k := errors.KindOf(err)
		if k == errors.Other {
			t.Fatalf("KindOf of a non-nil error is Other")
		}
		if k2 := errors.KindOf(err); k2 != k {
			t.Fatalf("KindOf not stable: %v then %v", k, k2)
		}
		pub := errors.Public(err)
		if pub == "" {
			t.Fatalf("empty public message")
		}
		if pub != msg && pub != errors.Public(errors.E(k)) {
			t.Fatalf("Public = %q: neither the message nor the kind's text", pub)
		}
		if errors.TypeName(err) == "" {
			t.Fatalf("empty TypeName")
		}
		_ = errors.Attrs(err)

		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Error("x", slog.Any("error", err))
		if !json.Valid(buf.Bytes()) {
			t.Fatalf("log line is not JSON: %s", buf.String())
		}
	})
}

// FuzzAttrText checks that an attribute in the error text can be read back:
// key and value are either written as they are or quoted with Go syntax.
func FuzzAttrText(f *testing.F) {
	for _, s := range [][2]string{{"order_id", "42"}, {"reason", "card declined"}, {"", ""},
		{"k", `a"b]`}, {"two words", "x=y"}, {"k", "\xff\x00"}, {"city", "Zürich"}, {"password", "p"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		text := errors.E("x", slog.String(key, value)).Error()
		rest, ok := strings.CutPrefix(text, "x [")
		if !ok || !strings.HasSuffix(rest, "]") {
			t.Fatalf("text %q is not x [k=v]", text)
		}
		rest = rest[:len(rest)-1]
		gotKey, rest := readToken(t, rest)
		if gotKey != key {
			t.Fatalf("key read back %q, want %q (text %q)", gotKey, key, text)
		}
		rest, ok = strings.CutPrefix(rest, "=")
		if !ok {
			t.Fatalf("no = after the key in %q", text)
		}
		gotValue, rest := readToken(t, rest)
		if rest != "" {
			t.Fatalf("trailing %q in %q", rest, text)
		}
		if gotValue != value && gotValue != "[REDACTED]" {
			t.Fatalf("value read back %q, want %q (text %q)", gotValue, value, text)
		}
	})
}

// readToken reads a quoted string, or an unquoted run up to '=' or the end.
func readToken(t *testing.T, s string) (token, rest string) {
	t.Helper()
	if strings.HasPrefix(s, `"`) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			t.Fatalf("bad quoting in %q: %v", s, err)
		}
		token, _ = strconv.Unquote(q)
		return token, s[len(q):]
	}
	if s == "[REDACTED]" {
		return s, ""
	}
	if i := strings.IndexByte(s, '='); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}
