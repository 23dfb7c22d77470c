package outcome

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"
	"unicode/utf8"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	ddhttptrace "github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/caller"
	"github.com/ddx-go/ddx/internal/redact"
	"github.com/ddx-go/ddx/internal/status"
)

// Datadog standard attribute names used by access-log lines. Dotted keys are
// what Datadog's log pipeline treats as the nested standard attributes.
// They are package attr's, the one vocabulary, under the names
// integrations already use.
const (
	AttrHTTPMethod     = attr.HTTPMethod
	AttrHTTPStatusCode = attr.HTTPStatusCode
	AttrHTTPURLPath    = attr.HTTPURLPath
	AttrHTTPRoute      = attr.HTTPRoute
	AttrHTTPUserAgent  = attr.HTTPUserAgent
	AttrHTTPRequestID  = attr.HTTPRequestID
	AttrClientIP       = attr.ClientIP
	AttrDuration       = attr.Duration // nanoseconds, as Datadog expects
	// AttrError is the key the ddx handler expands into error.kind,
	// error.message and error.stack.
	AttrError = attr.Error
)

// HTTPAccessMessage is the message of every HTTP access line: the
// attributes say the rest, and a constant message groups well in Datadog's
// log patterns.
const HTTPAccessMessage = "http request"

// HTTPAccessAttrs appends the attributes of an HTTP access line to buf, in
// the order every line has them: method, status, path, then the route, user
// agent, client IP and request id when known, and the duration. The error,
// if any, is LogAt's to add. Pass a buffer of ten on the stack and nothing
// is allocated.
func HTTPAccessAttrs(buf []slog.Attr, r *http.Request, code int, route string, d time.Duration) []slog.Attr {
	// What the client sends is bounded (see MaxUserAgent): an INFO line
	// must not be the size of a request header.
	buf = append(buf,
		slog.String(AttrHTTPMethod, HTTPMethod(r.Method, r.Pattern)),
		slog.Int(AttrHTTPStatusCode, code),
		slog.String(AttrHTTPURLPath, TruncateUTF8(RequestPath(r), MaxPath)),
	)
	if route != "" {
		buf = append(buf, slog.String(AttrHTTPRoute, route))
	}
	// The keys are canonical already: indexing spares Get's canonicalizing.
	if ua := first(r.Header["User-Agent"]); ua != "" {
		buf = append(buf, slog.String(AttrHTTPUserAgent, TruncateUTF8(ua, MaxUserAgent)))
	}
	if ip := ClientIP(r.RemoteAddr); ip != "" {
		buf = append(buf, slog.String(AttrClientIP, ip))
	}
	if id := first(r.Header["X-Request-Id"]); id != "" {
		buf = append(buf, slog.String(AttrHTTPRequestID, TruncateUTF8(id, MaxRequestID)))
	}
	return append(buf, slog.Int64(AttrDuration, int64(d)))
}

// The bounds of what a client controls on an access line and a span, in
// bytes; a longer value is cut on a rune boundary and ends in "...", as the
// Datadog Agent marks what it truncates. The Agent's own limits are 5,000
// bytes for a resource and 25,000 for a tag's value (datadog-agent
// pkg/trace: MaxResourceLen, MaxMetaValLen); ddx's are far below them,
// because a real User-Agent is under 300 bytes, a request id under 100,
// and an INFO line per request is written for every one.
const (
	MaxUserAgent      = 512
	MaxRequestID      = 128
	MaxPath           = 2048 // on the line; the span's http.url is the Agent's to cut
	MaxMethodOriginal = 64   // http.request.method_original, beside an _OTHER method
)

// OtherMethod is the one method name of every method HTTP does not define
// and the service does not route: OpenTelemetry's semantic conventions
// name it so, and it keeps a client from making a resource per invented
// method.
const OtherMethod = "_OTHER"

// HTTPMethod is method when HTTP defines it (RFC 9110's eight and PATCH,
// as net/http's constants) or when pattern, the request's route, is
// registered for it ("PROPFIND /dav" on a ServeMux); OtherMethod otherwise.
func HTTPMethod(method, pattern string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	if method != "" && len(pattern) > len(method) && pattern[len(method)] == ' ' && pattern[:len(method)] == method {
		return method
	}
	return OtherMethod
}

// TruncateUTF8 returns s cut to at most n bytes, without splitting a rune,
// followed by "..." when it was cut.
func TruncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// RequestPath is r.URL.Path, tolerating a Request without URL.
func RequestPath(r *http.Request) string {
	if r.URL == nil {
		return ""
	}
	return r.URL.Path
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// Logger returns l, or slog.Default() when l is nil. Resolved per call, not
// at construction, so a program that sets the default logger after building
// its middleware (ddx.Start does) still gets it.
func Logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}

// Verdict is the error of an exchange classified once: its Kind and Code,
// which the status, the problem body, the span's error tags and the log
// level all follow. Classifying walks the error's chain, so an integration
// classifies an error when it keeps it and passes the Verdict on. The zero
// Verdict is a success.
type Verdict struct {
	Err  error
	Kind errors.Kind // errors.KindOf(Err); Other for a nil Err
	Code errors.Code // errors.CodeOf(Err)
}

// Classify classifies err: one walk for its kind, one for its code.
func Classify(err error) Verdict {
	if err == nil {
		return Verdict{}
	}
	return Verdict{Err: err, Kind: errors.KindOf(err), Code: errors.CodeOf(err)}
}

// ClassifyIn classifies err as the outcome of serving a request (or
// running a job) whose context is ctx: as [Classify] does, except that
// Canceled means the caller went away only when ctx says so. A Canceled
// error while ctx is not done comes from inside the server (a handler that
// returned the error of a context it derived and canceled, a library's own
// context.Canceled), while the client still waits for an answer: that is a
// real failure, Internal (500, ERROR, an error span), where a 499 with no
// error would make it invisible. Its message says so; its stack is err's.
// A nil ctx cannot tell, and changes nothing.
func ClassifyIn(ctx context.Context, err error) Verdict {
	v := Classify(err)
	if v.Kind != errors.Canceled || ctx == nil || ctx.Err() != nil {
		return v
	}
	// Not wrapped: the chain's Canceled, innermost, would win again.
	own := errors.E(errors.Internal, "canceled inside the server while the client waited: "+err.Error(),
		caller.Stack(caller.StackOf(err)))
	return Verdict{Err: own, Kind: errors.Internal, Code: v.Code}
}

// Level is the log level of an outcome without a transport status: a
// success is INFO, a client that went away is INFO, other expected kinds
// WARN, the rest ERROR (the Kind table).
func Level(v Verdict) slog.Level {
	if v.Err == nil {
		return slog.LevelInfo
	}
	return status.Level(v.Kind)
}

// LevelHTTP is the level of a finished HTTP exchange. The status decides
// first, so that the line agrees with what the client got: 5xx ERROR, 499
// INFO. Below that the error decides when there is one (an unexpected
// failure after a 200 was sent is ERROR, a NotFound WARN), and the status
// otherwise (other 4xx WARN, the rest INFO).
func LevelHTTP(code int, v Verdict) slog.Level {
	switch {
	case code >= 500:
		return slog.LevelError
	case code == status.StatusClientClosedRequest:
		return slog.LevelInfo
	case v.Err != nil:
		return Level(v)
	case code >= 400:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}

// HTTP decides a finished HTTP exchange by the Kind table: whether its
// span is an error and its log level. A panic is an error and ERROR. Else
// the span is an error when isError says so of the status, or when an
// unexpected failure makes the line ERROR under a status that cannot say
// so (the answer had started: a 200 cut short, an Error after the header),
// so that with the default statuses the span is an error exactly when the
// line is ERROR.
func HTTP(code int, v Verdict, panicked bool, isError func(int) bool) (flag bool, level slog.Level) {
	if panicked {
		return true, slog.LevelError
	}
	level = LevelHTTP(code, v)
	late := code < 500 && level == slog.LevelError // only an unexpected error gets there
	return isError(code) || late, level
}

// Log writes one access-log line through l with ctx, so the ddx handler
// adds dd.trace_id/dd.span_id of the span in ctx. A non-nil err is added as
// the "error" attribute. Callers should check l.Enabled first when building
// attrs costs anything.
func Log(ctx context.Context, l *slog.Logger, level slog.Level, msg string, err error, attrs []slog.Attr) {
	LogAt(ctx, l, time.Now(), level, msg, err, attrs)
}

// LogAt is Log with the record's time given. It hands the record to l's
// handler directly: slog.Logger would also record the caller's program
// counter, a third of a microsecond that buys a "source" pointing into the
// middleware, which says nothing about the request.
func LogAt(ctx context.Context, l *slog.Logger, now time.Time, level slog.Level, msg string, err error, attrs []slog.Attr) {
	if ctx == nil {
		ctx = context.Background()
	}
	r := slog.NewRecord(now, level, msg, 0)
	r.AddAttrs(attrs...)
	if err != nil {
		r.AddAttrs(slog.Any(AttrError, err))
	}
	_ = l.Handler().Handle(ctx, r) // a logging failure must not fail the request
}

// ClientGone reports whether ctx ended because the caller went away (as
// opposed to a deadline), which is a 499/Canceled, not a failure.
func ClientGone(ctx context.Context) bool {
	return ctx != nil && ctx.Err() == context.Canceled
}

// PanicError turns a recovered panic value into an Internal error, "panic:
// <what was panicked>", whose stack is the panicking goroutine's, including
// the frame that panicked. Call it directly from the deferred function that
// recovered; an integration that names the operation (gRPC: the method)
// wraps the result with its errors.Op.
//
// A panic is Internal whatever it carries: an error of an expected kind
// (errors.E(errors.NotFound, ...), context.Canceled) that is panicked rather
// than returned is a bug, and the innermost-kind rule would otherwise answer
// it with a 404 or a 499 and no span error. Such an error is kept as its
// text without attribute values (errors.Message), its attributes as the
// new error's, so that error.message is the same on every occurrence.
//
// Any other value is written as fmt prints it, after the secrets inside
// are redacted as in a logged attribute value: a panic with a map, a
// struct, an http.Header or url.Values whose keys or fields name secrets
// (password, token, Authorization, api_key, ...) reads
// "panic: map[Authorization:[REDACTED] ...]". The list is ddx's built-in
// one; names added with ddx.WithRedactKeys are matched by the log handler
// in attribute keys, not inside this text. Secrets in free text (a panic
// with a string, an error's own text) are not found.
func PanicError(p any) error {
	err, ok := p.(error)
	switch {
	case ok && errors.KindOf(err) == errors.Internal:
		return errors.E(errors.Internal, errors.Op("panic"), err)
	case ok:
		return errors.E(errors.Internal, errors.Op("panic"), errors.Message(err), errors.Attrs(err))
	default:
		if r, changed := redact.Redact(p); changed {
			p = r
		}
		return errors.E(errors.Internal, errors.Op("panic"), safeSprint(p))
	}
}

// safeSprint is fmt.Sprint, which recovers from a panicking String or
// Error method itself; the recover here is for what fmt does not catch.
func safeSprint(p any) (s string) {
	defer func() {
		if recover() != nil {
			s = "(a value whose printing panicked)"
		}
	}()
	return fmt.Sprint(p)
}

// RecordError records v's error on span as ddx.RecordError does, from the
// Verdict instead of walking the chain again: error.kind always, error.code
// and error.fingerprint when it has a Code, and error.message, error.type
// and error.stack for unexpected kinds. Then flag has the last word on the
// span's error flag, so a user's status predicate can make a 404 an error
// (with the message, type and stack) or a 503 not one. With a nil error and
// flag set, the span is marked with a plain "<code>: <text>"-style message
// from fallback.
func RecordError(span *tracer.Span, v Verdict, flag bool, fallback string) {
	if span == nil {
		return
	}
	err := v.Err
	if err == nil {
		if flag {
			span.SetTag(ext.Error, true)
			span.SetTag(ext.ErrorMsg, fallback)
			span.SetTag(ext.ErrorType, "http.status")
		}
		return
	}
	span.SetTag(attr.ErrorKind, v.Kind.String())
	if v.Code != "" {
		span.SetTag(attr.ErrorCode, string(v.Code))
		span.SetTag(attr.ErrorFingerprint, string(v.Code))
	}
	expected := v.Kind.Expected()
	if expected && !flag {
		return
	}
	stack := errors.Stack(err)
	if stack == "" && !expected {
		// A plain error carries no creation stack: where it is recorded is
		// the next best thing, and Error Tracking ignores spans without one.
		stack = errors.Stack(errors.E(err))
	}
	span.SetTag(ext.ErrorMsg, errors.Message(err))
	if stack != "" {
		span.SetTag(ext.ErrorStack, stack)
	}
	span.SetTag(ext.ErrorType, errors.TypeName(err))
	span.SetTag(ext.Error, flag)
}

// ServerErrorStatuses and ClientErrorStatuses are dd-trace-go's variables
// for which HTTP statuses flag a span as an error.
const (
	ServerErrorStatuses = "DD_TRACE_HTTP_SERVER_ERROR_STATUSES"
	ClientErrorStatuses = "DD_TRACE_HTTP_CLIENT_ERROR_STATUSES"
)

// ErrorStatus is which HTTP statuses flag a span as an error by default:
// those the variable env lists (ServerErrorStatuses or
// ClientErrorStatuses), else 500–599, as the Kind table says.
func ErrorStatus(env string) func(int) bool {
	if fn := ddhttptrace.GetErrorCodesFromInput(os.Getenv(env)); fn != nil {
		return fn
	}
	return func(code int) bool { return code >= 500 && code < 600 }
}

// ClientIP is the host part of a peer address ("10.0.0.5:41234", "[::1]:80"),
// or the address as is when it has no port. Forwarding headers are not
// trusted: any client can set them. Behind a proxy, put one that rewrites
// the peer address in front, or read X-Forwarded-For from the span, which
// dd-trace-go resolves when DD_TRACE_CLIENT_IP_ENABLED is set.
func ClientIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
