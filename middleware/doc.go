// Package middleware applies ddx's rules where a request enters or leaves a
// service: it builds on dd-trace-go's instrumentation for spans and
// propagation, and adds what it lacks — error answers that say what the
// client may know and nothing more, span error flags that follow the Kind
// table of the errors package, panic recovery, one access-log line per
// request correlated to its trace, and silence for health checks.
//
// # HTTP servers
//
// [Wrap] wraps the handler the server serves, usually the whole mux:
//
//	mux := http.NewServeMux()
//	mux.Handle("GET /users/{id}", middleware.HandlerFunc(getUser))
//	srv := &http.Server{Handler: middleware.Wrap(mux)}
//
// Per request it
//
//   - starts a server span with dd-trace-go's contrib/net/http, continuing
//     the trace of the incoming headers; the resource is the route pattern,
//     "GET /users/{id}", never the raw path (unrouted requests are named by
//     their method alone);
//   - answers the ServeMux's own 404 and 405 (a path or a method no route
//     serves) with a problem, as every other failure, instead of its plain
//     text without a trace id; the 405 keeps its Allow header. This needs
//     Wrap directly around the *http.ServeMux; a handler's own
//     http.NotFound is left as it is;
//   - recovers panics: the client gets a 500 problem answer, the span is an
//     error with error.type/message/stack, the log line is ERROR with the
//     panic value and the stack of the panic; a panic after the answer had
//     started aborts the connection instead, since a truncated 200 would be
//     taken for a success; [http.ErrAbortHandler] is passed on (re-panicked)
//     after the request is logged, so net/http can abort the response as the
//     handler asked;
//   - writes one access-log line with Datadog's standard attributes
//     (http.method, http.status_code, http.url_details.path, http.route,
//     http.useragent, network.client.ip, http.request_id, duration in
//     nanoseconds, and error when there is one) through the request's
//     context, so the ddx log handler adds dd.trace_id and dd.span_id. The
//     duration is measured once, from Wrap's first look at the request to
//     the end of the handler, and the span starts and ends with it;
//   - marks the span as an error for 5xx answers only (see
//     [WithErrorStatus]), so monitors count real problems and not 404s.
//
// The log level follows the outcome: every 5xx and unexpected errors are
// ERROR, expected 4xx WARN, a client that went away (499) INFO, the rest
// INFO; the client, the span and the line show one status. A status from
// 600 to 999 is answered 500 with an Internal error, as one below 100; an
// interim 1xx is passed on and the final status after it is the one
// recorded. Client-controlled sizes are bounded: a method HTTP does not
// define and no route is registered for is "_OTHER" (its first 64 bytes in
// http.request.method_original), the User-Agent is cut to 512 bytes, the
// request id to 128 and the line's path to 2048.
//
// Requests to /healthz, /readyz, /livez and /ping (see [WithHealthPaths])
// get no span and no access log; they are still recovered.
//
// [Serve] runs the server until a context is done (SIGTERM, typically),
// then shuts it down gracefully, without net/http's five-second wait for
// connections that never sent a request, so that a deferred
// ddx.Start().Stop() flushes the last spans soon after the signal.
//
// # Handlers that return errors
//
// A [HandlerFunc] returns its error instead of writing it, and [Error] does
// the writing for handlers that cannot return one. The error's kind picks
// the status (errors.NotFound is 404, errors.Unavailable 503, a plain error
// 500, a canceled request 499), and the client gets an RFC 9457
// application/problem+json document:
//
//	{"type":"about:blank","title":"Not Found","status":404,"detail":"user 7 not found","trace_id":"..."}
//
// The detail is errors.Public: the message written for the client for
// expected kinds, a generic text ("service unavailable") for the others.
// The trace_id is what a user quotes to support. The span and the access
// log get the whole error — its chain of operations down to the root cause
// and the stack of where it was created — as error.* attributes.
//
// # Outbound HTTP
//
// [NewClient] and [Transport] give calls to other services a client span
// (dd-trace-go's contrib/net/http, so the trace continues there) and make
// their failures concrete: a call that gets no answer returns, from
// client.Do, an error such as
//
//	Get "http://payments.internal/charges/42": dial tcp 10.0.0.5:443: connect: connection refused [duration=1.2ms]
//
// with a Kind (refused, reset or DNS failure: Unavailable; timeout:
// DeadlineExceeded; the caller's own cancel: Canceled). [Do] names the call
// by its operation instead of net/http's *url.Error, whose text has the URL
// and its query string:
//
//	GET payments.internal/charges/{id}: dial tcp 10.0.0.5:443: connect: connection refused [duration=1.2ms]
//
// A client span's resource is the method and host ("GET
// payments.internal"); [WithRoute] names it by route ("GET /charges/{id}")
// instead. An answer is never an error by itself: [CheckResponse] turns a
// 4xx or 5xx into a classified error when the caller decides it is one —
// a 404 from a dependency may well be what the caller expected.
//
// # Background jobs
//
// [RunJob] runs one job, and [Every] a job on a ticker, with what a request
// gets: a span (job.run, named after the job), panic recovery, the Kind
// rules for the span's error flag and the log level, and one log line per
// run with its duration and outcome.
//
// # Options
//
// Each entry point takes its own kind of option: [Wrap] a [ServerOption],
// [NewClient] and [Transport] a [ClientOption], [RunJob] and [Every] a
// [JobOption]. An option that serves several is of all their kinds, and one
// an entry point would ignore does not compile there:
//
//	option              Wrap  NewClient/Transport  RunJob/Every
//	WithService     yes   yes                  yes
//	WithLogger          yes   -                    yes
//	WithErrorStatus     yes   yes                  -
//	WithHealthPaths     yes   -                    -
//
// # Ordering
//
// Wrap should be the outermost handler: what runs outside it is not timed,
// not traced and not recovered, and a response it did not see is not
// logged. Handlers that wrap the ResponseWriter between Wrap and a
// HandlerFunc must implement Unwrap() http.ResponseWriter (as
// http.ResponseController expects) for the error to reach the span and log;
// the answer is written either way. Put authentication inside Wrap, so that
// rejected requests are logged and traced too.
//
// Wrap starts its spans with contrib/net/http: do not also wrap the mux
// with contrib's NewServeMux or WrapHandler, or every request gets two
// server spans.
//
// The resource is named before the span starts when the wrapped handler is
// a router that can tell its pattern (a *http.ServeMux, or anything with
// its Handler(*http.Request) (http.Handler, string) method); otherwise it is
// read from Request.Pattern, which the mux sets while routing, when the
// handler returns. A mux reached through a handler that replaces the
// request (r.WithContext) cannot report its pattern back: the resource is
// then the method alone.
//
// # What could leak, and what does not
//
// Clients never see error text, causes, operations, attributes or stacks:
// only the public message of the kind. Spans and logs do see the full
// error text, so do not put secrets in error messages; attributes named
// like secrets are redacted by the ddx log handler.
//
// Request headers are not logged at all, except User-Agent and
// X-Request-Id. Headers configured with DD_TRACE_HEADER_TAGS go on the span
// unless their name looks like a credential (Authorization, Cookie,
// Set-Cookie, X-Api-Key, anything with token, secret, password, session,
// auth...): those are dropped. The query string is not logged; on the
// span's http.url (server and client spans), the values of parameters
// named like secrets by the same list as the logs' are replaced by
// [REDACTED] — session, code, otp, pin, sid, sig, key, jwt, X-Amz-Credential
// and the like, on top of what dd-trace-go's obfuscator replaces
// (DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP;
// DD_TRACE_HTTP_URL_QUERY_STRING_DISABLED drops the query altogether).
// Short names (key, code, pin, sid, sig, otp) count only as the whole
// name, so zipcode or monkey stay. The path is logged and traced as is: do
// not put secrets in paths.
// network.client.ip is the connection's peer address, not a forwarding
// header that any client can forge.
package middleware
