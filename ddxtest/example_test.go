package ddxtest_test

import (
	"fmt"

	"github.com/ddx-go/ddx/ddxtest"
)

// In a test, rec.RequireSpan and rec.RequireLog take the same matchers and
// wait for what they describe:
//
//	rec := ddxtest.Start(t)
//	// ... serve a request through middleware.Wrap ...
//	span := rec.RequireSpan(t, ddxtest.Resource("GET /users/{id}"), ddxtest.IsError())
//	rec.RequireLog(t, ddxtest.Level("ERROR"), ddxtest.Kind("Unavailable"), ddxtest.TraceID(span.TraceID))
//
// Here the matchers are applied by hand to a span and a log line shaped like
// the ones a failed request produces.
func Example() {
	span := ddxtest.Span{
		Name: "http.request", Resource: "GET /users/{id}", Error: true,
		TraceID: "6a0f3c2e00000000a1b2c3d4e5f60718", SpanID: 42,
		Meta: map[string]string{"http.status_code": "503", "error.kind": "Unavailable"},
	}
	line := ddxtest.Log{
		"status": "ERROR", "message": "GET /users/{id}",
		"dd.trace_id": "6a0f3c2e00000000a1b2c3d4e5f60718", "dd.span_id": "42",
		"http.status_code": float64(503),
		"error":            map[string]any{"kind": "Unavailable", "message": "users.Get: connection refused"},
	}

	fmt.Println(span.Matches(ddxtest.Resource("GET /users/{id}"), ddxtest.IsError(), ddxtest.HTTPStatus(503)))
	fmt.Println(line.Matches(ddxtest.Level("ERROR"), ddxtest.Kind("Unavailable"), ddxtest.HTTPStatus(503)))
	fmt.Println(line.Matches(ddxtest.TraceID(span.TraceID), ddxtest.InSpan(span)))
	fmt.Println(line.Matches(ddxtest.Level("WARN")))
	v, _ := line.Value("error.message")
	fmt.Println(v)
	// Output:
	// true
	// true
	// true
	// false
	// users.Get: connection refused
}
