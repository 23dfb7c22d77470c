package ddx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/redact"
)

// FuzzHandler logs arbitrary keys, values and group names through every
// combination of WithGroup and WithAttrs, and checks that the JSON handler
// writes exactly one valid JSON object per record, that a secret-looking
// key never lets its value through, and that the text handler never
// panics and ends its output with a newline.
func FuzzHandler(f *testing.F) {
	f.Add("key", "value", "group", int64(1), 1.5, true, uint8(0))
	f.Add("password", "hunter2", "auth", int64(-7), math.Copysign(0, -1), false, uint8(0xff))
	f.Add("", "", "", int64(0), 1e300, true, uint8(5))
	f.Add("k\"\\\n", "\xff\xfe", "\u2028", int64(1<<62), 3.0, false, uint8(3))
	f.Add("message", "timestamp", "status", int64(42), 0.1, true, uint8(6))
	f.Add("Api-Key", "x", "Set-Cookie", int64(8), 2.0, false, uint8(20))
	// Names on the short path of the access line's keys, alone and in groups.
	f.Add("http.route", "/users/{id}", "duration", int64(1500), 0.5, true, uint8(7))
	f.Add("http.useragent", "curl/8.0\n", "http.status_code", int64(200), 1.0, false, uint8(33))
	f.Fuzz(func(t *testing.T, key, val, group string, n int64, fl float64, b bool, shape uint8) {
		const secret = "S3CR3T-VALUE"
		build := func(h slog.Handler) *slog.Logger {
			if shape&1 != 0 {
				h = h.WithGroup(group)
			}
			if shape&2 != 0 {
				h = h.WithAttrs([]slog.Attr{slog.String(key, val), slog.Any(val, errors.New(val))})
			}
			if shape&4 != 0 {
				h = h.WithGroup(key)
			}
			return slog.New(h)
		}
		attrs := []slog.Attr{
			slog.String(key, val),
			slog.String(key, secret),
			slog.Int64(group, n),
			slog.Float64(val, fl),
			slog.Bool(val, b),
			slog.Group(group, slog.String(key, val), slog.Any(val, errors.New(val)), slog.Group(key, slog.String(key, secret))),
			slog.Any(key, fmt.Errorf("%s: %w", val, errors.E(errors.Op(key), val, slog.String(key, secret)))),
		}
		if shape&8 != 0 {
			attrs = append(attrs, slog.Group(key))
		}
		if shape&16 != 0 {
			attrs = append(attrs, slog.Attr{}, slog.Group("", slog.String(key, val)))
		}
		if shape&32 != 0 {
			attrs = append(attrs, slog.Any(val, []any{val, n, map[string]any{key: fl}}))
		}
		opts := &HandlerOptions{Service: val, Env: group, Version: key, AddSource: shape&64 != 0}

		var buf bytes.Buffer
		build(NewHandler(&buf, opts)).LogAttrs(context.Background(), slog.LevelError, val, attrs...)
		out := buf.Bytes()
		if bytes.Count(out, []byte("\n")) != 1 || !bytes.HasSuffix(out, []byte("\n")) {
			t.Fatalf("not one line: %q", out)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("invalid JSON: %v\n%s", err, out)
		}
		if redact.Key(key) && !strings.Contains(key+val+group, secret) && bytes.Contains(out, []byte(secret)) {
			t.Fatalf("secret under key %q leaked: %s", key, out)
		}

		var text bytes.Buffer
		build(newTextHandler(&text, opts)).LogAttrs(context.Background(), slog.LevelError, val, attrs...)
		if !bytes.HasSuffix(text.Bytes(), []byte("\n")) {
			t.Fatalf("text output without newline: %q", text.Bytes())
		}
		if redact.Key(key) && !strings.Contains(key+val+group, secret) && bytes.Contains(text.Bytes(), []byte(secret)) {
			t.Fatalf("text: secret under key %q leaked: %s", key, text.Bytes())
		}
	})
}
