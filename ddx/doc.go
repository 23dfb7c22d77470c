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
//   - GOMEMLIMIT from the container's memory limit when it is unset.
//
// # What Start never does
//
// Start never waits on the Agent: it returns in tens of milliseconds whether
// the Agent is absent, slow or hanging. [Runtime.Stop] is bounded (5s by
// default) and, with a healthy Agent, delivers every finished span.
//
// # Errors on spans
//
// [RecordError] records an error of package
// github.com/ddx-go/ddx/errors on a span following its Kind: expected
// kinds (a 404, a client that went away) do not mark the span as an error.
package ddx
