// Package ddxtest tests a service's observability the way Datadog will see
// it: code runs under the real dd-trace-go tracer, which sends its spans to
// a Datadog Agent on 127.0.0.1 inside the test process, and ddx's default
// logger writes its JSON lines into memory. The test then asserts on both:
//
//	func TestGetUserWhenTheStoreIsDown(t *testing.T) {
//		rec := ddxtest.Start(t, ddx.WithService("users"))
//		srv := httptest.NewServer(middleware.Wrap(newMux(downStore{})))
//		defer srv.Close()
//
//		resp, err := http.Get(srv.URL + "/users/7")
//		// ... check the answer is a 503 ...
//
//		span := rec.RequireSpan(t, ddxtest.Resource("GET /users/{id}"), ddxtest.IsError())
//		rec.RequireLog(t, ddxtest.Level("ERROR"), ddxtest.Kind("Unavailable"), ddxtest.TraceID(span.TraceID))
//	}
//
// "This request logged an ERROR of kind Unavailable, in the same trace as
// an error span" is exactly what lets a person go from a monitor to the
// cause in Datadog; the test keeps it true.
//
// # Waiting
//
// Spans reach the Agent when the tracer flushes, on its own goroutine.
// [Recorder.RequireSpan], [Recorder.WaitSpans] and [Recorder.RequireLog]
// wait, flushing as needed, until what they look for arrives, and fail the
// test after a timeout (10s, see [Recorder.SetTimeout]) with a list of
// what did arrive and the first condition each item failed.
// [Recorder.Spans] and [Recorder.Logs] return what is there now;
// [Recorder.Flush] waits until every span finished so far has arrived, and
// [Recorder.RequireNoSpan] flushes before it looks.
//
// # Matchers
//
// A [Matcher] is one condition. Several given together must all hold.
// Those that make sense for both spans and log lines (TraceID, Kind, Attr,
// HTTPStatus, Service) work on both; the others say which they apply to,
// and using one in the wrong place fails the test with a message saying so.
//
// # One at a time
//
// The tracer and slog's default logger are process-wide, so a test that
// uses [Start] cannot run in parallel with another: do not call t.Parallel
// in it (Start fails the test if the test or one of its parents is
// parallel, or if another Recorder or a ddx.Start outside ddxtest is still
// running). Other tests in the package may still be parallel among
// themselves: Go runs parallel tests only after the sequential ones of the
// same level have finished.
//
// When the test ends, ddx and the Agent are stopped, every line written is
// checked to be one JSON object, and if the test failed the captured log is
// printed with the test's output.
package ddxtest
