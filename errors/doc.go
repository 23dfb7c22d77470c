// Package errors makes failures concrete and classified: every error says
// which operation failed, on what, and why, and whether it is a real problem
// or an expected outcome such as a 404, so that monitors page people only
// for what matters.
//
// It is a drop-in for the standard library's errors package: [New],
// [Errorf], [Is], [As], [AsType], [Join], [Unwrap] and [ErrUnsupported] are
// the standard library's own, so replacing import "errors" with
// import "github.com/ddx-go/ddx/errors" changes nothing. It imports nothing
// but the standard library.
//
// # Building errors
//
// [E] builds an [*Error] from arguments sorted by type, in the spirit of
// upspin.io/errors: an [Op] naming the operation, a [Kind] classifying the
// failure, a string message, slog attributes for context, and the cause:
//
//	func (s *Server) Get(ctx context.Context, id int) (*Order, error) {
//		const op errors.Op = "orders.Get"
//		o, err := s.db.Find(ctx, id)
//		if err != nil {
//			return nil, errors.E(op, "load order", slog.Int("order_id", id), err)
//		}
//		if o == nil {
//			return nil, errors.E(op, errors.NotFound, fmt.Sprintf("order %d not found", id))
//		}
//		...
//	}
//
// E records the program counters of its caller, once per chain: wrapping an
// error that already has a stack records none. Nothing is formatted until the
// error is printed. E never panics; misuse (no arguments, an argument of
// another type) shows in the error text as "errors.E: ...".
//
// # Kinds
//
// A [Kind] says what sort of failure it is. [Kind.Expected] separates the
// outcomes a client caused, which nobody should be paged for, from real
// problems. ddx's transports answer and record each kind as follows; the
// mapping to HTTP and gRPC lives with them, in one table, not in this
// package.
//
//	Kind                expected  HTTP      gRPC                span error  log level
//	Invalid             yes       400       InvalidArgument     no          WARN
//	Unauthenticated     yes       401       Unauthenticated     no          WARN
//	PermissionDenied    yes       403       PermissionDenied    no          WARN
//	NotFound            yes       404       NotFound            no          WARN
//	Conflict            yes       409       AlreadyExists       no          WARN
//	FailedPrecondition  yes       400, 412  FailedPrecondition  no          WARN
//	TooManyRequests     yes       429       ResourceExhausted   no          WARN
//	Canceled            yes       499       Canceled            no          INFO
//	DeadlineExceeded    no        504       DeadlineExceeded    yes         ERROR
//	Unavailable         no        503       Unavailable         yes         ERROR
//	Unimplemented       no        501       Unimplemented       yes         ERROR
//	Internal            no        500       Internal            yes         ERROR
//
// 412 answers a conditional request (If-Match and the like). Errors of kind
// Other and errors nobody classified count as Internal: [KindOf] never
// returns Other for a non-nil error.
//
// [KindOf] finds the kind of any error: it sees through nested *Error
// values, fmt.Errorf's %w and [Join]; the innermost stated kind wins;
// [context.Canceled] and [context.DeadlineExceeded] count as [Canceled] and
// [DeadlineExceeded]; an error nobody classified is [Internal].
//
// # What libraries return
//
// When nobody stated a kind, KindOf classifies the library errors of the
// chain, innermost first, by the classifiers registered with
// [RegisterClassifier] and then by this table:
//
//	error                                          kind
//	sql.ErrNoRows (pgx's ErrNoRows wraps it)       NotFound
//	os.ErrDeadlineExceeded, Timeout() true         DeadlineExceeded
//	connection refused, reset or aborted, host or
//	network unreachable, DNS no such host          Unavailable
//	SQLState() string (pgx, lib/pq):
//	  23505 unique violation                       Conflict
//	  23503 foreign key violation                  FailedPrecondition
//	  40001 serialization failure, 40P01 deadlock  Unavailable
//	  57014 query canceled                         Canceled
//	  08xxx connection exception                   Unavailable
//	  57P01, 57P02, 57P03 (a database restart)     Unavailable
//	  any other state                              Internal
//	modernc.org/sqlite's *sqlite.Error:
//	  2067 UNIQUE, 1555 PRIMARY KEY                Conflict
//	  787 FOREIGN KEY                              FailedPrecondition
//	  SQLITE_BUSY, SQLITE_LOCKED                   Unavailable
//	  any other code                               Internal
//	driver.ErrBadConn, SafeToRetry() true          Unavailable
//	StatusCode() int or HTTPStatus() int           that status's kind ([KindOfHTTP])
//
// io.EOF and plain text errors stay Internal. ddx's gRPC integration
// registers a classifier for gRPC status errors, so that a NotFound from a
// downstream service is NotFound everywhere once it is linked.
//
// # Codes
//
// A [Code] is a stable, machine-readable reason ("payment.declined"), given
// to E like the other fields; [CodeOf] finds the innermost one. ddx writes
// it as error.code and error.fingerprint, so that Datadog groups every
// occurrence of one reason into one issue.
//
// # Error text
//
// [Error.Error] reads as the chain of operations and messages down to the
// root cause, followed by the attributes of the nested layers. [Message] is
// the same text without the attributes: what logs and spans carry as
// error.message, identical for every occurrence of one problem whatever its
// values, so that one problem is one Error Tracking issue:
//
//	orders.Get: charge order 42: payment.Charge: dial tcp 10.0.0.5:443: connect: connection refused [order_id=42]
//
// Nested *Error values do not repeat an operation or message that was just
// written, nor an attribute key. Values of keys that name secrets (password,
// token, api_key, cookie, ...) read [REDACTED], because the text reaches
// spans. The text is the same on every call.
//
// # What clients see
//
// [Public] returns the message that may leave the service: for an expected
// kind, the message written with it ("order 42 not found"); otherwise a
// generic text per kind ("internal error", "service unavailable"). Cause
// text, operations, attributes and stacks never appear in it.
//
// # Logs and spans
//
// An *Error is a [slog.LogValuer]: slog.Any("error", err) logs the group
// error with kind, message, stack and the attributes of every layer, which
// slog's JSON handler writes as error.kind, error.message and error.stack,
// the attributes Datadog's Error Tracking reads. [LogValue] gives the same
// group for any error.
//
// For spans, [TypeName] gives an error.type that means something (the kind,
// or the type of the root cause) instead of *errors.Error or
// *fmt.wrapError, and [Stack] the stack of where the error was created,
// formatted like a Go traceback. %+v prints the text and that stack, which is
// what dd-trace-go copies into error.stack. ddx.RecordError applies the
// kind table to a span.
//
// # Cost
//
// Creating an error with a stack costs two allocations (the error with its
// attributes, and its program counters) besides the boxing of E's
// arguments, and is faster than github.com/pkg/errors.Wrapf; wrapping an
// error that already has a stack costs one small allocation and no stack
// walk. [KindOf]
// through six layers takes tens of nanoseconds and never allocates. The
// benchmarks, against pkg/errors and samber/oops, are in the bench module.
package errors
