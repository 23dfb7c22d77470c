package middleware

// The decisions every integration makes the same way (the level and span
// flag of an outcome, the access-log line, a panic as an error, the problem
// body, the client IP) are in package outcome, shared with ddxgrpc and the
// framework integrations. What is left here is net/http's own.

import "net/http"

// isAbort reports whether a recovered value is http.ErrAbortHandler, the
// sentinel net/http uses to abort a response on purpose; it must be
// re-panicked, not turned into a 500.
func isAbort(p any) bool {
	err, ok := p.(error)
	return ok && err == http.ErrAbortHandler //nolint:errorlint // sentinel compared by identity, as net/http does
}
