// Package ddx sets a Go service up for Datadog in one line:
//
//	func main() {
//		defer ddx.Start().Stop()
//		// ...
//	}
//
// # What Start gives a service
//
//   - traces through dd-trace-go's tracer, with service, env and version from
//     DD_SERVICE, DD_ENV and DD_VERSION (unified service tagging);
//   - the continuous profiler (CPU and heap) and Go runtime metrics;
//   - a default [log/slog] logger writing one JSON object per line to stdout,
//     joined to traces by dd.trace_id and dd.span_id, with Datadog's
//     attribute names and secrets redacted (see [NewHandler]);
//   - dd-trace-go's own messages as structured log lines, and one plain
//     explanation when the Datadog Agent cannot be reached;
//   - GOMEMLIMIT from the container's memory limit when it is unset;
//   - on a laptop with no Agent, the local trace view: each finished trace
//     printed on stderr as a tree of its spans (see [WithLocalView]);
//   - dd-trace-go's OpenTelemetry TracerProvider as OpenTelemetry's global
//     one, so that libraries instrumented with OpenTelemetry join the same
//     traces (see [WithOpenTelemetry]; DDX_OTEL=off).
//
// # What Start never does
//
// Start never waits on the Agent: it returns in tens of milliseconds whether
// the Agent is absent, slow or hanging, so spans started in the first
// moments may not be recorded: [Runtime.Ready] is closed when the tracer and
// the profiler are up, for a test or a program that must wait for them.
// [Runtime.Stop] is bounded (5s by default) and, with a healthy Agent,
// delivers every finished span.
//
// # Configuration
//
// Datadog's own variables come first (DD_SERVICE, DD_ENV, DD_VERSION,
// DD_AGENT_HOST, DD_TRACE_AGENT_URL, DD_TRACE_ENABLED, DD_PROFILING_ENABLED,
// DD_RUNTIME_METRICS_ENABLED, ...); ddx adds DDX_LOG_LEVEL, DDX_LOG_FORMAT,
// DDX_LOCAL_VIEW and DDX_OTEL where Datadog has none. Options passed to [Start]
// override the environment. A value that cannot be read is reported in a
// WARN line at start and the default is kept: configuration never stops a
// service from starting.
//
// # Tests
//
// Package github.com/ddx-go/ddx/ddxtest runs code under the real tracer
// with an in-process Agent and asserts on the spans and log lines it made.
//
// # Errors on spans
//
// [RecordError] records an error of package
// github.com/ddx-go/ddx/errors on a span following its Kind: expected
// kinds (a 404, a client that went away) do not mark the span as an error.
package ddx
