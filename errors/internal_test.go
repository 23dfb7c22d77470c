package errors

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/ddx-go/ddx/internal/redact"
)

// TestSecretKeysAreRedacts: error attributes and log lines redact by the
// same list and matcher.
func TestSecretKeysAreRedacts(t *testing.T) {
	t.Parallel()
	if redacted != redact.Value {
		t.Errorf("redacted = %q, internal/redact.Value %q", redacted, redact.Value)
	}
	for _, key := range []string{"password", "api_key", "X-Api-Key", "session_id", "code", "key", "pin", "monkey", "zipcode", "order_id", ""} {
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
		"misuse":    E(Op("b"), 42, inner), //ddxvet:ignore an int on purpose
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
