// Package ddxgin gives a gin router exactly what middleware.Wrap gives a
// net/http server, through Wrap itself: a server span per request named by
// gin's route ("GET /users/:id", from c.FullPath), panic recovery, the Kind
// table for the status, the span's error flag and the log level, RFC 9457
// problem+json answers with the public message and the trace id, one
// access-log line correlated to the span, silent health paths and no
// credential headers on spans.
//
//	r := gin.New() // gin.Recovery is not needed: ddxgin recovers
//	r.Use(ddxgin.Middleware())
//	r.GET("/users/:id", func(c *gin.Context) {
//		u, err := store.User(c.Request.Context(), c.Param("id"))
//		if err != nil {
//			_ = c.Error(err) // errors.E(errors.NotFound, "user 7 not found") → 404
//			return
//		}
//		c.JSON(http.StatusOK, u)
//	})
//
// Handlers report failures the gin way, with c.Error: once the chain has
// run, the first error is answered as middleware.Error answers it, unless
// the handler already wrote its response, which it keeps (the error is
// still recorded on the span and the log line). An error gin marks as a
// binding error (gin.ErrorTypeBind) is of kind Invalid. Pass
// c.Request.Context(), not c, to what the handler calls: it carries the
// request's span, so their spans are its children.
//
// gin's own answers to requests no route serves, its 404 (NoRoute) and 405
// (NoMethod), are the answers every router gets under ddx (outcome.Unrouted):
// the same status and the same detail, "nothing is served at this path" or
// "this method is not allowed here", as under Wrap, ddxecho and ddxchi. A
// NoRoute handler of your own that writes an answer keeps it. The resource
// of such a request is the method alone, as for Wrap.
//
// gin answers a method a path does not take (POST to a GET route) with
// its 404 unless the engine says otherwise, where net/http, echo and chi
// answer 405. Set it, as the middleware cannot (it sees a request, not the
// engine):
//
//	r := gin.New()
//	r.HandleMethodNotAllowed = true // 405 for a wrong method, as every other router
//	r.Use(ddxgin.Middleware())
//
// The middleware sets c.Request.Pattern to c.FullPath() before Wrap starts
// the span, which is how Wrap learns the route of a request a router has
// already matched; a ServeMux pattern gin was mounted under is replaced.
//
// Put the middleware first, with r.Use on the engine: what runs before it
// is not traced nor recovered, and gin's NoRoute and NoMethod chains only
// include the engine's middlewares.
package ddxgin
