// Package ddxgrpc applies ddx's rules to gRPC servers and clients: a span per
// call and propagation from dd-trace-go's contrib/google.golang.org/grpc, and
// on top of it what that integration lacks.
//
// # Servers
//
// One line adds everything:
//
//	srv := grpc.NewServer(ddxgrpc.ServerOptions()...)
//
// For every call, [UnaryServerInterceptor] and [StreamServerInterceptor]:
//
//   - turn an error built with errors.E into the status whose code the error's
//     Kind picks (internal/status holds the table) and whose message is only
//     the public one (errors.Public): the cause's text, the stack and file
//     names never leave the service. For kinds that are not expected, the
//     message ends with the trace id to quote to support. A status error
//     (status.Error, or a downstream's passed on) keeps its code; for
//     expected kinds its message and details too, for the others the
//     client gets the kind's generic text and the trace id instead, since
//     a real problem's status text is internal (a host, a query);
//   - record the original error on the span (error.kind always; error.type,
//     error.message and error.stack of where the error was created only for
//     kinds that are not expected), so a NotFound or a client that went away
//     does not count as an error and fires no monitor;
//   - recover a panic into codes.Internal, with the panic's stack in the log
//     line and on the span;
//   - write one access-log line per call with grpc.method, grpc.code,
//     duration (ns), network.client.ip and the error, at INFO for OK and
//     Canceled, WARN for other expected kinds and ERROR for the rest. The
//     line is written with the call's context, so the ddx handler joins it to
//     the span through dd.trace_id and dd.span_id.
//
// The health service's methods (/grpc.health.v1.Health/Check, Watch and List) get
// no span and no access-log line by default, as HTTP health checks do;
// [WithUntracedMethods] changes the list.
//
// # Clients
//
//	conn, err := grpc.NewClient(target, ddxgrpc.DialOptions()...)
//
// [UnaryClientInterceptor] and [StreamClientInterceptor] return failures as
// errors.E errors: the operation is the full method, the Kind comes from the
// status code, the cause is the status error (so status.Code still works),
// and grpc.target and duration are attached. Expected kinds (NotFound from a
// dependency, say) do not flag the client span as an error; what they mean
// for the caller is the caller's decision. io.EOF from a stream is returned
// unchanged.
//
// # Ordering and what may leak
//
// The interceptors are meant to be the outermost ones, which is where
// ServerOptions and DialOptions put them when they come first in the
// grpc.NewServer or grpc.NewClient arguments: interceptors before them are
// outside the span and their panics are not recovered. Request messages and
// metadata are not put on spans or logs; passing contrib's WithRequestTags or
// WithMetadataTags through [WithTracerOptions] changes that, and metadata
// values are then only filtered by contrib's fixed list of credential keys.
package ddxgrpc
