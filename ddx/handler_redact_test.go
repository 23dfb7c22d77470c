package ddx

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/errors"
)

// TestExtraSinksRedacted: a sink given to WithLogHandlers sees every
// record as ddx's own handler would write it, redacted: secret keys, groups
// named like secrets, WithAttrs and WithGroup, values walked, names added
// with WithRedactKeys (issue 21, item 9). The harmless parts reach it.
func TestExtraSinksRedacted(t *testing.T) {
	const s = "sink-s3cr3t"
	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer "+s)
	tests := []struct {
		name string
		log  func(*slog.Logger)
		keep string
	}{
		{"attr", func(l *slog.Logger) { l.Info("login", "user", "bob", "password", s) }, "bob"},
		{"group named like a secret", func(l *slog.Logger) { l.Info("m", slog.Group("credentials", "user", s), "k", "kept") }, "kept"},
		{"nested group key", func(l *slog.Logger) { l.Info("m", slog.Group("req", "api_key", s, "id", "r1")) }, "r1"},
		{"WithAttrs", func(l *slog.Logger) { l.With("token", s, "svc", "pay").Info("m") }, "pay"},
		{"WithGroup named like a secret", func(l *slog.Logger) { l.With("a", "kept").WithGroup("auth").Info("m", "user", s) }, "kept"},
		{"WithGroup then secret key", func(l *slog.Logger) { l.WithGroup("http").Info("m", "cookie", s, "path", "/p") }, "/p"},
		{"map value", func(l *slog.Logger) { l.Info("m", "form", map[string]any{"password": s, "email": "b@x"}) }, "b@x"},
		{"struct value", func(l *slog.Logger) { l.Info("m", "form", loginForm{"bob", s}) }, "bob"},
		{"header value", func(l *slog.Logger) { l.Info("m", "headers", hdr, "n", "n1") }, "n1"},
		{"custom key", func(l *slog.Logger) { l.Info("m", "customer_ref", s, "n", "n2") }, "n2"},
		{"error attribute", func(l *slog.Logger) {
			l.Error("m", "error", errors.E(errors.Op("pay"), "charge", slog.String("card_token", s), slog.Any("h", hdr)))
		}, "charge"},
		{"LogValuer", func(l *slog.Logger) { l.Info("m", "v", sinkValuer{s}) }, "bob"},
		{"inline group", func(l *slog.Logger) { l.Info("m", slog.Group("", "secret", s, "x", "x1")) }, "x1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var main, json, text, custom bytes.Buffer
			cfg := loadConfig([]Option{
				WithLogWriter(&main), WithLogFormat("json"), WithRedactKeys("customer_ref"),
				WithLogHandlers(slog.NewJSONHandler(&json, nil), slog.NewTextHandler(&text, nil), NewHandler(&custom, nil)),
			})
			tt.log(slog.New(cfg.handler()))
			for name, out := range map[string]string{"ddx": main.String(), "slog JSON sink": json.String(), "slog text sink": text.String(), "ddx sink": custom.String()} {
				require.NotEmpty(t, out, name)
				assert.NotContains(t, out, s, "%s got the secret", name)
				assert.Contains(t, out, tt.keep, "%s lost a harmless value", name)
				assert.Contains(t, out, "[REDACTED]", name)
			}
		})
	}
}

type sinkValuer struct{ s string }

func (v sinkValuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", "bob"), slog.String("session", v.s))
}

// TestRedactingHandlerPassesCleanRecords: a record with nothing to redact
// reaches the sink as it is, and the sink's level applies.
func TestRedactingHandlerPassesCleanRecords(t *testing.T) {
	var got, want bytes.Buffer
	h := newRedactingHandler(slog.NewTextHandler(&got, &slog.HandlerOptions{Level: slog.LevelWarn}), nil)
	ref := slog.NewTextHandler(&want, &slog.HandlerOptions{Level: slog.LevelWarn})
	for _, hh := range []slog.Handler{h, ref} {
		l := slog.New(hh).With("a", 1).WithGroup("g")
		l.Info("dropped", "x", 1)
		l.Warn("kept", "n", 2, slog.Group("h", "m", "v"))
	}
	strip := func(s string) string { _, rest, _ := strings.Cut(s, " "); return rest }
	assert.Equal(t, strip(want.String()), strip(got.String()))
	assert.False(t, h.Enabled(context.Background(), slog.LevelInfo))
}

// FuzzExtraSink logs a secret under fuzzer-spelled keys and groups, as an
// attribute, in a group, in a map and after WithGroup, to an slog JSON
// sink behind the redaction of WithLogHandlers: it never panics, and when
// ddx's list names the key the secret never reaches the sink.
func FuzzExtraSink(f *testing.F) {
	f.Add("password", "req", uint8(0))
	f.Add("X-Api-Key", "auth", uint8(3))
	f.Add("", "", uint8(7))
	f.Add("user", "session", uint8(5))
	f.Fuzz(func(t *testing.T, key, group string, shape uint8) {
		const secret = "zz-sink-secret-zz"
		var out bytes.Buffer
		var h slog.Handler = newRedactingHandler(slog.NewJSONHandler(&out, nil), nil)
		if shape&1 != 0 {
			h = h.WithGroup(group)
		}
		if shape&2 != 0 {
			h = h.WithAttrs([]slog.Attr{slog.String(key, secret)})
		}
		attrs := []slog.Attr{
			slog.String(key, secret),
			slog.Group(group, slog.String(key, secret), slog.Group("", slog.Any(key, secret))),
			slog.Any("m", map[string]any{key: secret, "l": []any{map[string]string{key: secret}}}),
		}
		if shape&4 != 0 {
			attrs = append(attrs, slog.Any("v", sinkValuer{secret}), slog.Attr{})
		}
		slog.New(h).LogAttrs(context.Background(), slog.LevelInfo, "m", attrs...)
		if strings.Contains(key+group, secret) {
			return
		}
		if redactKey(key) && strings.Contains(out.String(), secret) {
			t.Fatalf("secret under %q reached the sink: %s", key, out.String())
		}
	})
}

func redactKey(key string) bool {
	return newRedactingHandler(nil, nil).(*redactingHandler).secrets.Match(key)
}
