package middleware_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
)

// closedAddr is a 127.0.0.1 address nobody listens on: taken, then released.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// resetServer accepts connections and closes them at once, without a word.
func resetServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST rather than FIN
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

// clientSpan returns the one finished client span whose URL has path.
func clientSpan(t *testing.T, mt mocktracer.Tracer, path string) *mocktracer.Span {
	t.Helper()
	var found []*mocktracer.Span
	for _, s := range mt.FinishedSpans() {
		if s.OperationName() == "http.request" && strings.Contains(spanTag(s, ext.HTTPURL), path) {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want 1 client span for %s, got %d", path, len(found))
	}
	return found[0]
}

func spanTag(s *mocktracer.Span, k string) string {
	v, _ := s.Tag(k).(string)
	return v
}

func spanIsError(s *mocktracer.Span) bool {
	v, _ := s.Tag(ext.MapSpanError).(int32)
	return v != 0
}

func TestTransportFailureKinds(t *testing.T) {
	mt := mocktracer.Start()
	t.Cleanup(mt.Stop)

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	refused := closedAddr(t)
	reset := resetServer(t)
	dnsFails := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "payments.internal", IsNotFound: true}}
	}}
	t.Cleanup(dnsFails.CloseIdleConnections)
	headerTimeout := &http.Transport{ResponseHeaderTimeout: 50 * time.Millisecond}
	t.Cleanup(headerTimeout.CloseIdleConnections)

	cases := []struct {
		name      string
		url       string // %s is replaced by the case's path
		base      http.RoundTripper
		timeout   time.Duration // http.Client.Timeout
		ctx       func(context.Context) (context.Context, context.CancelFunc)
		kind      errors.Kind
		spanError bool
	}{
		{name: "refused", url: "http://" + refused + "/refused", kind: errors.Unavailable, spanError: true},
		{name: "reset", url: "http://" + reset + "/reset", kind: errors.Unavailable, spanError: true},
		{name: "dns", url: "http://payments.internal/dns", base: dnsFails, kind: errors.Unavailable, spanError: true},
		{
			name: "context deadline", url: slow.URL + "/deadline", kind: errors.DeadlineExceeded, spanError: true,
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(ctx, 50*time.Millisecond)
			},
		},
		{name: "client timeout", url: slow.URL + "/client-timeout", timeout: 50 * time.Millisecond, kind: errors.DeadlineExceeded, spanError: true},
		{name: "header timeout", url: slow.URL + "/header-timeout", base: headerTimeout, kind: errors.DeadlineExceeded, spanError: true},
		{
			name: "caller canceled", url: slow.URL + "/canceled", kind: errors.Canceled, spanError: false,
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(ctx)
				time.AfterFunc(30*time.Millisecond, cancel)
				return ctx, cancel
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			if tc.ctx != nil {
				var cancel context.CancelFunc
				ctx, cancel = tc.ctx(ctx)
				defer cancel()
			}
			base := tc.base
			if base == nil {
				tr := &http.Transport{}
				t.Cleanup(tr.CloseIdleConnections)
				base = tr
			}
			c := &http.Client{Transport: middleware.Transport(base), Timeout: tc.timeout}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tc.url+"?token=s3cret&page=2", nil)
			resp, err := c.Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatal("no error")
			}
			if got := errors.KindOf(err); got != tc.kind {
				t.Fatalf("KindOf(%v) = %v, want %v", err, got, tc.kind)
			}
			u := req.URL
			wantOp := "POST " + u.Host + u.Path
			// client.Do's *url.Error names the call; the transport's error
			// under it does not name it again.
			if _, ok := errors.AsType[*url.Error](err); !ok {
				t.Errorf("%T is no *url.Error", err)
			}
			if n := strings.Count(err.Error(), u.Path); n != 1 {
				t.Errorf("error names the path %d times, want once: %q", n, err)
			}
			text := err.Error()
			if e, ok := errors.AsType[*errors.Error](err); ok {
				if e.Op != "" {
					t.Errorf("Op = %q, want none", e.Op)
				}
				text = e.Error()
			} else if tc.timeout == 0 {
				// Only http.Client.Timeout flattens the chain into text.
				t.Fatalf("%T has no *errors.Error", err)
			}
			if !strings.Contains(text, "duration=") {
				t.Errorf("error %q lacks the duration", text)
			}
			if tc.timeout == 0 && strings.Contains(text, "s3cret") {
				t.Errorf("the query string reached the error: %q", text)
			}

			span := clientSpan(t, mt, u.Path)
			if spanIsError(span) != tc.spanError {
				t.Errorf("span error = %v, want %v; tags %v", spanIsError(span), tc.spanError, span.Tags())
			}
			if got := spanTag(span, "error.kind"); got != tc.kind.String() {
				t.Errorf("span error.kind = %q", got)
			}
			if got := spanTag(span, ext.ErrorMsg); tc.spanError && !strings.HasPrefix(got, wantOp+": ") {
				t.Errorf("span error.message %q does not name the call %q", got, wantOp)
			}
			if got, want := spanTag(span, ext.ResourceName), "POST "+u.Host; got != want {
				t.Errorf("span resource %q, want %q", got, want)
			}
			if tc.spanError && !strings.Contains(spanTag(span, ext.ErrorStack), "middleware_test.TestTransportFailureKinds") {
				t.Errorf("error.stack does not show the caller:\n%s", spanTag(span, ext.ErrorStack))
			}
			if strings.Contains(spanTag(span, ext.HTTPURL), "s3cret") {
				t.Errorf("span url %q has the token", spanTag(span, ext.HTTPURL))
			}
		})
	}
}

func TestTransportStatusIsNotAnError(t *testing.T) {
	mt := mocktracer.Start()
	t.Cleanup(mt.Stop)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		w.WriteHeader(code)
	}))
	t.Cleanup(srv.Close)

	byCode := func(c *http.Client, path string) *mocktracer.Span {
		t.Helper()
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v (a status must come back as a response)", path, err)
		}
		resp.Body.Close()
		return clientSpan(t, mt, path)
	}

	def := &http.Client{Transport: middleware.Transport(srv.Client().Transport)}
	for _, tc := range []struct {
		code      int
		spanError bool
	}{
		{200, false}, {301, false}, {400, false}, {404, false}, {409, false}, {429, false},
		{499, false}, {500, true}, {502, true}, {503, true}, {504, true},
	} {
		path := "/" + strconv.Itoa(tc.code)
		if got := spanIsError(byCode(def, path)); got != tc.spanError {
			t.Errorf("%d: span error = %v, want %v", tc.code, got, tc.spanError)
		}
	}

	// WithErrorStatus: the caller decides.
	own := &http.Client{Transport: middleware.Transport(srv.Client().Transport,
		middleware.WithErrorStatus(func(code int) bool { return code == 404 }))}
	if !spanIsError(byCode(own, "/404?own")) || spanIsError(byCode(own, "/500?own")) {
		t.Error("WithErrorStatus is not applied to client spans")
	}
}

func TestTransportRedactsQueryInSpans(t *testing.T) {
	mt := mocktracer.Start()
	t.Cleanup(mt.Stop)
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	c := middleware.NewClient()
	t.Cleanup(c.CloseIdleConnections)
	secrets := []string{"hunter2", "tok-123", "k3y", "sig-abc"}
	resp, err := c.Get(srv.URL + "/search?password=hunter2&access_token=tok-123&api_key=k3y&signature=sig-abc&q=shoes")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	url := spanTag(clientSpan(t, mt, "/search"), ext.HTTPURL)
	for _, s := range secrets {
		if strings.Contains(url, s) {
			t.Errorf("span http.url %q has %q", url, s)
		}
	}
	if !strings.Contains(url, "q=shoes") {
		t.Errorf("span http.url %q lost the harmless parameter", url)
	}
}

func TestTransportPropagatesAndNamesRoute(t *testing.T) {
	mt := mocktracer.Start()
	t.Cleanup(mt.Stop)
	var gotParent string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotParent = r.Header.Get("X-Datadog-Parent-Id")
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	// Transport of a Transport traces once.
	c := &http.Client{Transport: middleware.Transport(middleware.Transport(srv.Client().Transport))}

	parent, ctx := tracer.StartSpanFromContext(context.Background(), "handler")
	ctx = middleware.WithRoute(ctx, "/charges/{id}")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/charges/42", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.Finish()

	span := clientSpan(t, mt, "/charges/42")
	if got := spanTag(span, ext.ResourceName); got != "GET /charges/{id}" {
		t.Errorf("resource = %q", got)
	}
	if got := spanTag(span, ext.HTTPRoute); got != "/charges/{id}" {
		t.Errorf("http.route = %q", got)
	}
	if span.ParentID() != parent.Context().SpanID() {
		t.Error("client span is not a child of the caller's span")
	}
	if gotParent != strconv.FormatUint(span.SpanID(), 10) {
		t.Errorf("server saw parent id %q, client span is %d", gotParent, span.SpanID())
	}

	// The route, not the id, is in the error of CheckResponse.
	err = middleware.CheckResponse(resp)
	if e, _ := errors.AsType[*errors.Error](err); e == nil || string(e.Op) != "GET "+req.URL.Host+"/charges/{id}" {
		t.Errorf("CheckResponse op: %v", err)
	}
}

func TestCheckResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code int
		kind errors.Kind // Other: no error
	}{
		{200, errors.Other}, {204, errors.Other}, {304, errors.Other},
		{400, errors.Invalid}, {401, errors.Unauthenticated}, {403, errors.PermissionDenied},
		{404, errors.NotFound}, {409, errors.Conflict}, {412, errors.FailedPrecondition},
		{418, errors.Invalid}, {429, errors.TooManyRequests}, {499, errors.Canceled},
		{500, errors.Internal}, {501, errors.Unimplemented}, {502, errors.Unavailable},
		{503, errors.Unavailable}, {504, errors.DeadlineExceeded}, {599, errors.Internal},
	} {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodDelete, "https://user:pw@payments.internal:8443/charges/42?token=s3cret", nil)
			resp := &http.Response{StatusCode: tc.code, Status: strconv.Itoa(tc.code) + " " + http.StatusText(tc.code), Request: req}
			err := middleware.CheckResponse(resp)
			if tc.kind == errors.Other {
				if err != nil {
					t.Fatalf("CheckResponse = %v, want nil", err)
				}
				return
			}
			if got := errors.KindOf(err); got != tc.kind {
				t.Errorf("KindOf = %v, want %v", got, tc.kind)
			}
			want := "DELETE payments.internal:8443/charges/42: " + strconv.Itoa(tc.code) + " "
			if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "http.status_code="+strconv.Itoa(tc.code)) {
				t.Errorf("error = %q, want prefix %q and the status code", err, want)
			}
			for _, leak := range []string{"s3cret", "pw"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q has %q", err, leak)
				}
			}
			if pub := errors.Public(err); strings.Contains(pub, "payments") || strings.Contains(pub, strconv.Itoa(tc.code)) {
				t.Errorf("public text %q names the dependency", pub)
			}
		})
	}
	if middleware.CheckResponse(nil) != nil {
		t.Error("CheckResponse(nil) != nil")
	}
	if err := middleware.CheckResponse(&http.Response{StatusCode: 503}); err == nil || !strings.HasPrefix(err.Error(), "HTTP: Service Unavailable") {
		t.Errorf("response without request: %v", err)
	}
}

// TestTransportErrorThroughWrap is the quickstart's /orders/{id}: a handler
// whose dependency is down returns the client's error wrapped with its own
// operation; the caller gets 503 with a generic text, and the log line gets
// the whole chain down to the refused connection.
func TestTransportErrorThroughWrap(t *testing.T) {
	mt := mocktracer.Start()
	t.Cleanup(mt.Stop)
	down := closedAddr(t)
	client := middleware.NewClient()
	t.Cleanup(client.CloseIdleConnections)
	mux := http.NewServeMux()
	mux.Handle("GET /orders/{id}", middleware.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		ctx := middleware.WithRoute(r.Context(), "/stock/{id}")
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+down+"/stock/"+r.PathValue("id"), nil)
		resp, err := middleware.Do(client, req)
		if err != nil {
			return errors.E(errors.Op("orders.Get"), "check stock of order "+r.PathValue("id"), err)
		}
		defer resp.Body.Close()
		return middleware.CheckResponse(resp)
	}))
	logs := &testlog.Records{}
	rec := httptest.NewRecorder()
	middleware.Wrap(mux, middleware.WithLogger(slog.New(logs))).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/orders/42", nil))

	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", rec.Code)
	}
	if body := rec.Body.String(); strings.Contains(body, down) || strings.Contains(body, "refused") || !strings.Contains(body, "service unavailable") {
		t.Errorf("client sees %s", body)
	}
	lines := logs.Lines()
	if len(lines) != 1 {
		t.Fatalf("%d log lines", len(lines))
	}
	msg := errors.LogValue(lines[0].Attrs["error"].Any().(error)).Group()
	var text string
	for _, a := range msg {
		if a.Key == "message" {
			text = a.Value.String()
		}
	}
	want := "orders.Get: check stock of order 42: GET " + down + "/stock/{id}: dial tcp " + down + ": connect: connection refused"
	if text != want {
		t.Errorf("logged error.message\n%q, want\n%q", text, want)
	}
}

func TestDo(t *testing.T) {
	t.Parallel()
	down := closedAddr(t)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	plain := &http.Transport{}
	t.Cleanup(plain.CloseIdleConnections)
	traced := middleware.Transport(&http.Transport{})
	t.Cleanup(traced.(interface{ CloseIdleConnections() }).CloseIdleConnections)

	cases := []struct {
		name     string
		client   *http.Client
		url      string
		kind     errors.Kind
		wantResp bool
	}{
		{"through Transport", &http.Client{Transport: traced}, "http://" + down + "/stock/1", errors.Unavailable, false},
		{"plain client", &http.Client{Transport: plain}, "http://" + down + "/stock/2", errors.Unavailable, false},
		{"client timeout", &http.Client{Transport: traced, Timeout: 30 * time.Millisecond}, slow.URL + "/stock/3", errors.DeadlineExceeded, false},
		{"plain client timeout", &http.Client{Transport: plain, Timeout: 30 * time.Millisecond}, slow.URL + "/stock/4", errors.DeadlineExceeded, false},
		{"redirect refused", &http.Client{Transport: plain, CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("redirects are not followed")
		}}, slow.URL + "/redirect", errors.Internal, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodGet, tc.url+"?api_key=s3cret", nil)
			resp, err := middleware.Do(tc.client, req)
			if (resp != nil) != tc.wantResp {
				t.Errorf("response %v, want one: %v", resp, tc.wantResp)
			}
			if resp != nil {
				resp.Body.Close()
			}
			if _, ok := err.(*errors.Error); !ok { //nolint:errorlint // the outer layer is the point
				t.Fatalf("Do returned %T, want *errors.Error: %v", err, err)
			}
			if errors.KindOf(err) != tc.kind {
				t.Errorf("KindOf(%v) = %v, want %v", err, errors.KindOf(err), tc.kind)
			}
			op := "GET " + req.URL.Host + req.URL.Path + ": "
			if text := err.Error(); !strings.HasPrefix(text, op) || strings.Count(text, op) != 1 || strings.Contains(text, "s3cret") {
				t.Errorf("error %q: want %q once at the start and no query", text, op)
			}
		})
	}

	// Success and a nil client (http.DefaultClient).
	ok := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(ok.Close)
	req, _ := http.NewRequest(http.MethodGet, ok.URL, nil)
	resp, err := middleware.Do(nil, req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
}

// roundTripFunc is an http.RoundTripper from a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestTransportLegacyCancel: a request canceled through its (deprecated)
// Cancel channel, which net/http also uses for Client.Timeout on transports
// it does not know, is Canceled, not Internal.
func TestTransportLegacyCancel(t *testing.T) {
	t.Parallel()
	rt := middleware.Transport(roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("net/http: request canceled")
	}))
	cancel := make(chan struct{})
	close(cancel)
	req, _ := http.NewRequest(http.MethodGet, "http://payments.internal/x", nil)
	//lint:ignore SA1019 the deprecated field is the point
	req.Cancel = cancel
	_, err := rt.RoundTrip(req)
	if errors.KindOf(err) != errors.Canceled {
		t.Errorf("KindOf(%v) = %v, want Canceled", err, errors.KindOf(err))
	}
}

// TestClientDoNamesTheCallOnce is the course's call: client.Do on a ddx
// client, the error wrapped by the caller. The URL is said once, by
// net/http's *url.Error, and errors.As still finds it and the network error.
func TestClientDoNamesTheCallOnce(t *testing.T) {
	t.Parallel()
	down := closedAddr(t)
	client := middleware.NewClient()
	t.Cleanup(client.CloseIdleConnections)
	req, _ := http.NewRequest(http.MethodGet, "http://"+down+"/prices", nil)
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("no error")
	}
	err = errors.E(errors.Op("fetch prices"), err)

	want := `fetch prices: Get "http://` + down + `/prices": dial tcp ` + down + ": connect: connection refused [duration="
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error\n%q, want it to start with\n%q", err, want)
	}
	if _, ok := errors.AsType[*url.Error](err); !ok {
		t.Error("errors.As finds no *url.Error")
	}
	if _, ok := errors.AsType[*net.OpError](err); !ok {
		t.Error("errors.As finds no *net.OpError")
	}
	if errors.KindOf(err) != errors.Unavailable {
		t.Errorf("KindOf = %v, want Unavailable", errors.KindOf(err))
	}
	// The stack starts at the code that sent the request, not in the
	// transports below it.
	if st := errors.Stack(err); !strings.HasPrefix(st, "github.com/ddx-go/ddx/middleware_test.TestClientDoNamesTheCallOnce\n") {
		t.Errorf("stack does not start at the caller:\n%s", st)
	}
}
