// Step 1: one line sets a service up for Datadog.
//
//	go run ./step1-setup
//
// ddx.Start reads DD_SERVICE, DD_ENV and DD_VERSION, starts the tracer, the
// profiler and runtime metrics, and makes slog write one JSON line per log
// with the names Datadog expects. Stop sends what is left when main returns.
// With no Datadog Agent running, one line says so and nothing else changes.
package main

import (
	"log/slog"

	"github.com/ddx-go/ddx/ddx"
)

func main() {
	defer ddx.Start().Stop()

	slog.Info("hello, Datadog", "user.id", 42)
	slog.Warn("a login attempt", "user.id", 42, "password", "hunter2") // secrets are redacted
}
