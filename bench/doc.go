// Package bench holds ddx's comparative benchmarks. It is a separate module so
// that the anchors (pkg/errors, samber/oops, dd-trace-go's contrib/log/slog)
// never enter the library's go.mod.
package bench
