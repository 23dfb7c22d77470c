package middleware

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"time"

	httptrace "github.com/DataDog/dd-trace-go/contrib/net/http/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/caller"
	"github.com/ddx-go/ddx/internal/status"
	"github.com/ddx-go/ddx/outcome"
)

// NewClient returns an *http.Client whose transport is
// Transport(http.DefaultTransport, opts...). It has no Timeout: give each
// call a context with a deadline, or set the client's Timeout.
//
// Its options ([ClientOption]): [WithService] (the client spans'
// service) and [WithErrorStatus] (which response statuses flag the client
// span as an error; by default 500–599, or
// DD_TRACE_HTTP_CLIENT_ERROR_STATUSES when set).
func NewClient(opts ...ClientOption) *http.Client {
	return &http.Client{Transport: Transport(nil, opts...)}
}

// Transport returns base (http.DefaultTransport when nil) instrumented for
// outbound calls:
//
//   - a client span per request and trace propagation in the request
//     headers, by dd-trace-go's contrib/net/http (its WrapRoundTripper). The
//     span's http.url has the values of query parameters named like
//     secrets replaced, by ddx's list (the logs' own: session, code, key,
//     sig, otp, ...) and by dd-trace-go's obfuscator
//     (DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP). Its
//     resource is "METHOD route" when the request's context carries a route
//     ([WithRoute]), else "METHOD host" ("GET payments.internal"); its name
//     is contrib's "http.request";
//   - a failed round trip (no response at all) returns an *errors.Error with
//     the transport's error as cause, the duration as an attribute and a
//     Kind: a refused or reset connection, a DNS failure or a connection
//     closed early is Unavailable, a timeout or the context's deadline
//     DeadlineExceeded, the caller's own cancel Canceled. It has no
//     operation: http.Client.Do's *url.Error around it names the call
//     already. The span records it by the Kind table (Canceled is not a span
//     error) under the operation "GET payments.internal/charges/{id}"
//     (method, host, route or path, never the query string).
//
// A response is a response, whatever its status: per the RoundTripper
// contract a 404 or a 503 comes back with a nil error. Whether a 404 from a
// dependency is a failure is the caller's decision; [CheckResponse] turns a
// status into a classified error when it is.
//
// http.Client.Do wraps these errors in *url.Error, so client.Do reads
//
//	Get "http://payments.internal/charges/42": dial tcp 10.0.0.5:443: connect: connection refused [duration=1.2ms]
//
// and errors.As finds both the *url.Error and the network error. That text
// has the full URL, query string included (where API keys often travel):
// send with [Do] to get the error named by the call's operation instead.
// When http.Client.Timeout fires,
// net/http replaces the error with its text: the Kind (DeadlineExceeded)
// survives, errors.As does not, so prefer a context deadline per call.
// Wrapping the result of Transport in Transport again does not trace twice.
func Transport(base http.RoundTripper, opts ...ClientOption) http.RoundTripper {
	if t, ok := base.(*clientTransport); ok {
		base = t.base
	}
	if base == nil {
		base = http.DefaultTransport
	}
	c := newConfig(opts, ClientOption.applyClient)
	topts := []httptrace.RoundTripperOption{
		// Propagation is contrib's default; said here because ddx relies on it.
		httptrace.WithPropagation(true),
		httptrace.WithResourceNamer(clientResource),
		httptrace.WithBefore(func(r *http.Request, span *tracer.Span) {
			if route := routeFrom(r.Context()); route != "" {
				span.SetTag(ext.HTTPRoute, route)
			}
		}),
		// Errors without a response are recorded by classifier, with their
		// Kind and creation stack; contrib would flag a caller's cancel too.
		httptrace.WithErrorCheck(func(error) bool { return false }),
		// Query parameters named like secrets by ddx's list, on http.url.
		httptrace.WithSpanOptions(redactURLTags),
	}
	if c.service != "" {
		topts = append(topts, httptrace.WithService(c.service))
	}
	if c.isError != nil {
		topts = append(topts, httptrace.WithStatusCheck(c.isError))
	} else {
		topts = append(topts, httptrace.WithStatusCheck(outcome.ErrorStatus(outcome.ClientErrorStatuses)))
	}
	return &clientTransport{
		base:   base,
		traced: httptrace.WrapRoundTripper(&classifier{base: base}, topts...),
	}
}

// clientTransport is what Transport returns; it remembers base so that
// Transport of a Transport does not trace twice.
type clientTransport struct {
	base   http.RoundTripper
	traced http.RoundTripper
}

func (t *clientTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.traced.RoundTrip(r)
}

// CloseIdleConnections closes the idle connections of the base transport,
// so http.Client.CloseIdleConnections keeps working through Transport.
func (t *clientTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// Unwrap returns the base transport.
func (t *clientTransport) Unwrap() http.RoundTripper { return t.base }

// classifier is the inner round tripper, inside contrib's span: it turns a
// failed round trip into a classified *errors.Error and records it on the
// span, and marks the request with its start time for CheckResponse.
type classifier struct {
	base http.RoundTripper
}

func (c *classifier) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	ctx := r.Context()
	// The response's Request is the one we pass on: CheckResponse finds the
	// start time there. A shallow copy, which RoundTripper allows.
	r = r.WithContext(context.WithValue(ctx, startKey{}, start))
	resp, err := c.base.RoundTrip(r)
	if err == nil {
		return resp, nil
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close() // a response with an error is not the caller's
	}
	// No operation of its own: http.Client.Do wraps what a RoundTripper
	// returns in *url.Error, whose text already says the method and URL
	// (Get "http://…": …), so the call is named once. Do, which removes
	// that layer, names it instead.
	err = errors.E(
		//lint:ignore SA1019 callers may still cancel through the deprecated field
		transportKind(ctx, r.Cancel, err),
		err,
		slog.Duration(outcome.AttrDuration, time.Since(start)),
		callerOutside,
	)
	if span, ok := tracer.SpanFromContext(ctx); ok {
		// The span's error.message names the call by its route, as Do's
		// error does: Error Tracking groups by it, and the raw URL of the
		// span's http.url has ids in it.
		v := outcome.Classify(errors.E(errors.Op(clientOp(r)), err))
		outcome.RecordError(span, v, !v.Kind.Expected(), "")
	}
	return nil, err
}

// callerOutside starts a failed round trip's stack at the code that sent
// the request: below it are only this package's transport, contrib's and
// net/http's client.
var callerOutside = caller.Outside{
	"github.com/ddx-go/ddx/middleware",
	"github.com/DataDog/dd-trace-go/contrib/net/http/v2",
	"net/http",
}

// transportKind classifies the error of a round trip that got no response.
// The caller's context comes first: if it is done, that is why. So does the
// request's Cancel channel: net/http closes it when http.Client.Timeout
// fires for a transport it does not know, such as this one, which can beat
// the context's own deadline and make the transport fail with a plain
// "request canceled".
func transportKind(ctx context.Context, cancel <-chan struct{}, err error) errors.Kind {
	if ctx != nil {
		switch ctx.Err() {
		case context.Canceled:
			return errors.Canceled
		case context.DeadlineExceeded:
			return errors.DeadlineExceeded
		}
	}
	if cancel != nil {
		select {
		case <-cancel:
			if ctx != nil {
				if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
					return errors.DeadlineExceeded
				}
			}
			return errors.Canceled
		default:
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return errors.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return errors.Canceled
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return errors.DeadlineExceeded
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.Unavailable
	}
	if _, ok := errors.AsType[*net.DNSError](err); ok {
		return errors.Unavailable
	}
	// A certificate the dependency presents and we reject will not get
	// better by retrying: a configuration problem, not an outage.
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return errors.Internal
	}
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
		return errors.Internal
	}
	if _, ok := errors.AsType[*net.OpError](err); ok {
		// Any other failure to reach the peer at the network level.
		return errors.Unavailable
	}
	return errors.Internal
}

// Do sends req with c, like c.Do, but returns a failure named by the
// call's operation (method, host, route or path) instead of net/http's
// *url.Error, whose text has the request's URL with its query string:
//
//	GET payments.internal/charges/{id}: dial tcp 10.0.0.5:443: connect: connection refused [duration=1.2ms]
//
// rather than
//
//	Get "http://payments.internal/charges/42?api_key=...": dial tcp ...
//
// The error is an *errors.Error with that operation around net/http's
// cause: through [Transport], Transport's error (its Kind and stack);
// otherwise (a client without Transport, a redirect refused by
// CheckRedirect, Timeout's flattened error) the cause classified the same
// way. errors.As still finds the network error, not the *url.Error. As with
// c.Do, a non-nil response comes with an error only when CheckRedirect
// failed.
func Do(c *http.Client, req *http.Request) (*http.Response, error) {
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err == nil {
		return resp, nil
	}
	ue, ok := errors.AsType[*url.Error](err)
	if !ok || ue.Err == nil || req == nil {
		return resp, err
	}
	op := errors.Op(clientOp(req))
	if _, ok := errors.AsType[*errors.Error](ue.Err); ok {
		// Transport's error: classified, with its stack; it only lacks
		// the name of the call, which *url.Error carried.
		return resp, errors.E(op, ue.Err)
	}
	return resp, errors.E(op, transportKind(req.Context(), nil, ue.Err), ue.Err)
}

// CheckResponse returns nil for a response with a status below 400, and
// otherwise an *errors.Error that says which call got which status:
//
//	GET payments.internal/charges/{id}: 404 Not Found [http.status_code=404 duration=12.3ms]
//
// Its Kind is the status's (internal/status: 404 NotFound, 409 Conflict,
// 429 TooManyRequests, 503 Unavailable, other 5xx Internal, ...), so
// returning it from a handler answers the same way, with the kind's generic
// public text: the dependency's name and status never reach the client. The
// duration is from sending the request to this call, when the request went
// through [Transport].
//
// Call it when a status is a failure for you; a 404 may well be an answer
// ("no such user") rather than an error. It does not read or close the body.
// A nil response gives nil.
func CheckResponse(resp *http.Response) error {
	if resp == nil {
		return nil
	}
	kind, bad := status.KindOfHTTP(resp.StatusCode)
	if !bad {
		return nil
	}
	text := resp.Status
	if text == "" {
		text = http.StatusText(resp.StatusCode)
	}
	attrs := make([]slog.Attr, 0, 2)
	attrs = append(attrs, slog.Int(outcome.AttrHTTPStatusCode, resp.StatusCode))
	op := "HTTP"
	if r := resp.Request; r != nil {
		op = clientOp(r)
		if start, ok := r.Context().Value(startKey{}).(time.Time); ok {
			attrs = append(attrs, slog.Duration(outcome.AttrDuration, time.Since(start)))
		}
	}
	return errors.E(errors.Op(op), kind, errors.New(text), attrs)
}

// WithRoute returns a copy of ctx that names the route of the outbound
// requests made with it, "/charges/{id}": [Transport] uses it for the span's
// resource and http.route, and in error operations in place of the raw path,
// so ids and tokens in paths stay out and spans group by endpoint.
func WithRoute(ctx context.Context, route string) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, routeKey{}, route)
}

type (
	routeKey struct{}
	startKey struct{}
)

func routeFrom(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	s, _ := ctx.Value(routeKey{}).(string)
	return s
}

// clientResource is the resource of a client span: "GET /charges/{id}" with
// a route, "GET payments.internal" without, the method and the host the
// call goes to (a raw path would make one resource per id). The span's name
// stays contrib's "http.request", as for every dd-trace-go HTTP client.
func clientResource(r *http.Request) string {
	if route := routeFrom(r.Context()); route != "" {
		return clientMethod(r) + " " + route
	}
	return clientMethod(r) + " " + clientHost(r)
}

// clientOp is the operation of a client error: method, host, and the route
// or else the path; never the query string or user info.
func clientOp(r *http.Request) string {
	path := routeFrom(r.Context())
	if path == "" && r.URL != nil {
		path = r.URL.Path
	}
	return clientMethod(r) + " " + clientHost(r) + path
}

// clientHost is the host (and port) a request goes to, never its user info.
func clientHost(r *http.Request) string {
	if u := r.URL; u != nil && u.Host != "" {
		return u.Host
	}
	return r.Host
}

func clientMethod(r *http.Request) string {
	if r.Method == "" {
		return http.MethodGet
	}
	return r.Method
}
