// Package ddxchi gives a go-chi/chi v5 router exactly what middleware.Wrap
// gives a net/http server, through Wrap itself: a server span per request
// named by chi's route pattern ("GET /users/{id}"), panic recovery, the Kind
// table for the status, the span's error flag and the log level, RFC 9457
// problem+json answers with the public message and the trace id, one
// access-log line correlated to the span, silent health paths and no
// credential headers on spans.
//
//	r := chi.NewRouter()
//	r.Use(ddxchi.Middleware())
//	r.Method("GET", "/users/{id}", middleware.HandlerFunc(getUser))
//
// Handlers report errors as they do under Wrap: by returning them from a
// middleware.HandlerFunc, or with middleware.Error.
//
// Put the middleware first in the root router's r.Use: what runs before it
// is not traced nor recovered. chi routes after its middlewares run, and
// sets Request.Pattern when a route matches; Wrap reads it once the handler
// returns, so the resource is the full pattern of the route, mounted
// sub-routers included.
//
// chi's own answers for requests no route serves, its 404 (NotFound) and
// 405 (MethodNotAllowed), become problem answers like any other failure: an
// unrouted request answered 404 or 405 in plain text, or with no body, is
// answered by ddx instead, whether the root router or a mounted sub-router
// (r.Mount, r.Route, at any depth) found no route. A NotFound or
// MethodNotAllowed handler of your own that sets another Content-Type
// keeps its answer, and so does a route's handler (http.FileServer, a
// plain handler mounted with r.Mount) that answers 404 itself.
//
// The writer handlers get keeps the optional interfaces plain chi's has:
// http.Flusher, http.Hijacker and io.ReaderFrom (io.Copy from a file stays
// on net/http's sendfile path), and Unwrap for http.ResponseController.
package ddxchi
