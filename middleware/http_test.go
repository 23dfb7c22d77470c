package middleware_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
)

// leak is internal text that must never reach a client.
const leak = "10.0.0.5:5432 password=hunter2"

// testMux has one route per status class the middleware must handle.
func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	mux.Handle("GET /users/{id}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		switch id := r.PathValue("id"); id {
		case "1":
			return json.NewEncoder(w).Encode(map[string]string{"id": id})
		case "abc":
			return errors.E(errors.Op("users.Get"), errors.Invalid, "id must be a number")
		default:
			return errors.E(errors.Op("users.Get"), errors.NotFound, "user "+id+" not found")
		}
	}))
	mux.Handle("GET /orders/{id}", middleware.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
		return errors.E(errors.Op("orders.Get"), errors.Unavailable, "call payments",
			&net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("connect %s: connection refused", leak)})
	}))
	mux.Handle("GET /plain", middleware.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
		return fmt.Errorf("query failed: %s", leak)
	}))
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) {
		panic("boom: " + leak)
	})
	mux.HandleFunc("GET /panic-error", func(http.ResponseWriter, *http.Request) {
		var m map[string]int
		//lint:ignore SA5000 a runtime error, the classic nil map write
		m["x"]++
	})
	mux.Handle("PUT /docs/{id}", middleware.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
		return errors.E(errors.FailedPrecondition, "document changed since you read it")
	}))
	mux.HandleFunc("GET /teapot", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	mux.HandleFunc("GET /raw500", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "broken", http.StatusInternalServerError)
	})
	mux.Handle("GET /throttle", middleware.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
		return errors.E(errors.TooManyRequests, "slow down")
	}))
	mux.Handle("GET /unimplemented", middleware.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
		return errors.E(errors.Unimplemented, "later")
	}))
	mux.Handle("GET /slow", middleware.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
		return fmt.Errorf("inventory: %w", context.DeadlineExceeded)
	}))
	mux.HandleFunc("GET /empty", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /gone", http.NotFound)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	return mux
}

// wantProblem is the problem document a case expects; nil for none.
type wantProblem struct {
	title, detail string
}

func TestWrapStatusTable(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Records{}
	h := middleware.Wrap(testMux(), middleware.WithLogger(slog.New(logs)))

	tests := []struct {
		name      string
		method    string
		target    string
		header    http.Header
		code      int
		problem   *wantProblem
		resource  string
		route     string
		spanError bool
		errorKind string // span and log error kind, "" for none
		level     slog.Level
		allow     string // the Allow header of a 405
		text      string // a plain-text body that must be left alone
	}{
		{name: "ok", target: "/ok", code: 200, resource: "GET /ok", route: "/ok", level: slog.LevelInfo},
		{name: "empty answer is 200", target: "/empty", code: 200, resource: "GET /empty", route: "/empty", level: slog.LevelInfo},
		{name: "user found", target: "/users/1", code: 200, resource: "GET /users/{id}", route: "/users/{id}", level: slog.LevelInfo},
		{
			name: "invalid is 400", target: "/users/abc", code: 400,
			problem:  &wantProblem{"Bad Request", "id must be a number"},
			resource: "GET /users/{id}", route: "/users/{id}", errorKind: "Invalid", level: slog.LevelWarn,
		},
		{
			name: "not found is 404", target: "/users/7", code: 404,
			problem:  &wantProblem{"Not Found", "user 7 not found"},
			resource: "GET /users/{id}", route: "/users/{id}", errorKind: "NotFound", level: slog.LevelWarn,
		},
		{
			name: "unavailable is 503 with a generic detail", target: "/orders/9", code: 503,
			problem:  &wantProblem{"Service Unavailable", "service unavailable"},
			resource: "GET /orders/{id}", route: "/orders/{id}", spanError: true, errorKind: "Unavailable", level: slog.LevelError,
		},
		{
			name: "plain error is 500", target: "/plain", code: 500,
			problem:  &wantProblem{"Internal Server Error", "internal error"},
			resource: "GET /plain", route: "/plain", spanError: true, errorKind: "Internal", level: slog.LevelError,
		},
		{
			name: "panic is 500", target: "/panic", code: 500,
			problem:  &wantProblem{"Internal Server Error", "internal error"},
			resource: "GET /panic", route: "/panic", spanError: true, errorKind: "Internal", level: slog.LevelError,
		},
		{
			name: "runtime error panic is 500", target: "/panic-error", code: 500,
			problem:  &wantProblem{"Internal Server Error", "internal error"},
			resource: "GET /panic-error", route: "/panic-error", spanError: true, errorKind: "Internal", level: slog.LevelError,
		},
		{
			name: "failed precondition is 400", method: "PUT", target: "/docs/1", code: 400,
			problem:  &wantProblem{"Bad Request", "document changed since you read it"},
			resource: "PUT /docs/{id}", route: "/docs/{id}", errorKind: "FailedPrecondition", level: slog.LevelWarn,
		},
		{
			name: "failed precondition of a conditional request is 412", method: "PUT", target: "/docs/1",
			header: http.Header{"If-Match": {`"v1"`}}, code: 412,
			problem:  &wantProblem{"Precondition Failed", "document changed since you read it"},
			resource: "PUT /docs/{id}", route: "/docs/{id}", errorKind: "FailedPrecondition", level: slog.LevelWarn,
		},
		{
			name: "too many requests is 429", target: "/throttle", code: 429,
			problem:  &wantProblem{"Too Many Requests", "slow down"},
			resource: "GET /throttle", route: "/throttle", errorKind: "TooManyRequests", level: slog.LevelWarn,
		},
		{
			name: "unimplemented is 501", target: "/unimplemented", code: 501,
			problem:  &wantProblem{"Not Implemented", "not implemented"},
			resource: "GET /unimplemented", route: "/unimplemented", spanError: true, errorKind: "Unimplemented", level: slog.LevelError,
		},
		{
			name: "deadline exceeded is 504", target: "/slow", code: 504,
			problem:  &wantProblem{"Gateway Timeout", "deadline exceeded"},
			resource: "GET /slow", route: "/slow", spanError: true, errorKind: "DeadlineExceeded", level: slog.LevelError,
		},
		{name: "4xx written directly is a warning, not a span error", target: "/teapot", code: 418, resource: "GET /teapot", route: "/teapot", level: slog.LevelWarn},
		{name: "5xx written directly is a span error", target: "/raw500", code: 500, resource: "GET /raw500", route: "/raw500", spanError: true, level: slog.LevelError},
		{
			name: "unmatched path is named by its method only, the mux's 404 a problem", target: "/no/such/path/42", code: 404,
			problem:  &wantProblem{"Not Found", "nothing is served at this path"},
			resource: "GET", errorKind: "NotFound", level: slog.LevelWarn,
		},
		{
			name: "wrong method is the mux's 405 as a problem, with Allow", method: "DELETE", target: "/ok", code: 405,
			problem: &wantProblem{"Method Not Allowed", "this method is not allowed here"},
			allow:   "GET, HEAD", resource: "DELETE", errorKind: "Invalid", level: slog.LevelWarn,
		},
		{name: "a handler's own http.NotFound stays its own", target: "/gone", code: 404, text: "404 page not found\n", resource: "GET /gone", route: "/gone", level: slog.LevelWarn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mt.Reset()
			logs.Reset()
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			req := httptest.NewRequest(method, tc.target, nil)
			for k, v := range tc.header {
				req.Header[k] = v
			}
			req.Header.Set("User-Agent", "test-agent/1.0")
			req.Header.Set("X-Request-Id", "req-"+tc.name)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			assert.Equal(t, tc.code, rec.Code)
			body := rec.Body.String()
			assert.NotContains(t, body, "hunter2", "internal text leaked to the client")
			assert.NotContains(t, body, "10.0.0.5")
			assert.NotContains(t, body, ".go:", "a stack leaked to the client")

			spans := mt.FinishedSpans()
			require.Len(t, spans, 1)
			span := spans[0]
			if tc.problem != nil {
				assert.Equal(t, middleware.ProblemContentType, rec.Header().Get("Content-Type"))
				var p map[string]any
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p), body)
				assert.Equal(t, "about:blank", p["type"])
				assert.Equal(t, tc.problem.title, p["title"])
				assert.Equal(t, float64(tc.code), p["status"])
				assert.Equal(t, tc.problem.detail, p["detail"])
				assert.Equal(t, span.Context().TraceID(), p["trace_id"], "the trace id to quote")
			}
			if tc.text != "" {
				assert.Equal(t, tc.text, body)
				assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
			}
			assert.Equal(t, tc.allow, rec.Header().Get("Allow"))

			assert.Equal(t, tc.resource, span.Tag(ext.ResourceName))
			if tc.route != "" {
				assert.Equal(t, tc.route, span.Tag(ext.HTTPRoute))
			} else {
				assert.Nil(t, span.Tag(ext.HTTPRoute))
			}
			assert.Equal(t, fmt.Sprint(tc.code), span.Tag(ext.HTTPCode))
			wantFlag := int32(0)
			if tc.spanError {
				wantFlag = 1
			}
			assert.Equal(t, wantFlag, span.Tag(ext.MapSpanError), "span error flag")
			if tc.errorKind != "" {
				assert.Equal(t, tc.errorKind, span.Tag("error.kind"))
			} else {
				assert.Nil(t, span.Tag("error.kind"))
			}
			if tc.spanError && tc.errorKind != "" {
				err, _ := logs.Lines()[0].Attrs["error"].Any().(error)
				assert.Equal(t, errors.TypeName(err), span.Tag(ext.ErrorType), "error.type names the kind or the cause, not a wrapper")
				assert.NotEqual(t, "*errors.Error", span.Tag(ext.ErrorType))
				assert.NotEmpty(t, span.Tag(ext.ErrorMsg))
				assert.Contains(t, span.Tag(ext.ErrorStack), "middleware", "a stack for Error Tracking")
			}
			if !tc.spanError {
				assert.Nil(t, span.Tag(ext.ErrorMsg), "no error message on a span that is no error")
			}

			lines := logs.Lines()
			require.Len(t, lines, 1, "one access-log line per request")
			l := lines[0]
			assert.Equal(t, tc.level, l.Level)
			assert.Equal(t, span.Context().SpanID(), l.SpanID, "the log line is correlated to the request's span")
			assert.Equal(t, method, l.Attrs["http.method"].String())
			assert.Equal(t, int64(tc.code), l.Attrs["http.status_code"].Int64())
			assert.Equal(t, strings.SplitN(tc.target, "?", 2)[0], l.Attrs["http.url_details.path"].String())
			if tc.route != "" {
				assert.Equal(t, tc.route, l.Attrs["http.route"].String())
			} else {
				assert.NotContains(t, l.Attrs, "http.route")
			}
			assert.Equal(t, "test-agent/1.0", l.Attrs["http.useragent"].String())
			assert.Equal(t, "192.0.2.1", l.Attrs["network.client.ip"].String())
			assert.Equal(t, "req-"+tc.name, l.Attrs["http.request_id"].String())
			assert.Positive(t, l.Attrs["duration"].Int64())
			if tc.errorKind != "" {
				errv, ok := l.Attrs["error"]
				require.True(t, ok, "the error attribute feeds error.kind/message/stack")
				err, ok := errv.Any().(error)
				require.True(t, ok)
				assert.Equal(t, tc.errorKind, errors.KindOf(err).String())
			} else {
				assert.NotContains(t, l.Attrs, "error")
			}
		})
	}
}

func TestWrapPanicKeepsValueAndStack(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Records{}
	h := middleware.Wrap(testMux(), middleware.WithLogger(slog.New(logs)))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/panic", nil))

	lines := logs.Lines()
	require.Len(t, lines, 1)
	err := lines[0].Attrs["error"].Any().(error)
	assert.Contains(t, err.Error(), "boom: ", "the panic value is in the log")
	assert.Contains(t, errors.Stack(err), "testMux", "the stack points at the panicking handler")
	span := mt.FinishedSpans()[0]
	assert.Contains(t, span.Tag(ext.ErrorMsg), "boom: ")
	assert.Contains(t, span.Tag(ext.ErrorStack), "testMux")
}

func TestWrapPanicWithAnExpectedKindIsStillInternal(t *testing.T) {
	// A NotFound or a context.Canceled that is panicked rather than returned
	// is a bug: 500, ERROR and an error span, not a quiet 404 or 499.
	for _, v := range []any{errors.E(errors.NotFound, "user 7 not found"), context.Canceled} {
		mt := mocktracer.Start()
		logs := &testlog.Records{}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /p", func(http.ResponseWriter, *http.Request) { panic(v) })
		rec := httptest.NewRecorder()
		middleware.Wrap(mux, middleware.WithLogger(slog.New(logs))).ServeHTTP(rec, httptest.NewRequest("GET", "/p", nil))

		assert.Equal(t, http.StatusInternalServerError, rec.Code, "%v", v)
		assert.NotContains(t, rec.Body.String(), "user 7", "the panic's text stays inside")
		lines := logs.Lines()
		require.Len(t, lines, 1)
		assert.Equal(t, slog.LevelError, lines[0].Level)
		span := mt.FinishedSpans()[0]
		assert.Equal(t, "Internal", span.Tag("error.kind"))
		assert.Contains(t, span.Tag(ext.ErrorMsg), fmt.Sprint(v))
		mt.Stop()
	}
}

func TestWrapErrAbortHandlerIsRepanicked(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Records{}
	h := middleware.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}), middleware.WithLogger(slog.New(logs)))

	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/stream", nil))
	})
	require.Len(t, mt.FinishedSpans(), 1, "the span is finished even so")
	lines := logs.Lines()
	require.Len(t, lines, 1, "the request is logged before the panic goes on")
	assert.Equal(t, slog.LevelError, lines[0].Level, "an abort with the client still there is a failure")
}

func TestWrapPanicAfterHeadersAbortsTheResponse(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Records{}
	h := middleware.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "half an answ")
		panic("too late")
	}), middleware.WithLogger(slog.New(logs)))

	rec := httptest.NewRecorder()
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/stream", nil))
	}, "a truncated 200 must not look like a success: net/http drops the connection")
	assert.Equal(t, "half an answ", rec.Body.String(), "no problem body appended to a started answer")
	span := mt.FinishedSpans()[0]
	assert.Equal(t, int32(1), span.Tag(ext.MapSpanError))
	assert.Contains(t, span.Tag(ext.ErrorMsg), "too late")
	lines := logs.Lines()
	require.Len(t, lines, 1)
	assert.Equal(t, slog.LevelError, lines[0].Level)
}

func TestWrapClientGoneIs499(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Records{}
	tests := []struct {
		name    string
		handler http.Handler
	}{
		{"handler returns the context error", middleware.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) error {
			<-r.Context().Done()
			return errors.E(errors.Op("orders.List"), errors.Unavailable, "query", r.Context().Err())
		})},
		{"handler returns nothing", http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mt.Reset()
			logs.Reset()
			h := middleware.Wrap(tc.handler, middleware.WithLogger(slog.New(logs)))
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // the client is gone before the handler looks
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/orders", nil).WithContext(ctx))

			assert.Equal(t, 499, rec.Code)
			assert.Empty(t, rec.Body.String(), "nobody is reading: no body")
			span := mt.FinishedSpans()[0]
			assert.Equal(t, "499", span.Tag(ext.HTTPCode))
			assert.Equal(t, int32(0), span.Tag(ext.MapSpanError), "a client that went away is nobody's problem")
			lines := logs.Lines()
			require.Len(t, lines, 1)
			assert.Equal(t, slog.LevelInfo, lines[0].Level)
			assert.Equal(t, int64(499), lines[0].Attrs["http.status_code"].Int64())
		})
	}
}

func TestWrapHealthPaths(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Records{}
	mux := http.NewServeMux()
	for _, p := range []string{"/healthz", "/readyz", "/livez", "/ping", "/status", "/ok"} {
		mux.HandleFunc("GET "+p, func(http.ResponseWriter, *http.Request) {})
	}
	tests := []struct {
		name   string
		opts   []middleware.ServerOption
		path   string
		traced bool
	}{
		{"healthz", nil, "/healthz", false},
		{"readyz", nil, "/readyz", false},
		{"livez", nil, "/livez", false},
		{"ping", nil, "/ping", false},
		{"health path with a query", nil, "/healthz?verbose=1", false},
		{"other path", nil, "/ok", true},
		{"prefix of a health path is traced", nil, "/healthz/deep", true},
		{"custom list replaces the default", []middleware.ServerOption{middleware.WithHealthPaths("/status")}, "/healthz", true},
		{"custom list", []middleware.ServerOption{middleware.WithHealthPaths("/status")}, "/status", false},
		{"empty list traces everything", []middleware.ServerOption{middleware.WithHealthPaths()}, "/healthz", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mt.Reset()
			logs.Reset()
			opts := append([]middleware.ServerOption{middleware.WithLogger(slog.New(logs))}, tc.opts...)
			middleware.Wrap(mux, opts...).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", tc.path, nil))
			if tc.traced {
				assert.Len(t, mt.FinishedSpans(), 1)
				assert.Len(t, logs.Lines(), 1)
			} else {
				assert.Empty(t, mt.FinishedSpans(), "no span for a health check")
				assert.Empty(t, logs.Lines(), "no access log for a health check")
			}
		})
	}
}

func TestWrapHealthCheckPanicIsRecoveredAndLogged(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Records{}
	h := middleware.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("nil db") }),
		middleware.WithLogger(slog.New(logs)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	assert.Equal(t, 500, rec.Code)
	assert.Empty(t, mt.FinishedSpans())
	lines := logs.Lines()
	require.Len(t, lines, 1, "a panic is a bug worth a line, even in a health check")
	assert.Equal(t, slog.LevelError, lines[0].Level)
}

func TestWrapHealthPathMustBeAPath(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, `ddx/middleware: health path "healthz" must start with "/"`, func() {
		middleware.Wrap(http.NotFoundHandler(), middleware.WithHealthPaths("healthz"))
	})
	assert.Panics(t, func() { middleware.Wrap(nil) })
}

func TestWrapResourceFromAnInnerMux(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	mux := testMux()
	// A handler in front of the mux hides it from Wrap: the route is read
	// from the Request.Pattern the mux sets once it has routed.
	inFront := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) })
	h := middleware.Wrap(inFront, middleware.WithLogger(slog.New(&testlog.Records{})))

	tests := []struct{ target, resource string }{
		{"/users/42", "GET /users/{id}"},
		{"/no/such/path", "GET"},
	}
	for _, tc := range tests {
		mt.Reset()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", tc.target, nil))
		spans := mt.FinishedSpans()
		require.Len(t, spans, 1)
		assert.Equal(t, tc.resource, spans[0].Tag(ext.ResourceName), tc.target)
		assert.NotContains(t, spans[0].Tag(ext.ResourceName), "42", "never the raw path")
	}
}

func TestWrapPropagatesIncomingTrace(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	h := middleware.Wrap(testMux(), middleware.WithLogger(slog.New(&testlog.Records{})))
	req := httptest.NewRequest("GET", "/ok", nil)
	req.Header.Set(tracer.DefaultTraceIDHeader, "4242")
	req.Header.Set(tracer.DefaultParentIDHeader, "77")
	h.ServeHTTP(httptest.NewRecorder(), req)
	span := mt.FinishedSpans()[0]
	assert.Equal(t, uint64(77), span.ParentID())
	assert.Equal(t, uint64(4242), span.Context().TraceIDLower())
}

func TestWrapErrorStatusOption(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	tests := []struct {
		name    string
		isError func(int) bool
		target  string
		flag    int32
	}{
		{"default 404 is no error", nil, "/users/7", 0},
		{"404 made an error", func(c int) bool { return c >= 404 }, "/users/7", 1},
		{"503 made no error", func(int) bool { return false }, "/orders/1", 0},
		{"panic is always an error", func(int) bool { return false }, "/panic", 1},
		{"raw 418 made an error", func(c int) bool { return c == 418 }, "/teapot", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mt.Reset()
			h := middleware.Wrap(testMux(), middleware.WithErrorStatus(tc.isError), middleware.WithLogger(slog.New(&testlog.Records{})))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", tc.target, nil))
			span := mt.FinishedSpans()[0]
			assert.Equal(t, tc.flag, span.Tag(ext.MapSpanError))
			if tc.flag == 1 {
				assert.NotEmpty(t, span.Tag(ext.ErrorMsg))
			}
		})
	}
}

func TestWrapServiceName(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	h := middleware.Wrap(testMux(), middleware.WithService("users-api"), middleware.WithLogger(slog.New(&testlog.Records{})))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/ok", nil))
	assert.Equal(t, "users-api", mt.FinishedSpans()[0].Tag(ext.ServiceName))
}

func TestWrapSecretsStayOut(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Records{}
	h := middleware.Wrap(testMux(), middleware.WithLogger(slog.New(logs)))
	req := httptest.NewRequest("GET", "/users/7?password=hunter2&api_key=sk_live_1&page=2", nil)
	req.Header.Set("Authorization", "Bearer hunter2")
	req.Header.Set("Cookie", "session=hunter2")
	h.ServeHTTP(httptest.NewRecorder(), req)

	span := mt.FinishedSpans()[0]
	for k, v := range span.Tags() {
		s := fmt.Sprint(v)
		assert.NotContains(t, s, "hunter2", "span tag %s", k)
		assert.NotContains(t, s, "sk_live_1", "span tag %s", k)
	}
	assert.Contains(t, span.Tag(ext.HTTPURL), "page=2", "harmless parameters stay")
	for _, l := range logs.Lines() {
		for k, v := range l.Attrs {
			if k == "error" {
				continue // the handler's own error; it holds no request data
			}
			assert.NotContains(t, v.String(), "hunter2", "log attribute %s", k)
			assert.NotContains(t, v.String(), "sk_live_1", "log attribute %s", k)
		}
	}
}

func TestErrorWithoutWrap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		code int
	}{
		{"nil error does nothing", nil, 200},
		{"not found", errors.E(errors.NotFound, "no such order"), 404},
		{"plain error", fmt.Errorf("disk on fire: %s", leak), 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			middleware.Error(rec, httptest.NewRequest("GET", "/", nil), tc.err)
			assert.Equal(t, tc.code, rec.Code)
			assert.NotContains(t, rec.Body.String(), "hunter2")
			if tc.err != nil {
				var p map[string]any
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
				assert.NotContains(t, p, "trace_id", "no span, no trace id")
				assert.Equal(t, errors.Public(tc.err), p["detail"])
			}
		})
	}
	assert.NotPanics(t, func() { middleware.Error(nil, nil, errors.New("x")) })
}

func TestErrorAfterTheAnswerStarted(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Records{}
	h := middleware.Wrap(middleware.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error {
		_, _ = io.WriteString(w, `{"items":[`)
		return errors.E(errors.Internal, "cursor broke")
	}), middleware.WithLogger(slog.New(logs)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/items", nil))
	assert.Equal(t, 200, rec.Code, "the status line was already sent")
	assert.Equal(t, `{"items":[`, rec.Body.String(), "nothing appended")
	assert.Equal(t, int32(1), mt.FinishedSpans()[0].Tag(ext.MapSpanError), "a failure the status cannot carry makes the span an error, as the line is ERROR")
	assert.Equal(t, "Internal", mt.FinishedSpans()[0].Tag("error.kind"), "and the error is on the span")
	lines := logs.Lines()
	require.Len(t, lines, 1)
	assert.Equal(t, slog.LevelError, lines[0].Level, "and the log says what happened")
}

func TestErrorThroughAnotherWrapper(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Records{}
	inner := middleware.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
		return errors.E(errors.PermissionDenied, "not your order")
	})
	// A middleware between Wrap and the handler that wraps the writer.
	between := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(&unwrapper{w}, r)
	})
	rec := httptest.NewRecorder()
	middleware.Wrap(between, middleware.WithLogger(slog.New(logs))).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, 403, rec.Code)
	require.Len(t, logs.Lines(), 1)
	assert.Contains(t, logs.Lines()[0].Attrs, "error", "Error found Wrap's writer through Unwrap")
}

type unwrapper struct{ http.ResponseWriter }

func (u *unwrapper) Unwrap() http.ResponseWriter { return u.ResponseWriter }

func TestWrapWriterKeepsOptionalInterfaces(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	logs := &testlog.Records{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: 1\n\n")
		w.(http.Flusher).Flush()
	})
	mux.HandleFunc("GET /file", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.Copy(w, strings.NewReader("contents"))
	})
	mux.HandleFunc("GET /ws", func(w http.ResponseWriter, _ *http.Request) {
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n")
		_ = brw.Flush()
		_ = conn.Close()
	})
	mux.HandleFunc("GET /controller", func(w http.ResponseWriter, _ *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = io.WriteString(w, "x")
		_ = rc.Flush()
	})
	srv := httptest.NewServer(middleware.Wrap(mux, middleware.WithLogger(slog.New(logs))))
	defer srv.Close()

	for _, tc := range []struct {
		path string
		code int
	}{{"/events", 200}, {"/file", 200}, {"/ws", 101}, {"/controller", 200}} {
		t.Run(tc.path, func(t *testing.T) {
			logs.Reset()
			resp, err := srv.Client().Get(srv.URL + tc.path)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			assert.Equal(t, tc.code, resp.StatusCode)
			require.Eventually(t, func() bool { return len(logs.Lines()) == 1 }, 2*time.Second, 5*time.Millisecond)
			assert.Equal(t, int64(tc.code), logs.Lines()[0].Attrs["http.status_code"].Int64())
		})
	}
}

func TestWrapUsesDefaultLoggerLate(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	h := middleware.Wrap(testMux()) // built before the default logger is set
	logs := &testlog.Records{}
	prev := slog.Default()
	slog.SetDefault(slog.New(logs))
	defer slog.SetDefault(prev)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/ok", nil))
	assert.Len(t, logs.Lines(), 1)
}

func TestWrapErrorStackIsWhereItWasCreated(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	h := middleware.Wrap(testMux(), middleware.WithLogger(slog.New(&testlog.Records{})))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/orders/1", nil))
	span := mt.FinishedSpans()[0]
	stack, _ := span.Tag(ext.ErrorStack).(string)
	assert.Contains(t, stack, "testMux", "the handler that made the error, not the middleware that logged it")
	assert.Equal(t, "orders.Get: call payments: dial tcp: connect "+leak+": connection refused", span.Tag(ext.ErrorMsg),
		"the span has the whole concrete chain; only the client is spared it")
}
