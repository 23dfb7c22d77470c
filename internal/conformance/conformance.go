// Package conformance is the one test suite every HTTP server integration of
// ddx passes: net/http's middleware.Wrap and the gin, echo and chi
// middlewares. One table of requests runs against a real socket, the real
// dd-trace-go tracer sending to the in-process test Agent, and the ddx log
// handler; the answers, the spans the Agent decodes and the log lines must
// be the same, whatever the framework. A new framework costs one [Adapter]:
// its routes wired to the [App] the suite gives it.
package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/outcome"
)

// Adapter is one framework under test.
type Adapter struct {
	// Name names the framework in failures.
	Name string
	// Component is the span's component tag, dd-trace-go's name for the
	// framework ("net/http", "gin-gonic/gin", …).
	Component string
	// Param turns a route parameter name into the framework's template
	// syntax: "{id}" for net/http and chi, ":id" for gin and echo. The
	// resource is "GET " plus the template.
	Param func(name string) string
	// UnroutedResource is the resource of a request no route matches, of
	// the method given; nil means the method alone ("GET"), as every
	// router here says.
	UnroutedResource func(method string) string
	// New serves the routes of the suite, under the framework's ddx
	// middleware configured with opts (the logger, at least):
	//
	//	GET /users/{id}   app.User: 200 and the user as JSON, or its error
	//	GET /orders/{id}  app.Order: its error
	//	GET /panic        app.Panic
	//	GET /wait         app.Wait: its error
	//	GET /hints        app.EarlyHints on the writer the framework gives: its error
	//	GET /refresh      app.Refresh: its error
	//	GET /healthz      200 "ok"
	//
	// Errors go back the framework's way (returned, c.Error, middleware.Error),
	// and the framework's own 404 answers other paths, its own 405 other
	// methods of these paths.
	New func(app *App, opts ...middleware.ServerOption) http.Handler
}

// User is the body of a successful answer.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// App is the service's logic, the same for every framework.
type App struct {
	waiting chan struct{} // receives when Wait has started waiting
}

// causeText is in the Unavailable error's cause and in the panic value: it
// must reach the span and the log, and never the client.
const causeText = "dial tcp 10.0.0.5:5432: connect: connection refused"

// User answers user 1, NotFound for 7 and Invalid for an id that is not a
// number.
func (a *App) User(_ context.Context, id string) (User, error) {
	switch {
	case id == "1":
		return User{ID: "1", Name: "Ada"}, nil
	case id == "7":
		return User{}, errors.E(errors.Op("users.Get"), errors.NotFound, "user 7 not found")
	case strings.Trim(id, "0123456789") != "":
		return User{}, errors.E(errors.Op("users.Get"), errors.Invalid, "the user id must be a number")
	}
	return User{}, errors.E(errors.Op("users.Get"), errors.NotFound, "no such user")
}

// Order fails as a dependency that is down does: Unavailable, with the
// cause's text.
func (a *App) Order(_ context.Context, id string) error {
	return errors.E(errors.Op("orders.Get"), errors.Unavailable, "load order "+id, errors.New(causeText))
}

// EarlyHints sends an interim 103 Early Hints on w, then fails as Order
// does: the client must get the 503, not a 200 after the 103.
func (a *App) EarlyHints(w http.ResponseWriter) error {
	w.Header().Set("Link", "</app.css>; rel=preload; as=style")
	w.WriteHeader(http.StatusEarlyHints)
	return a.Order(context.Background(), "103")
}

// Refresh returns the error of a context it derived and canceled itself,
// while the client still waits: a failure inside the server, not a client
// that went away.
func (a *App) Refresh(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	return fmt.Errorf("refresh: %w", ctx.Err())
}

// Panic panics with the cause text.
func (a *App) Panic() { panic("orders cache: " + causeText) }

// Wait returns when the client has gone away, with the context's error.
func (a *App) Wait(ctx context.Context) error {
	a.waiting <- struct{}{}
	<-ctx.Done()
	return errors.E(errors.Op("reports.Build"), ctx.Err())
}

// secret is in every request's Authorization header and in one request's
// query string: it must appear nowhere.
const secret = "s3cr3t-7f1c"

type expect struct {
	code       int
	detail     string // the problem's detail, when the suite decides it
	kind       string // error.kind on the span and the log line
	spanError  bool
	level      string
	route      string // template, with {id}; "" for unrouted
	unrouted   bool
	clientGone bool
	cause      string // in the span's error.message, and never in the answer; causeText when empty
}

type testCase struct {
	name   string
	method string // GET when empty
	path   string
	expect
}

func (c testCase) causeText() string {
	if c.cause == "" {
		return causeText
	}
	return c.cause
}

func (c testCase) verb() string {
	if c.method == "" {
		return "GET"
	}
	return c.method
}

// A router's own answers have one text each, whatever the framework: the
// public detail of outcome.Unrouted.
var (
	unroutedDetail    = errors.Public(outcome.Unrouted(http.StatusNotFound))
	wrongMethodDetail = errors.Public(outcome.Unrouted(http.StatusMethodNotAllowed))
)

var cases = []testCase{
	{"200 JSON", "", "/users/1", expect{code: 200, level: "INFO", route: "/users/{id}"}},
	{"NotFound", "", "/users/7", expect{code: 404, kind: "NotFound", level: "WARN", route: "/users/{id}"}},
	{"Invalid", "", "/users/abc", expect{code: 400, kind: "Invalid", level: "WARN", route: "/users/{id}"}},
	{"Unavailable with a cause", "", "/orders/9", expect{code: 503, kind: "Unavailable", spanError: true, level: "ERROR", route: "/orders/{id}"}},
	{"103 then a failure", "", "/hints", expect{code: 503, kind: "Unavailable", spanError: true, level: "ERROR", route: "/hints"}},
	{"own context canceled, client waiting", "", "/refresh", expect{code: 500, kind: "Internal", spanError: true, level: "ERROR", route: "/refresh", cause: "refresh: context canceled"}},
	{"panic", "", "/panic", expect{code: 500, kind: "Internal", spanError: true, level: "ERROR", route: "/panic"}},
	{"secret query parameter", "", "/users/7?token=" + secret + "&page=2", expect{code: 404, kind: "NotFound", level: "WARN", route: "/users/{id}"}},
	{"unrouted", "", "/no/such/route", expect{code: 404, detail: unroutedDetail, kind: "NotFound", level: "WARN", unrouted: true}},
	{"wrong method", "POST", "/users/2", expect{code: 405, detail: wrongMethodDetail, kind: "Invalid", level: "WARN", unrouted: true}},
	{"client goes away", "", "/wait", expect{code: 499, kind: "Canceled", level: "INFO", route: "/wait", clientGone: true}},
	{"health check", "", "/healthz", expect{code: 200}},
}

// Run runs the suite against a. It starts the tracer, so the tests of one
// package must not run it in parallel with other tests that trace.
func Run(t *testing.T, a Adapter) {
	t.Helper()
	agent := testagent.Start(t)
	// A careless header-tag configuration: the credentials must not follow.
	t.Setenv("DD_TRACE_HEADER_TAGS", "Authorization:auth_header,X-Api-Key:api_key_header,X-Tenant:tenant")
	testagent.StartTracer(t, agent, tracer.WithService("conformance"))

	logs := &testlog.Buffer{}
	app := &App{waiting: make(chan struct{}, 1)}
	srv := httptest.NewServer(a.New(app, middleware.WithLogger(slog.New(ddx.NewHandler(logs, nil)))))
	t.Cleanup(srv.Close)

	type answer struct {
		code        int
		contentType string
		body        []byte
	}
	answers := make([]answer, len(cases))
	for i, c := range cases {
		req, err := http.NewRequest(c.verb(), srv.URL+c.path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("X-Api-Key", secret)
		req.Header.Set("X-Tenant", "acme")
		if c.clientGone {
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			wg.Go(func() {
				<-app.waiting
				cancel()
			})
			_, err := srv.Client().Do(req.WithContext(ctx))
			require.Error(t, err, "%s: the client went away", c.name)
			wg.Wait()
			continue
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err, c.name)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		answers[i] = answer{resp.StatusCode, resp.Header.Get("Content-Type"), body}
	}
	// Closing the server waits for every handler, the client that went
	// away included: every span is finished and every line written.
	srv.Close()
	tracer.Flush()
	agent.WaitFor(t, 10*time.Second, func(s []testagent.Span) bool { return len(s) >= len(cases)-1 })
	time.Sleep(50 * time.Millisecond) // a span too many would arrive now
	spans := agent.Spans()

	lines := logs.Objects(t)
	assert.NotContains(t, logs.String(), secret, "secrets never reach a log line")
	for _, s := range spans {
		for k, v := range s.Meta {
			assert.NotContains(t, v, secret, "span tag %s: secrets never reach a span", k)
		}
		assert.NotContains(t, s.Meta, "auth_header", "credential headers are never span tags")
		assert.NotContains(t, s.Meta, "api_key_header", "credential headers are never span tags")
		assert.Equal(t, "acme", s.Meta["tenant"], "the header tags that are not credentials work")
	}
	assert.Len(t, spans, len(cases)-1, "one span per request, none for the health check")
	assert.Len(t, lines, len(cases)-1, "one access-log line per request, none for the health check")

	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.path
			if j := strings.IndexByte(path, '?'); j >= 0 {
				path = path[:j]
			}
			var mine []testagent.Span
			for _, s := range spans {
				if u, err := url.Parse(s.Meta["http.url"]); err == nil && u.Path == path {
					mine = append(mine, s)
				}
			}
			var line map[string]any
			nLines := 0
			for _, l := range lines {
				if l["http.url_details.path"] == path {
					line = l
					nLines++
				}
			}
			if c.path == "/healthz" {
				assert.Empty(t, mine, "a health check makes no span")
				assert.Zero(t, nLines, "a health check writes no log line")
				assert.Equal(t, 200, answers[i].code)
				return
			}
			if c.name == "secret query parameter" || c.name == "NotFound" {
				// Both are /users/7: told apart by the query string.
				mine, line, nLines = pick(t, mine, lines, path, c.name == "secret query parameter")
			}
			require.Len(t, mine, 1, "exactly one server span for %s", c.path)
			require.Equal(t, 1, nLines, "exactly one access-log line for %s", c.path)
			span := mine[0]
			checkSpan(t, a, c, span)
			checkLine(t, a, c, span, line)
			if !c.clientGone {
				checkAnswer(t, c, span, answers[i].code, answers[i].contentType, answers[i].body)
			}
		})
	}
}

// pick splits the spans and lines of /users/7 into the request with a query
// string and the one without.
func pick(t *testing.T, spans []testagent.Span, lines []map[string]any, path string, withQuery bool) ([]testagent.Span, map[string]any, int) {
	t.Helper()
	var mine []testagent.Span
	ids := map[string]bool{}
	for _, s := range spans {
		u, err := url.Parse(s.Meta["http.url"])
		require.NoError(t, err)
		if (u.RawQuery != "") == withQuery {
			mine = append(mine, s)
			ids[s.TraceID128()] = true
		}
	}
	var line map[string]any
	n := 0
	for _, l := range lines {
		if l["http.url_details.path"] == path && ids[fmt.Sprint(l["dd.trace_id"])] {
			line = l
			n++
		}
	}
	return mine, line, n
}

func resource(a Adapter, c testCase) (res, route string) {
	if c.unrouted {
		res = c.verb()
		if a.UnroutedResource != nil {
			res = a.UnroutedResource(c.verb())
		}
		if _, r, ok := strings.Cut(res, " "); ok {
			route = r
		}
		return res, route
	}
	route = strings.ReplaceAll(c.route, "{id}", a.Param("id"))
	return "GET " + route, route
}

func checkSpan(t *testing.T, a Adapter, c testCase, s testagent.Span) {
	t.Helper()
	res, route := resource(a, c)
	assert.Equal(t, "http.request", s.Name)
	assert.Equal(t, "web", s.Type)
	assert.Equal(t, "conformance", s.Service)
	assert.Equal(t, res, s.Resource, "the resource is the route template")
	assert.Equal(t, route, s.Meta["http.route"])
	assert.Equal(t, a.Component, s.Meta["component"])
	assert.Equal(t, "server", s.Meta["span.kind"])
	assert.Equal(t, c.verb(), s.Meta["http.method"])
	assert.Equal(t, fmt.Sprint(c.code), s.Meta["http.status_code"])
	assert.Zero(t, s.ParentID, "a server span is the root of its trace")
	assert.Equal(t, c.kind, s.Meta["error.kind"])
	if c.spanError {
		assert.Equal(t, int32(1), s.Error, "%d is an error", c.code)
		assert.NotEmpty(t, s.Meta["error.type"])
		assert.NotEmpty(t, s.Meta["error.message"])
		assert.NotEmpty(t, s.Meta["error.stack"])
		assert.Contains(t, s.Meta["error.message"], c.causeText(), "the cause is on the span")
	} else {
		assert.Equal(t, int32(0), s.Error, "%d is not an error", c.code)
		assert.Empty(t, s.Meta["error.message"])
		assert.Empty(t, s.Meta["error.stack"])
	}
}

func checkLine(t *testing.T, a Adapter, c testCase, s testagent.Span, l map[string]any) {
	t.Helper()
	_, route := resource(a, c)
	assert.Equal(t, "http request", l["message"])
	assert.Equal(t, c.level, l["status"], "the level follows the Kind table")
	assert.Equal(t, c.verb(), l["http.method"])
	assert.Equal(t, float64(c.code), l["http.status_code"])
	if route == "" {
		assert.NotContains(t, l, "http.route")
	} else {
		assert.Equal(t, route, l["http.route"])
	}
	assert.Equal(t, s.TraceID128(), l["dd.trace_id"], "the line joins its span's trace")
	assert.Equal(t, fmt.Sprint(s.SpanID), l["dd.span_id"], "and its span")
	assert.NotContains(t, l, "http.url", "the query string is not logged")
	e, _ := l["error"].(map[string]any)
	if c.kind == "" {
		assert.Nil(t, e)
		return
	}
	require.NotNil(t, e, "an error line has the error")
	assert.Equal(t, c.kind, e["kind"])
	assert.NotEmpty(t, e["message"])
	if c.spanError {
		assert.NotEmpty(t, e["stack"])
	}
}

func checkAnswer(t *testing.T, c testCase, s testagent.Span, code int, contentType string, body []byte) {
	t.Helper()
	assert.Equal(t, c.code, code)
	assert.NotContains(t, string(body), c.causeText(), "no cause text in the answer")
	assert.NotContains(t, string(body), "10.0.0.5", "no cause text in the answer")
	assert.NotContains(t, string(body), ".go:", "no stack in the answer")
	if c.kind == "" {
		assert.Equal(t, "application/json", strings.TrimSuffix(strings.Split(contentType, ";")[0], " "))
		var u User
		require.NoError(t, json.Unmarshal(body, &u), "%s", body)
		assert.Equal(t, User{ID: "1", Name: "Ada"}, u)
		return
	}
	assert.Equal(t, middleware.ProblemContentType, contentType)
	var p struct {
		Type    string `json:"type"`
		Title   string `json:"title"`
		Status  int    `json:"status"`
		Detail  string `json:"detail"`
		TraceID string `json:"trace_id"`
	}
	require.NoError(t, json.Unmarshal(body, &p), "%s", body)
	assert.Equal(t, "about:blank", p.Type)
	assert.Equal(t, http.StatusText(code), p.Title)
	assert.Equal(t, code, p.Status)
	assert.NotEmpty(t, p.Detail)
	if c.detail != "" {
		assert.Equal(t, c.detail, p.Detail, "one text per answer of the router, whatever the framework")
	}
	assert.Equal(t, s.TraceID128(), p.TraceID, "the trace id quoted to the client is the request's")
}
