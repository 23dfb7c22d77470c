package outcome

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/errors"
)

func TestLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		code int
		err  error
		want slog.Level
	}{
		{"200", 200, nil, slog.LevelInfo},
		{"301", 301, nil, slog.LevelInfo},
		{"404", 404, nil, slog.LevelWarn},
		{"499", 499, nil, slog.LevelInfo},
		{"499 with an internal error", 499, errors.E(errors.Internal, "x"), slog.LevelInfo},
		{"500", 500, nil, slog.LevelError},
		{"503", 503, nil, slog.LevelError},
		{"not found error", 404, errors.E(errors.NotFound, "x"), slog.LevelWarn},
		{"canceled error", 200, context.Canceled, slog.LevelInfo},
		{"plain error after a 200", 200, fmt.Errorf("x"), slog.LevelError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, LevelHTTP(tc.code, Classify(tc.err)))
		})
	}
	assert.Equal(t, slog.LevelInfo, Level(Classify(nil)))
	assert.Equal(t, slog.LevelWarn, Level(Classify(errors.E(errors.Conflict, "x"))))
	assert.Equal(t, slog.LevelError, Level(Classify(errors.E(errors.Unavailable, "x"))))
}

func TestPanicError(t *testing.T) {
	t.Parallel()
	err := PanicError("boom")
	assert.Equal(t, errors.Internal, errors.KindOf(err))
	assert.Contains(t, err.Error(), "boom")
	assert.NotEmpty(t, errors.Stack(err))
	cause := fmt.Errorf("inner")
	assert.ErrorIs(t, PanicError(cause), cause)
}

func TestRecordErrorFlag(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	tests := []struct {
		name string
		err  error
		flag bool
		want int32
		kind any
	}{
		{"expected kind forced to error", errors.E(errors.NotFound, "x"), true, 1, "NotFound"},
		{"unexpected kind forced to no error", errors.E(errors.Unavailable, "x"), false, 0, "Unavailable"},
		{"status only", nil, true, 1, nil},
		{"nothing", nil, false, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mt.Reset()
			s := tracer.StartSpan("x")
			RecordError(s, Classify(tc.err), tc.flag, "500: Internal Server Error")
			s.Finish()
			span := mt.FinishedSpans()[0]
			assert.Equal(t, tc.want, span.Tag(ext.MapSpanError))
			assert.Equal(t, tc.kind, span.Tag("error.kind"))
			if tc.want == 1 {
				assert.NotEmpty(t, span.Tag(ext.ErrorMsg))
			}
		})
	}
	assert.NotPanics(t, func() { RecordError(nil, Classify(errors.New("x")), true, "") })
}

func TestClientGone(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	assert.False(t, ClientGone(ctx))
	cancel()
	assert.True(t, ClientGone(ctx))
	//lint:ignore SA1012 nil ctx must not crash
	assert.False(t, ClientGone(nil))
	dctx, dcancel := context.WithTimeout(context.Background(), 0)
	defer dcancel()
	<-dctx.Done()
	assert.False(t, ClientGone(dctx), "a deadline is not the client leaving")
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "192.0.2.1", ClientIP("192.0.2.1:1234"))
	assert.Equal(t, "::1", ClientIP("[::1]:80"))
	assert.Equal(t, "pipe", ClientIP("pipe"))
	assert.Equal(t, "", ClientIP(""))
}

func TestErrorStatus(t *testing.T) {
	t.Setenv(ServerErrorStatuses, "")
	def := ErrorStatus(ServerErrorStatuses)
	assert.True(t, def(500))
	assert.True(t, def(599))
	assert.False(t, def(404))
	assert.False(t, def(499))
	t.Setenv(ClientErrorStatuses, "400-499")
	c := ErrorStatus(ClientErrorStatuses)
	assert.True(t, c(404))
	assert.False(t, c(500))
}

func TestHTTP(t *testing.T) {
	t.Parallel()
	is5xx := func(c int) bool { return c >= 500 }
	flag, level := HTTP(500, Verdict{}, true, is5xx)
	assert.True(t, flag)
	assert.Equal(t, slog.LevelError, level)
	flag, level = HTTP(404, Classify(errors.E(errors.NotFound, "x")), false, is5xx)
	assert.False(t, flag)
	assert.Equal(t, slog.LevelWarn, level)
	flag, level = HTTP(503, Verdict{}, false, is5xx)
	assert.True(t, flag)
	assert.Equal(t, slog.LevelError, level)
}

func TestWriteProblem(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/x", nil)
	w := httptest.NewRecorder()
	err := errors.E(errors.NotFound, "user 7 not found", errors.Code("user.missing"))
	WriteProblem(w, r, HTTPStatus(Classify(err), r), Classify(err))
	assert.Equal(t, 404, w.Code)
	assert.Equal(t, ProblemContentType, w.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"type":"about:blank","title":"Not Found","status":404,"detail":"user 7 not found","code":"user.missing"}`, w.Body.String())

	w = httptest.NewRecorder()
	WriteProblem(w, r, 499, Classify(errors.E(errors.Canceled, "gone")))
	assert.Equal(t, 499, w.Code)
	assert.Empty(t, w.Body.String(), "nobody reads a 499")
	assert.Equal(t, "Client Closed Request", StatusText(499))
}

func TestHTTPAccessAttrs(t *testing.T) {
	full := httptest.NewRequest("GET", "/users/42?x=1", nil)
	full.Header.Set("User-Agent", "curl/8.0")
	full.Header.Set("X-Request-Id", "r1")
	bare := &http.Request{Method: "POST", Header: http.Header{}}
	for _, c := range []struct {
		name  string
		r     *http.Request
		route string
		want  string
	}{
		{"every field", full, "/users/{id}",
			"[http.method=GET http.status_code=200 http.url_details.path=/users/42 http.route=/users/{id} http.useragent=curl/8.0 network.client.ip=192.0.2.1 http.request_id=r1 duration=1500]"},
		{"no route, headers, address or URL", bare, "",
			"[http.method=POST http.status_code=200 http.url_details.path= duration=1500]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf [10]slog.Attr
			got := HTTPAccessAttrs(buf[:0], c.r, 200, c.route, 1500)
			if s := fmt.Sprint(got); s != c.want {
				t.Errorf("got  %s\nwant %s", s, c.want)
			}
		})
	}
	if n := testing.AllocsPerRun(100, func() {
		var buf [10]slog.Attr
		_ = HTTPAccessAttrs(buf[:0], full, 200, "/users/{id}", 1500)
	}); n != 0 {
		t.Errorf("HTTPAccessAttrs allocates %v times", n)
	}
}

// TestClassifyIn: Canceled is the client's doing only when the request's
// context says so; otherwise it is a failure inside the server, Internal,
// whose stack is still where the error was made.
func TestClassifyIn(t *testing.T) {
	t.Parallel()
	live := context.Background()
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	own, ownCancel := context.WithCancel(live)
	ownCancel()
	ownErr := errors.E(errors.Op("cache.Refresh"), own.Err()) // the stack is here
	tests := []struct {
		name      string
		ctx       context.Context
		err       error
		want      errors.Kind
		rewritten bool
	}{
		{"own canceled context, client waiting", live, ownErr, errors.Internal, true},
		{"a bare context.Canceled, client waiting", live, fmt.Errorf("refresh: %w", context.Canceled), errors.Internal, true},
		{"the client went away", gone, ownErr, errors.Canceled, false},
		{"no context to tell", nil, ownErr, errors.Canceled, false},
		{"another kind", live, errors.E(errors.NotFound, "no user 7"), errors.NotFound, false},
		{"a deadline", live, context.DeadlineExceeded, errors.DeadlineExceeded, false},
		{"nil", live, nil, errors.Other, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := ClassifyIn(tc.ctx, tc.err)
			assert.Equal(t, tc.want, v.Kind)
			if tc.err == nil {
				assert.Nil(t, v.Err)
				return
			}
			assert.Equal(t, tc.want, errors.KindOf(v.Err), "the error says what the verdict says")
			if !tc.rewritten {
				assert.True(t, v.Err == tc.err, "unchanged")
				return
			}
			assert.Contains(t, v.Err.Error(), "canceled inside the server")
			assert.Contains(t, v.Err.Error(), tc.err.Error())
			if errors.HasStack(tc.err) {
				assert.Equal(t, errors.Stack(tc.err), errors.Stack(v.Err), "the stack is where the error was made")
			} else {
				assert.Contains(t, errors.Stack(v.Err), "TestClassifyIn", "a plain error gets the stack of where it was classified")
			}
		})
	}
}

type panicForm struct {
	User     string
	Password string
}

// FuzzPanicError panics with values built from the fuzzer's bytes (maps of
// any key type, structs, headers, url.Values, slices, pointers, errors with
// such attributes) and keys the fuzzer spells beside the secret ones: PanicError never
// crashes and the secret is in neither its message nor its text.
func FuzzPanicError(f *testing.F) {
	f.Add([]byte{0, 1, 2}, "password", "bob")
	f.Add([]byte{3, 4, 5, 6}, "X-Api-Key", "")
	f.Add([]byte{7, 2, 7}, "Authorization", "\xff")
	f.Fuzz(func(t *testing.T, sel []byte, key, val string) {
		if len(sel) > 16 {
			sel = sel[:16]
		}
		const secret = "zz-panic-secret-zz"
		var v any = map[string]string{"token": secret}
		for _, b := range sel {
			switch b % 8 {
			case 0:
				v = map[string]any{"password": secret, key: val, "in": v}
			case 1:
				v = []any{val, v}
			case 2:
				v = &panicForm{User: val, Password: secret}
			case 3:
				v = http.Header{"Cookie": {secret}, key: {val}}
			case 4:
				v = url.Values{"sid": {secret}, "in": {fmt.Sprint(len(val))}}
			case 5:
				v = map[int]any{len(key): v}
			case 6:
				v = errors.E(errors.NotFound, val, slog.Any("in", v))
			case 7:
				v = struct {
					panicForm
					In any
				}{panicForm{val, secret}, v}
			}
		}
		err := PanicError(v)
		if strings.Contains(errors.Message(err), secret) || strings.Contains(err.Error(), secret) {
			t.Fatalf("secret in %q", err.Error())
		}
	})
}
