package ddxtest_test

import (
	"fmt"
	"testing"

	"github.com/ddx-go/ddx/ddxtest"
)

func TestMatchers(t *testing.T) {
	t.Parallel()
	span := ddxtest.Span{
		Name: "http.request", Service: "users", Resource: "GET /users/{id}", Error: true,
		TraceID: "6a0f3c2e00000000a1b2c3d4e5f60718", SpanID: 42, ParentID: 7,
		Meta:    map[string]string{"http.status_code": "503", "error.kind": "Unavailable", "region": "eu"},
		Metrics: map[string]float64{"retries": 2, "ratio": 0.5},
	}
	parent := ddxtest.Span{Name: "job", TraceID: span.TraceID, SpanID: 7}
	line := ddxtest.Log{
		"status": "ERROR", "message": "GET /users/{id}", "dd.service": "users",
		"dd.trace_id": span.TraceID, "dd.span_id": "42",
		"http.status_code": float64(503), "order_id": float64(42), "ok": true, "nothing": nil,
		"error": map[string]any{"kind": "Unavailable", "message": "users.Get: refused"},
		"http":  map[string]any{"route": "/users/{id}"},
		"a.b":   map[string]any{"c.d": "dotted"},
	}
	tests := []struct {
		name          string
		m             ddxtest.Matcher
		span, log     bool // expected matches
		spanOK, logOK bool // applies to spans, to log lines
	}{
		{"Name", ddxtest.Name("http.request"), true, false, true, false},
		{"Name other", ddxtest.Name("db.query"), false, false, true, false},
		{"Resource", ddxtest.Resource("GET /users/{id}"), true, false, true, false},
		{"IsError", ddxtest.IsError(), true, false, true, false},
		{"ChildOf", ddxtest.ChildOf(parent), true, false, true, false},
		{"ChildOf other trace", ddxtest.ChildOf(ddxtest.Span{TraceID: "x", SpanID: 7}), false, false, true, false},
		{"Service", ddxtest.Service("users"), true, true, true, true},
		{"Service other", ddxtest.Service("billing"), false, false, true, true},
		{"Level any case", ddxtest.Level("error"), false, true, false, true},
		{"Message", ddxtest.Message("GET /users/{id}"), false, true, false, true},
		{"Message is exact", ddxtest.Message("GET"), false, false, false, true},
		{"MessageContains", ddxtest.MessageContains("/users/"), false, true, false, true},
		{"InSpan", ddxtest.InSpan(span), false, true, false, true},
		{"InSpan other span", ddxtest.InSpan(parent), false, false, false, true},
		{"TraceID", ddxtest.TraceID(span.TraceID), true, true, true, true},
		{"Kind", ddxtest.Kind("Unavailable"), true, true, true, true},
		{"Kind other", ddxtest.Kind("NotFound"), false, false, true, true},
		{"HTTPStatus", ddxtest.HTTPStatus(503), true, true, true, true},
		{"HTTPStatus other", ddxtest.HTTPStatus(200), false, false, true, true},
		{"Attr number as text", ddxtest.Attr("order_id", 42), false, true, true, true},
		{"Attr string tag", ddxtest.Attr("region", "eu"), true, false, true, true},
		{"Attr metric", ddxtest.Attr("retries", 2), true, false, true, true},
		{"Attr float metric", ddxtest.Attr("ratio", 0.5), true, false, true, true},
		{"Attr bool", ddxtest.Attr("ok", true), false, true, true, true},
		{"Attr null", ddxtest.Attr("nothing", nil), false, true, true, true},
		{"Attr nested path", ddxtest.Attr("error.message", "users.Get: refused"), false, true, true, true},
		{"Attr nested object", ddxtest.Attr("http.route", "/users/{id}"), false, true, true, true},
		{"Attr dotted keys at two levels", ddxtest.Attr("a.b.c.d", "dotted"), false, true, true, true},
		{"Attr missing", ddxtest.Attr("missing", ""), false, false, true, true},
		{"HasAttr", ddxtest.HasAttr("error.kind"), true, true, true, true},
		{"HasAttr metric", ddxtest.HasAttr("retries"), true, false, true, true},
		{"Not", ddxtest.Not(ddxtest.IsError()), false, false, true, false},
		{"Not both", ddxtest.Not(ddxtest.Kind("NotFound")), true, true, true, true},
		{"SpanFunc", ddxtest.SpanFunc("has a parent", func(s ddxtest.Span) bool { return s.ParentID != 0 }), true, false, true, false},
		{"LogFunc", ddxtest.LogFunc("long message", func(l ddxtest.Log) bool { return len(l.Message()) > 3 }), false, true, false, true},
		{"nil func", ddxtest.SpanFunc("x", nil), false, false, false, false},
		{"zero", ddxtest.Matcher{}, false, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := span.Matches(tc.m); got != tc.span {
				t.Errorf("%s on the span = %v, want %v", tc.m, got, tc.span)
			}
			if got := line.Matches(tc.m); got != tc.log {
				t.Errorf("%s on the log line = %v, want %v", tc.m, got, tc.log)
			}
			// A matcher that does not apply never matches, even negated.
			if !tc.spanOK && span.Matches(ddxtest.Not(tc.m)) {
				t.Errorf("Not(%s) matched a span it does not apply to", tc.m)
			}
			if !tc.logOK && line.Matches(ddxtest.Not(tc.m)) {
				t.Errorf("Not(%s) matched a log line it does not apply to", tc.m)
			}
		})
	}
}

func TestMatcherStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m    ddxtest.Matcher
		want string
	}{
		{ddxtest.Resource("GET /a"), `Resource("GET /a")`},
		{ddxtest.Attr("order_id", 42), `Attr("order_id", 42)`},
		{ddxtest.Attr("name", "x"), `Attr("name", "x")`},
		{ddxtest.Not(ddxtest.IsError()), `Not(IsError())`},
		{ddxtest.HTTPStatus(404), `Attr("http.status_code", 404)`},
		{ddxtest.SpanFunc("slow", func(ddxtest.Span) bool { return true }), "slow"},
	}
	for _, tc := range tests {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("String() = %s, want %s", got, tc.want)
		}
	}
}

func TestLogAccessors(t *testing.T) {
	t.Parallel()
	l := ddxtest.Log{"status": "WARN", "message": "m", "dd.trace_id": "t", "dd.span_id": "1", "n": float64(1)}
	if l.Level() != "WARN" || l.Message() != "m" || l.TraceID() != "t" || l.SpanID() != "1" {
		t.Errorf("accessors: %q %q %q %q", l.Level(), l.Message(), l.TraceID(), l.SpanID())
	}
	if got := (ddxtest.Log{"message": 3}).Message(); got != "" {
		t.Errorf("a non-string message reads as %q, want empty", got)
	}
	if got, want := l.String(), `{"dd.span_id":"1","dd.trace_id":"t","message":"m","n":1,"status":"WARN"}`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	if _, ok := l.Value("n.x"); ok {
		t.Error("a path through a number found something")
	}
}

func FuzzLogValue(f *testing.F) {
	for _, s := range []string{"a", "a.b", "a.b.c", ".", "..", "a..b", ".a", "a."} {
		f.Add(s)
	}
	l := ddxtest.Log{"a": map[string]any{"b": map[string]any{"c": 1.0}, "": "empty"}, "a.b": "flat", "": map[string]any{"a": "x"}}
	f.Fuzz(func(t *testing.T, path string) {
		v, ok := l.Value(path)
		// A top-level key always wins over a path through nested objects.
		if want, top := l[path]; top && (!ok || fmt.Sprint(v) != fmt.Sprint(want)) {
			t.Fatalf("Value(%q) = %v, %v; want the top-level %v", path, v, ok, want)
		}
		if !ok && v != nil {
			t.Fatalf("Value(%q) = %v with ok false", path, v)
		}
	})
}
