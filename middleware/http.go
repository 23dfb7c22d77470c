package middleware

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	httptrace "github.com/DataDog/dd-trace-go/contrib/net/http/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/DataDog/dd-trace-go/v2/instrumentation"
	ddhttptrace "github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/redact"
	"github.com/ddx-go/ddx/internal/status"
	"github.com/ddx-go/ddx/outcome"
)

// Wrap returns h instrumented the ddx way: a span per request through
// dd-trace-go's contrib/net/http (propagation included), panic recovery,
// errors from [HandlerFunc] and [Error] turned into problem+json answers and
// recorded on the span, and one access-log line per request. Requests to the
// health paths (see [WithHealthPaths]) get no span and no log line. See the
// package documentation for what is recorded and for ordering.
//
// Wrap panics if h is nil or an option is invalid: both are programmer errors
// found at start-up.
func Wrap(h http.Handler, opts ...ServerOption) http.Handler {
	if h == nil {
		panic("ddx/middleware: Wrap of a nil http.Handler")
	}
	c := newConfig(opts, ServerOption.applyServer)
	s := &server{
		h:       h,
		cfg:     c,
		health:  c.healthPathSet(),
		isError: c.isError,
	}
	if s.isError == nil {
		s.isError = outcome.ErrorStatus(outcome.ServerErrorStatuses)
	}
	// A router that can say which pattern a request will match (a
	// *http.ServeMux, or contrib's ServeMux around one) names the span's
	// resource at start, where sampling rules and the profiler's endpoint
	// labels look at it. Other handlers get it when they return, from the
	// Request.Pattern the mux sets in place.
	if rt, ok := h.(router); ok {
		s.router = rt
	}
	_, s.mux = h.(*http.ServeMux)
	return s
}

// router is implemented by *http.ServeMux.
type router interface {
	Handler(r *http.Request) (h http.Handler, pattern string)
}

// server is the handler Wrap returns. It is immutable after Wrap.
type server struct {
	h       http.Handler
	cfg     config
	health  map[string]struct{}
	isError func(status int) bool
	router  router
	mux     bool // h is a *http.ServeMux, whose own 404 and 405 Wrap answers
}

// neverStatusError keeps contrib from marking the span from the status
// alone: it would overwrite the richer error.* that recordError sets. The
// exchange decides the flag itself, before contrib finishes the span.
func neverStatusError(int) bool { return false }

// netHTTP is contrib/net/http's instrumentation, the source of the
// DD_TRACE_HEADER_TAGS configuration it uses.
var netHTTP = instrumentation.Load(instrumentation.PackageNetHTTP)

// headerTags collects the span tags DD_TRACE_HEADER_TAGS asks for, without
// the headers that carry credentials, so a broad configuration cannot put a
// token on a span. It replaces httptrace.HeaderTagsFromRequest, which
// allocates even when nothing is configured; collectors are pooled and their
// visit func is bound once, so a request without header tags costs nothing.
type headerTags struct {
	h     http.Header
	tags  []headerTag
	visit func(header, tag string)
}

type headerTag struct{ key, value string }

var headerTagsPool = sync.Pool{New: func() any {
	c := new(headerTags)
	c.visit = c.add
	return c
}}

func (c *headerTags) add(header, tag string) {
	if redact.Key(header) {
		return
	}
	vs, ok := c.h[header]
	if !ok {
		return
	}
	// Each value is scrubbed on its own, before they are joined: a header
	// with a harmless name can still carry a URL with a secret in its query
	// (Referer, X-Original-URL), and a ',' would hide a second one.
	var v string
	if len(vs) == 1 {
		v = redactHeaderValue(vs[0])
	} else {
		scrubbed := make([]string, len(vs))
		for i, s := range vs {
			scrubbed[i] = redactHeaderValue(s)
		}
		v = strings.Join(scrubbed, ",")
	}
	c.tags = append(c.tags, headerTag{tag, strings.TrimSpace(v)})
}

// headerTagsOption returns the span option tagging r's configured headers,
// or nil when there are none.
func headerTagsOption(r *http.Request) tracer.StartSpanOption {
	ht := netHTTP.HTTPHeadersAsTags()
	if l, ok := ht.(interface{ Len() int }); ok && l.Len() == 0 {
		return nil // never nil: dd-trace-go returns its (empty) map
	}
	c := headerTagsPool.Get().(*headerTags)
	c.h = r.Header
	ht.Iter(c.visit)
	var opt tracer.StartSpanOption
	if len(c.tags) > 0 {
		tags := append([]headerTag(nil), c.tags...)
		opt = func(cfg *tracer.StartSpanConfig) {
			if cfg.Tags == nil {
				cfg.Tags = make(map[string]any, len(tags))
			}
			for _, t := range tags {
				cfg.Tags[t.key] = t.value
			}
		}
	}
	c.h, c.tags = nil, c.tags[:0]
	headerTagsPool.Put(c)
	return opt
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{srv: s, start: time.Now()}
	x.rw.x = x
	if _, ok := s.health[outcome.RequestPath(r)]; ok {
		x.serveUntraced(w, r)
		return
	}
	// An unknown method is one bucket, or a client makes a resource per
	// method it invents (see outcome.HTTPMethod).
	pattern := ""
	if s.router != nil {
		_, pattern = s.router.Handler(r)
		x.route = routeOf(pattern)
		x.routeKnown = true
	}
	x.method = outcome.HTTPMethod(r.Method, pattern)
	resource := resourceOf(x.method, pattern, x.route)
	// The span starts when the exchange did, and finish ends it when the
	// access line's duration ends: one measure for both.
	so := append(x.spanOpts[:0], redactURLTags, tracer.StartTime(x.start))
	if x.method != r.Method || len(first(r.Header["User-Agent"])) > outcome.MaxUserAgent {
		so = append(so, x.boundTags) // only then: the method value costs an allocation
	}
	if opt := headerTagsOption(r); opt != nil {
		so = append(so, opt)
	}
	x.cfg = ddhttptrace.ServeConfig{
		Service:       s.cfg.service,
		ServiceSource: serviceSource(s.cfg.service),
		Framework:     "net/http",
		Resource:      resource,
		Route:         x.route,
		RouteSet:      x.routeKnown,
		SpanOpts:      so,
		IsStatusError: neverStatusError,
	}
	x.interim = w
	httptrace.TraceAndServe(x, w, r, &x.cfg)
}

// boundTags is a span option that runs after contrib's own: the method
// tag is the resource's (outcome.HTTPMethod), with the original, cut, in
// http.request.method_original when it was replaced, as OpenTelemetry's
// conventions do; the User-Agent is cut at outcome.MaxUserAgent.
func (x *exchange) boundTags(cfg *tracer.StartSpanConfig) {
	if cfg.Tags == nil {
		return
	}
	if m, ok := cfg.Tags[ext.HTTPMethod].(string); ok && m != x.method {
		cfg.Tags[ext.HTTPMethod] = x.method
		cfg.Tags[ext.HTTPRequestMethodOriginal] = outcome.TruncateUTF8(m, outcome.MaxMethodOriginal)
	}
	if m, ok := cfg.Tags[ext.HTTPRequestMethodOriginal].(string); ok {
		cfg.Tags[ext.HTTPRequestMethodOriginal] = outcome.TruncateUTF8(m, outcome.MaxMethodOriginal)
	}
	for _, k := range [...]string{ext.HTTPUserAgent, ext.UserAgentOriginal} {
		if ua, ok := cfg.Tags[k].(string); ok && len(ua) > outcome.MaxUserAgent {
			cfg.Tags[k] = outcome.TruncateUTF8(ua, outcome.MaxUserAgent)
		}
	}
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func serviceSource(service string) string {
	if service == "" {
		return ""
	}
	return "opt.ddx_middleware"
}

// resourceOf is "METHOD route", or the method alone without a route. The
// common pattern "GET /users/{id}" serving a GET is its own resource: no
// string to build.
func resourceOf(method, pattern, route string) string {
	if route == "" {
		return method
	}
	if len(pattern) == len(method)+1+len(route) && pattern[len(method)] == ' ' &&
		pattern[:len(method)] == method && pattern[len(method)+1:] == route {
		return pattern
	}
	return method + " " + route
}

// routeOf turns a ServeMux pattern into the route of the resource name:
// without the method, like contrib does ("GET /users/{id}" → "/users/{id}";
// a host stays), and without the "{$}" end anchor, which says nothing to a
// reader.
func routeOf(pattern string) string {
	if i := strings.IndexAny(pattern, " \t"); i > 0 {
		pattern = strings.TrimLeft(pattern[i+1:], " \t")
	}
	if strings.HasSuffix(pattern, "/{$}") {
		pattern = pattern[:len(pattern)-len("{$}")]
	}
	return pattern
}

// exchange is one request in flight: everything Wrap needs per request sits
// in this one allocation.
type exchange struct {
	srv        *server
	req        *http.Request // as the handler got it: the mux sets its Pattern
	start      time.Time
	rw         responseWriter
	interim    http.ResponseWriter // the writer below the tracer's, for 1xx answers
	cfg        ddhttptrace.ServeConfig
	route      string
	routeKnown bool
	method     string          // the span's: outcome.HTTPMethod of the request's
	v          outcome.Verdict // the error from Error, a HandlerFunc or a recovered panic, classified once
	panicked   bool
	// The span's start and finish options live here, not in allocations of
	// their own; contrib reads cfg.FinishOpts when it finishes the span.
	spanOpts  [4]tracer.StartSpanOption
	finishOpt [1]tracer.FinishOption
}

// setError keeps the first error reported for the request: later ones are
// usually consequences (a failed write after a failed query). It is
// classified once, here, for the span, the log level and the access line.
func (x *exchange) setError(err error) {
	if x.v.Err == nil {
		var ctx context.Context
		if x.req != nil {
			ctx = x.req.Context()
		}
		x.v = outcome.ClassifyIn(ctx, err)
	}
}

// setVerdict is setError for an error its caller has classified already.
func (x *exchange) setVerdict(v outcome.Verdict) {
	if x.v.Err == nil {
		x.v = v
	}
}

// ServeHTTP runs inside contrib's span: w and r are the traced ones.
func (x *exchange) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x.rw.ResponseWriter = w
	x.req = r
	abort := false
	defer func() {
		if p := recover(); p != nil {
			if isAbort(p) {
				// The handler aborted the response on purpose; net/http
				// expects to see the sentinel again and drops the connection.
				x.finish(r, true)
				panic(p)
			}
			abort = x.recovered(r, p)
		}
		x.finish(r, false)
		if abort {
			// The status line was already sent: a 500 is impossible, and a
			// silently truncated "success" would be worse than a broken
			// connection, so make net/http abort it.
			panic(http.ErrAbortHandler)
		}
	}()
	x.srv.h.ServeHTTP(&x.rw, r)
}

// serveUntraced serves a health check: no span and no access log, but the
// same recovery and the same error answers.
func (x *exchange) serveUntraced(w http.ResponseWriter, r *http.Request) {
	x.rw.ResponseWriter = w
	x.req = r
	defer func() {
		if p := recover(); p != nil {
			if isAbort(p) {
				panic(p)
			}
			abort := x.recovered(r, p)
			// A panicking health check is a bug, not traffic: log it.
			x.srv.cfg.log().LogAttrs(r.Context(), slog.LevelError, "panic in health check",
				slog.String(outcome.AttrHTTPMethod, r.Method),
				slog.String(outcome.AttrHTTPURLPath, outcome.RequestPath(r)),
				slog.Any(outcome.AttrError, x.v.Err))
			if abort {
				panic(http.ErrAbortHandler)
			}
		}
	}()
	x.srv.h.ServeHTTP(&x.rw, r)
}

// recovered turns a panic into a 500 problem answer when nothing was sent
// yet. It reports whether the response must be aborted instead.
func (x *exchange) recovered(r *http.Request, p any) (abort bool) {
	x.v = outcome.Classify(outcome.PanicError(p)) // a panic outranks an error reported before it
	x.panicked = true
	if x.rw.wroteHeader {
		return true
	}
	outcome.WriteProblem(&x.rw, r, http.StatusInternalServerError, x.v)
	return false
}

// finish settles the status, names the resource if the router told us only
// now, decides the span's error flag and writes the access-log line. It runs
// before contrib finishes the span, so the log line carries its ids and our
// error.* tags are the last word.
func (x *exchange) finish(r *http.Request, aborted bool) {
	// The request's one duration: from Wrap's first look at it to the end
	// of the handler. The access line says it and the span lasts exactly as
	// long; recording the outcome below is not part of it.
	now := time.Now()
	d := now.Sub(x.start)
	x.finishOpt[0] = tracer.FinishTime(x.start.Add(d))
	x.cfg.FinishOpts = x.finishOpt[:]

	ctx := r.Context()
	code := x.rw.status
	if aborted {
		// http.ErrAbortHandler: the handler cut the response on purpose,
		// usually because the client or the upstream it proxies went away.
		if outcome.ClientGone(ctx) {
			x.setError(errors.E(errors.Canceled, "response aborted", http.ErrAbortHandler))
		} else {
			x.setError(errors.E(errors.Internal, "response aborted", http.ErrAbortHandler))
		}
		if code == 0 {
			// Nothing was sent, and nothing will be: net/http cuts the
			// connection. The tracer's writer is told the status the line
			// records (net/http holds a header until the first write, so it
			// goes nowhere), or the span would say 200.
			code = status.HTTP(x.v.Kind, false)
			x.rw.ResponseWriter.WriteHeader(code)
			x.rw.status, x.rw.wroteHeader = code, true
		}
	}
	if code == 0 {
		if outcome.ClientGone(ctx) {
			// Nothing was sent and nobody is listening: record the
			// request as the client's doing. The write goes nowhere, but
			// contrib's writer sees it and tags the span with 499.
			x.rw.WriteHeader(status.StatusClientClosedRequest)
			code = status.StatusClientClosedRequest
		} else {
			code = http.StatusOK // what net/http sends for an empty answer
		}
	}
	span, _ := tracer.SpanFromContext(ctx)
	if !x.routeKnown {
		if x.route = routeOf(r.Pattern); x.route != "" && span != nil {
			if m := outcome.HTTPMethod(r.Method, r.Pattern); m != x.method {
				x.method = m // a route registered for the method: it is the service's own
				span.SetTag(ext.HTTPMethod, m)
			}
			span.SetTag(ext.ResourceName, resourceOf(x.method, r.Pattern, x.route))
			span.SetTag(ext.HTTPRoute, x.route)
		}
	}
	flag, level := outcome.HTTP(code, x.v, x.panicked, x.srv.isError)
	if span != nil {
		fallback := ""
		if flag && x.v.Err == nil {
			fallback = strconv.Itoa(code) + ": " + http.StatusText(code)
		}
		outcome.RecordError(span, x.v, flag, fallback)
	}

	l := x.srv.cfg.log()
	if !l.Enabled(ctx, level) {
		return
	}
	var buf [10]slog.Attr
	attrs := outcome.HTTPAccessAttrs(buf[:0], r, code, x.route, d)
	outcome.LogAt(ctx, l, now, level, outcome.HTTPAccessMessage, x.v.Err, attrs)
}
