package ddx

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/redact"
)

// secretNames are the names the documentation promises to redact: the
// built-in patterns that match anywhere in a key (the fuzzer adds text
// around them; the patterns that must be a whole word or key are tested in
// internal/redact) and the credential headers middleware names.
var secretNames = append(anywherePatterns(),
	"api_key", "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key",
	"X-Auth-Token", "X-CSRF-Token", "client_secret", "sessionid", "access_token", "DD-API-KEY")

func anywherePatterns() []string {
	var out []string
	for _, p := range redact.Defaults {
		if p.Scope == redact.Anywhere {
			out = append(out, p.Text)
		}
	}
	return out
}

// valuer is a LogValuer that holds one attribute.
type valuer struct{ a slog.Attr }

func (v valuer) LogValue() slog.Value { return slog.GroupValue(v.a) }

// disguise writes name with the letter cases flipped where caseMask says
// and a separator from "_-. " inserted where sepMask says: all spellings a
// secret key can take that must still match.
func disguise(name string, caseMask, sepMask uint64, sepSel uint8) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if caseMask>>(i%64)&1 != 0 {
			switch {
			case c >= 'a' && c <= 'z':
				c -= 'a' - 'A'
			case c >= 'A' && c <= 'Z':
				c += 'a' - 'A'
			}
		}
		b.WriteByte(c)
		if sepMask>>(i%64)&1 != 0 {
			b.WriteByte("_-. "[(int(sepSel)+i)%4])
		}
	}
	return b.String()
}

// FuzzRedactionAnyCaseAnyNesting logs a secret under every listed secret
// name, in any letter case, with separators anywhere and any text around
// it, nested at any depth in groups, LogValuers, errors' attributes,
// WithGroup and WithAttrs, through the JSON and the text handlers. The
// secret must never be in the output, and the JSON line must stay valid.
func FuzzRedactionAnyCaseAnyNesting(f *testing.F) {
	f.Add(uint8(0), uint64(0), uint64(0), uint8(0), "", "", "g", uint8(0), uint16(0))
	f.Add(uint8(3), ^uint64(0), uint64(0b1010), uint8(1), "X-", "-Id", "req", uint8(3), uint16(0b01_10_00))
	f.Add(uint8(7), uint64(0x5555), ^uint64(0), uint8(2), "stripe", "Hash", "", uint8(7), uint16(0xffff))
	f.Add(uint8(16), uint64(1), uint64(2), uint8(3), "\xff", "\u2028", "password", uint8(5), uint16(0b11_11_11_11))
	f.Add(uint8(20), uint64(0), uint64(0), uint8(0), "", "", "headers", uint8(2), uint16(0b10_01))
	f.Fuzz(func(t *testing.T, idx uint8, caseMask, sepMask uint64, sepSel uint8, prefix, suffix, group string, depth uint8, shape uint16) {
		const secret = "zq-S3CR3T-qz"
		if strings.Contains(prefix+suffix+group, "S3CR3T") {
			return
		}
		key := prefix + disguise(secretNames[int(idx)%len(secretNames)], caseMask, sepMask, sepSel) + suffix
		if !redact.Key(key) {
			t.Fatalf("redact.Key(%q) = false for a listed name", key)
		}

		// Innermost: the secret as a string, or as a group under the key.
		a := slog.String(key, secret)
		if shape&1 != 0 {
			a = slog.Group(key, slog.String("inner", secret))
		}
		withGroups := 0
		for i := range int(depth % 8) {
			name := group + strings.Repeat("x", i)
			switch shape >> (1 + 2*(i%7)) & 3 {
			case 0:
				a = slog.Group(name, a)
			case 1:
				a = slog.Any(name, valuer{a})
			case 2:
				a = slog.Any(name, errors.E(errors.Op("op"), "message", a))
			case 3:
				withGroups++
			}
		}
		build := func(h slog.Handler) *slog.Logger {
			l := slog.New(h)
			for i := range withGroups {
				l = l.WithGroup(group + strings.Repeat("y", i))
			}
			return l
		}
		log := func(l *slog.Logger) {
			if shape&(1<<15) != 0 {
				l.With(a).Error("m", "n", 1)
			} else {
				l.LogAttrs(context.Background(), slog.LevelError, "m", a)
			}
		}

		var js, text bytes.Buffer
		log(build(NewHandler(&js, nil)))
		log(build(newTextHandler(&text, nil)))
		if !json.Valid(js.Bytes()) {
			t.Fatalf("invalid JSON: %s", js.Bytes())
		}
		if bytes.Contains(js.Bytes(), []byte(secret)) {
			t.Fatalf("secret under %q leaked into JSON: %s", key, js.Bytes())
		}
		if bytes.Contains(text.Bytes(), []byte(secret)) {
			t.Fatalf("secret under %q leaked into text: %s", key, text.Bytes())
		}
	})
}
