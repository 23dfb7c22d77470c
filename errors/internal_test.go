package errors

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/ddx-go/ddx/internal/redact"
)

// TestSecretPatternsMatchRedact keeps this package's copy of the secret key
// patterns equal to ddx's, so error text and log lines redact alike.
func TestSecretPatternsMatchRedact(t *testing.T) {
	t.Parallel()
	if len(secretPatterns) != len(redact.Defaults) {
		t.Fatalf("secretPatterns has %d patterns, internal/redact.Defaults %d", len(secretPatterns), len(redact.Defaults))
	}
	for i, p := range redact.Defaults {
		if secretPatterns[i] != p {
			t.Errorf("pattern %d = %q, internal/redact has %q", i, secretPatterns[i], p)
		}
	}
	if redacted != redact.Value {
		t.Errorf("redacted = %q, internal/redact.Value %q", redacted, redact.Value)
	}
	for _, key := range []string{"password", "PASSWORD", "db_password", "api_key", "X-Api-Key", "apiKey",
		"access_token", "Authorization", "Set-Cookie", "session_id", "private.key", "order_id", "user",
		"", "pass", "tok", "a-p-i-k-e-y", "jwt", "Signature", "credentials", "p_w_d"} {
		if got, want := isSecretKey(key), redact.Key(key); got != want {
			t.Errorf("isSecretKey(%q) = %v, internal/redact says %v", key, got, want)
		}
	}
}

func TestInitPCsLearnt(t *testing.T) {
	t.Parallel()
	if len(initPCs) == 0 {
		t.Fatal("no runtime.doInit frames found while initialising the package")
	}
}

// TestCaptureOnce checks that only the innermost error holds program
// counters, whatever wraps it.
func TestCaptureOnce(t *testing.T) {
	t.Parallel()
	inner := E(Op("a"), io.EOF).(*Error)
	if inner.pcs == nil {
		t.Fatal("inner error has no stack")
	}
	for name, err := range map[string]error{
		"direct":    E(Op("b"), inner),
		"over fmt":  E(Op("b"), fmt.Errorf("x: %w", inner)),
		"over two":  E(Op("c"), E(Op("b"), inner)),
		"over join": E(Op("b"), Join(io.EOF, inner)),
		"misuse":    E(Op("b"), 42, inner),
	} {
		if pcs := err.(*Error).pcs; pcs != nil {
			t.Errorf("%s: outer error recorded a second stack", name)
		}
	}
	if E(Op("b"), io.EOF).(*Error).pcs == nil {
		t.Error("error over a plain cause recorded no stack")
	}
}

func TestAttrsInline(t *testing.T) {
	t.Parallel()
	for n := range 5 {
		args := []any{"x"}
		for i := range n {
			args = append(args, slog.Int("k", i))
		}
		e := E(args...).(*Error)
		if len(e.Attrs) != n || cap(e.Attrs) != n {
			t.Errorf("%d attributes: len %d cap %d", n, len(e.Attrs), cap(e.Attrs))
		}
		if n == 0 && e.Attrs != nil {
			t.Error("no attributes but a non-nil slice")
		}
	}
}
