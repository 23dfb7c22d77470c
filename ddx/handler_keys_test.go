package ddx

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
)

// TestHandlerCorrelationKeysRenamed: a caller's attribute named like one
// of ddx's correlation keys can neither replace nor duplicate ddx's own at
// the root, whichever way it arrives.
func TestHandlerCorrelationKeysRenamed(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	span, ctx := tracer.StartSpanFromContext(context.Background(), "op")
	defer span.Finish()
	wantTrace := span.Context().TraceID()

	forged := []any{"dd.trace_id", "forged-trace", "dd.span_id", "forged-span",
		"dd.service", "forged-svc", "dd.env", "forged-env", "dd.version", "forged-ver"}
	opts := &HandlerOptions{Service: "shop", Env: "prod", Version: "1.2"}
	cases := map[string]func(*slog.Logger){
		"record":    func(l *slog.Logger) { l.InfoContext(ctx, "m", forged...) },
		"WithAttrs": func(l *slog.Logger) { l.With(forged...).InfoContext(ctx, "m") },
		"inline group": func(l *slog.Logger) {
			l.InfoContext(ctx, "m", slog.Group("", forged...))
		},
	}
	for name, logIt := range cases {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			logIt(slog.New(NewHandler(&buf, opts)))
			line := buf.String()
			m := decodeLines(t, buf.Bytes())[0]
			want := map[string]any{
				"dd.trace_id": wantTrace, "dd.service": "shop", "dd.env": "prod", "dd.version": "1.2",
				"fields.dd.trace_id": "forged-trace", "fields.dd.span_id": "forged-span",
				"fields.dd.service": "forged-svc", "fields.dd.env": "forged-env", "fields.dd.version": "forged-ver",
			}
			for k, v := range want {
				if m[k] != v {
					t.Errorf("%s = %v, want %v", k, m[k], v)
				}
			}
			for _, k := range []string{"dd.trace_id", "dd.span_id", "dd.service", "dd.env", "dd.version"} {
				if n := strings.Count(line, `"`+k+`":`); n != 1 {
					t.Errorf("%s appears %d times at the root: %s", k, n, line)
				}
			}
		})
	}

	t.Run("group named dd", func(t *testing.T) {
		for name, logIt := range map[string]func(*slog.Logger){
			"Group":     func(l *slog.Logger) { l.InfoContext(ctx, "m", slog.Group("dd", "trace_id", "forged")) },
			"WithGroup": func(l *slog.Logger) { l.WithGroup("dd").InfoContext(ctx, "m", "trace_id", "forged") },
		} {
			var buf bytes.Buffer
			logIt(slog.New(NewHandler(&buf, nil)))
			m := decodeLines(t, buf.Bytes())[0]
			if _, ok := m["dd"]; ok {
				t.Errorf("%s: a root group dd reads as dd.trace_id: %s", name, buf.String())
			}
			if got, _ := path(m, "fields.dd", "trace_id"); got != "forged" {
				t.Errorf("%s: fields.dd.trace_id = %v: %s", name, got, buf.String())
			}
			if m["dd.trace_id"] != wantTrace {
				t.Errorf("%s: dd.trace_id = %v", name, m["dd.trace_id"])
			}
		}
	})

	t.Run("inside a group the key stays", func(t *testing.T) {
		var buf bytes.Buffer
		slog.New(NewHandler(&buf, nil)).InfoContext(ctx, "m", slog.Group("upstream", "dd.trace_id", "theirs"))
		m := decodeLines(t, buf.Bytes())[0]
		if got, _ := path(m, "upstream", "dd.trace_id"); got != "theirs" {
			t.Errorf("upstream.dd.trace_id = %v", got)
		}
	})
}

// TestHandlerServiceTagsFromEnv: without Service, Env and Version in the
// options, the handler tags lines as the tracer tags spans.
func TestHandlerServiceTagsFromEnv(t *testing.T) {
	t.Setenv("DD_SERVICE", "env-svc")
	t.Setenv("DD_ENV", "staging")
	t.Setenv("DD_VERSION", "9.9")
	tests := []struct {
		name string
		opts *HandlerOptions
		want map[string]any
	}{
		{"nil options", nil, map[string]any{"dd.service": "env-svc", "dd.env": "staging", "dd.version": "9.9"}},
		{"options win", &HandlerOptions{Service: "opt-svc"}, map[string]any{"dd.service": "opt-svc", "dd.env": "staging", "dd.version": "9.9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := logOne(t, tt.opts, func(l *slog.Logger) { l.Info("x") })
			for k, v := range tt.want {
				if m[k] != v {
					t.Errorf("%s = %v, want %v", k, m[k], v)
				}
			}
		})
	}
	if o := (&HandlerOptions{}); true {
		_ = NewHandler(&bytes.Buffer{}, o)
		if o.Service != "" {
			t.Error("NewHandler wrote the environment into the caller's options")
		}
	}
}

// TestHandlerErrorCodeAndMessage: the error object carries the code as
// error.code and error.fingerprint, and error.message has no attribute
// values, so two occurrences of one problem read the same.
func TestHandlerErrorCodeAndMessage(t *testing.T) {
	t.Parallel()
	mk := func(email string) error {
		return errors.E(errors.Op("users.Notify"), errors.Code("mail.refused"), "send mail",
			slog.String("email", email), errors.New("connection refused"))
	}
	var msgs []string
	for _, email := range []string{"bob@example.com", "alice@example.com"} {
		for _, wrap := range []func(error) error{
			func(err error) error { return err },
			func(err error) error { return errors.Errorf("notify: %w", err) },
		} {
			m := logOne(t, nil, func(l *slog.Logger) { l.Error("failed", "error", wrap(mk(email))) })
			msg, _ := path(m, "error", "message")
			s, _ := msg.(string)
			if strings.Contains(s, "@example.com") {
				t.Errorf("error.message carries an attribute value: %q", s)
			}
			if got, _ := path(m, "error", "email"); got != email {
				t.Errorf("error.email = %v, want %s", got, email)
			}
			for _, k := range []string{"code", "fingerprint"} {
				if got, _ := path(m, "error", k); got != "mail.refused" {
					t.Errorf("error.%s = %v", k, got)
				}
			}
			msgs = append(msgs, s)
		}
	}
	if msgs[0] != msgs[2] || msgs[1] != msgs[3] {
		t.Errorf("one problem, different messages: %q", msgs)
	}
	if msgs[0] != "users.Notify: send mail: connection refused" || msgs[1] != "notify: users.Notify: send mail: connection refused" {
		t.Errorf("messages = %q", msgs)
	}
}
