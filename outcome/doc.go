// Package outcome is what ddx's integrations are built on: the decisions
// every place a request enters or leaves a service makes the same way.
// net/http, outbound HTTP, jobs and gRPC in this module use it, and so do
// the integrations in modules of their own (ddxgin, ddxecho, ddxchi, ddxsql,
// ddxpgx); an integration written outside ddx can use it too, and then
// follows the same rules without copying them.
//
// # Deciding
//
// An exchange's error is classified once, into a [Verdict] (its
// [errors.Kind] and [errors.Code]); every decision takes the Verdict:
//
//   - the log level: [Level], or [LevelHTTP] and [HTTP] for an HTTP exchange;
//   - the span's error tags: [RecordError] (expected kinds are not span
//     errors; a plain error gets a stack where it is recorded);
//   - the client's answer: [HTTPStatus] and [WriteProblem], an RFC 9457
//     problem document with the public message only and the trace id;
//   - a recovered panic: [PanicError], always Internal;
//   - whether Canceled is the caller's doing: [ClassifyIn], from the
//     request's (job's, consumer's) own context;
//   - a consumer's message: [Consume] decides one attempt into a
//     [Settlement] (Ack, Retry, Reject, Stop), its span flag and its level;
//     [RetryBackoff] spaces the retries.
//
// # Writing
//
// [HTTPAccessAttrs] and [HTTPAccessMessage] are the access line of an HTTP
// exchange, with Datadog's standard attribute names ([AttrHTTPMethod] and
// the rest); [LogAt] writes a line, joined to the span in its context.
// [WrapSQL] gives a database driver's error the operation, the table and
// the SQLSTATE's code, so that a missing row is NotFound and a unique
// violation Conflict whatever the driver.
//
// # Compatibility
//
// Within a major version of github.com/ddx-go/ddx, every name exported here
// keeps its signature and its meaning, so an integration built against
// v1.x compiles and behaves the same with any later v1.y of this module:
// Go's minimal version selection may give it a newer ddx than the one it
// was released with. New names may be added, and fields may be added to
// [Verdict] (build it with [Classify], not a literal). What may change in a
// minor version is wording meant for people: the public texts of
// [Unrouted] and [StatusText], and the messages of errors.
package outcome
