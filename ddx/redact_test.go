package ddx

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/ddx-go/ddx/errors"
)

// secretValuer logs as a group holding a secret.
type secretValuer struct{}

func (secretValuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", "bob"), slog.String("Password", "hunter2"))
}

// secretErr is an error whose LogValue holds a secret.
type secretErr struct{}

func (secretErr) Error() string { return "login failed" }
func (secretErr) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", "bob"), slog.String("api_key", "hunter2"))
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	const secret = "hunter2"
	tests := []struct {
		name   string
		opts   *HandlerOptions
		log    func(*slog.Logger)
		path   []string // where "[REDACTED]" must be
		intact []string // a sibling that must survive, "" for none
	}{
		{"top level", nil, func(l *slog.Logger) { l.Info("m", "password", secret, "user", "bob") }, []string{"password"}, []string{"user"}},
		{"upper case", nil, func(l *slog.Logger) { l.Info("m", "PASSWORD", secret) }, []string{"PASSWORD"}, nil},
		{"mixed case and separators", nil, func(l *slog.Logger) { l.Info("m", "X-Api-Key", secret) }, []string{"X-Api-Key"}, nil},
		{"substring", nil, func(l *slog.Logger) { l.Info("m", "db_password_hash", secret) }, []string{"db_password_hash"}, nil},
		{"inside a group", nil, func(l *slog.Logger) {
			l.Info("m", slog.Group("req", slog.Group("headers", "Authorization", secret, "Accept", "json")))
		}, []string{"req", "headers", "Authorization"}, []string{"req", "headers", "Accept"}},
		{"a matching group is replaced whole", nil, func(l *slog.Logger) {
			l.Info("m", slog.Group("credentials", "user", "bob", "pin", secret))
		}, []string{"credentials"}, nil},
		{"inline group", nil, func(l *slog.Logger) { l.Info("m", slog.Group("", "token", secret)) }, []string{"token"}, nil},
		{"WithAttrs", nil, func(l *slog.Logger) { l.With("session", secret, "user", "bob").Info("m") }, []string{"session"}, []string{"user"}},
		{"WithAttrs in a group", nil, func(l *slog.Logger) {
			l.WithGroup("g").With(slog.Group("h", "cookie", secret)).Info("m")
		}, []string{"g", "h", "cookie"}, nil},
		{"record in a group", nil, func(l *slog.Logger) { l.WithGroup("g").Info("m", "secret", secret, "n", 1) }, []string{"g", "secret"}, []string{"g", "n"}},
		{"WithGroup with a secret name", nil, func(l *slog.Logger) {
			l.WithGroup("Credentials").With("a", secret).Info("m", "b", secret)
		}, []string{"Credentials", "b"}, nil},
		{"WithGroup with a secret name, WithAttrs", nil, func(l *slog.Logger) {
			l.WithGroup("auth_token").With("a", secret).Info("m")
		}, []string{"auth_token", "a"}, nil},
		{"LogValuer", nil, func(l *slog.Logger) { l.Info("m", "login", secretValuer{}) }, []string{"login", "Password"}, []string{"login", "user"}},
		{"error LogValue", nil, func(l *slog.Logger) { l.Error("m", "err", secretErr{}) }, []string{"error", "api_key"}, []string{"error", "user"}},
		{"ddx error attributes", nil, func(l *slog.Logger) {
			l.Error("m", "err", errors.E(errors.Op("auth.Login"), "bad login", slog.String("my_token", secret)))
		}, []string{"error", "my_token"}, []string{"error", "kind"}},
		{"wrapped ddx error attributes", nil, func(l *slog.Logger) {
			err := errors.E(errors.Op("auth.Login"), "bad login", slog.String("my_token", secret))
			l.Error("m", "err", fmt.Errorf("handler: %w", err))
		}, []string{"error", "my_token"}, []string{"error", "kind"}},
		{"extra keys", &HandlerOptions{RedactKeys: []string{"ssn"}}, func(l *slog.Logger) {
			l.Info("m", "user.SSN", secret, "password", secret)
		}, []string{"user.SSN"}, nil},
		{"extra keys keep the defaults", &HandlerOptions{RedactKeys: []string{"ssn"}}, func(l *slog.Logger) {
			l.Info("m", "password", secret)
		}, []string{"password"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := logOne(t, tt.opts, tt.log)
			if got, _ := path(m, tt.path...); got != "[REDACTED]" {
				t.Errorf("%s = %v, want [REDACTED]; line %v", strings.Join(tt.path, "."), got, m)
			}
			if tt.intact != nil {
				if got, ok := path(m, tt.intact...); !ok || got == "[REDACTED]" {
					t.Errorf("%s = %v, want it intact", strings.Join(tt.intact, "."), got)
				}
			}
			var buf bytes.Buffer
			tt.log(slog.New(NewHandler(&buf, tt.opts)))
			if strings.Contains(buf.String(), secret) {
				t.Errorf("secret in line: %s", buf.String())
			}
		})
	}
}

func TestRedactionText(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(newTextHandler(&buf, nil))
	l.WithGroup("req").With("Cookie", "c=1").Info("m", "token", "t0k", slog.Group("h", "Authorization", "Bearer x"))
	l.Error("m", "err", secretErr{})
	out := buf.String()
	for _, leak := range []string{"c=1", "t0k", "Bearer x", "hunter2"} {
		if strings.Contains(out, leak) {
			t.Errorf("%q leaked: %s", leak, out)
		}
	}
	for _, want := range []string{"req.Cookie=[REDACTED]", "req.token=[REDACTED]", "req.h.Authorization=[REDACTED]", "error.api_key=[REDACTED]", "error.user=bob"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in %s", want, out)
		}
	}
}

func TestRedactionLeavesCleanRecordsAlone(t *testing.T) {
	t.Parallel()
	// The middleware must pass a clean record through unchanged: same
	// attributes, same order, LogValuers not replaced by their values.
	var buf bytes.Buffer
	l := slog.New(NewHandler(&buf, &HandlerOptions{ReplaceAttr: dropTime}))
	l.Info("m", "a", 1, slog.Group("g", "b", 2), "v", cleanValuer{})
	want := `{"status":"INFO","message":"m","a":1,"g":{"b":2},"v":"ok"}` + "\n"
	if buf.String() != want {
		t.Errorf("got  %swant %s", buf.String(), want)
	}
}

type cleanValuer struct{}

func (cleanValuer) LogValue() slog.Value { return slog.StringValue("ok") }

func TestHandlerNoOpDerivations(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]slog.Handler{
		"JSON": NewHandler(&bytes.Buffer{}, nil),
		"text": newTextHandler(&bytes.Buffer{}, nil),
	} {
		if h.WithGroup("") != h || h.WithAttrs(nil) != h {
			t.Errorf("%s: no-op WithGroup/WithAttrs allocate a new handler", name)
		}
	}
}
