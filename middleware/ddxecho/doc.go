// Package ddxecho gives an echo v4 server exactly what middleware.Wrap
// gives a net/http server, through Wrap itself: a server span per request
// named by echo's route ("GET /users/:id", from c.Path), panic recovery, the
// Kind table for the status, the span's error flag and the log level, RFC
// 9457 problem+json answers with the public message and the trace id, one
// access-log line correlated to the span, silent health paths and no
// credential headers on spans.
//
//	e := echo.New()
//	e.Use(ddxecho.Middleware())
//	e.GET("/users/:id", func(c echo.Context) error {
//		u, err := store.User(c.Request().Context(), c.Param("id"))
//		if err != nil {
//			return err // errors.E(errors.NotFound, "user 7 not found") → 404
//		}
//		return c.JSON(http.StatusOK, u)
//	})
//
// Handlers return their errors, as echo wants. The middleware answers them
// itself, as middleware.Error does, and returns nil, so echo's
// HTTPErrorHandler does not answer a second time: with a plain echo.New()
// the client gets ddx's problem+json, not echo's {"message":…}. echo's own
// *echo.HTTPError (a binding error's 400, 413, 415 …) keeps its status and takes the Kind of
// that status (errors.KindOfHTTP); its message, which may quote what the
// client sent or an internal error, is not the answer's detail: the kind's
// public text is. A handler that already wrote its response keeps it, and
// its error is still recorded.
//
// echo's own answers to requests no route serves, its 404 and its 405 for
// a method the path does not take, are the answers every router gets under
// ddx (outcome.Unrouted): the same status and the same detail, "nothing is
// served at this path" or "this method is not allowed here", as under
// Wrap, ddxgin and ddxchi. Their resource is the method alone, as for Wrap.
//
// Under e.Use, echo has routed when the middleware runs: it puts c.Path()
// in Request.Pattern and Wrap names the span when it starts it. Under e.Pre
// the route is read once the chain has run, as Wrap does for a ServeMux it
// cannot ask.
//
// Register the middleware first, with e.Use: what runs before it is not
// traced nor recovered, and echo.Recover is not needed.
package ddxecho
