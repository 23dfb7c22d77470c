package errors

import "github.com/ddx-go/ddx/internal/redact"

// redacted replaces the value of an attribute whose key names a secret: the
// text ddx's log handler writes.
const redacted = redact.Value

// isSecretKey reports whether key names a secret, by ddx's one list and
// matcher (internal/redact, which imports only the standard library). It
// does not allocate.
func isSecretKey(key string) bool { return redact.Key(key) }
