// Command quickstart is a small HTTP service instrumented with ddx: traces,
// profiles, runtime metrics and trace-correlated JSON logs from one line in
// main, and errors that say what broke.
//
//	go run ./examples/quickstart          # serves on 127.0.0.1:8080
//	PORT=9000 DD_SERVICE=shop DD_ENV=dev go run ./examples/quickstart
//
// It works without a Datadog Agent: one log line says so and, on a terminal,
// each finished trace is drawn on stderr instead (the local trace view;
// DD_ENV=local shows it even with an Agent, DDX_LOCAL_VIEW=false never).
// With stdout and stderr piped and no Agent, the spans are dropped. Try:
//
//	curl -i localhost:8080/hello
//	curl -i localhost:8080/users/1     # 200, a JSON user
//	curl -i localhost:8080/users/42    # 404, NotFound
//	curl -i localhost:8080/users/abc   # 400, Invalid
//	curl -i localhost:8080/orders/7    # 503: a dependency is down
//	curl -i localhost:8080/panic       # 500: the handler panics
//	curl -i localhost:8080/healthz     # 200, and nothing logged
package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors" // a drop-in for the standard errors package
	"github.com/ddx-go/ddx/middleware"
)

func main() {
	if err := run(); err != nil {
		os.Exit(1) // run has logged the error and stopped ddx
	}
}

func run() error {
	// One line: tracer, profiler, runtime metrics and a JSON logger that adds
	// dd.trace_id to every line, all configured from DD_* variables. Stop
	// flushes what is left when run returns.
	defer ddx.Start().Stop()

	// Stop on Ctrl-C or on SIGTERM (what Kubernetes sends).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", "127.0.0.1:"+port())
	if err == nil {
		slog.Info("listening", "addr", "http://"+ln.Addr().String())
		err = serve(ctx, ln, newHandler())
	}
	if err != nil {
		slog.Error("server failed", "error", err)
	}
	return err
}

// serve answers requests on ln with h until ctx ends, then stops accepting
// connections and waits (up to 10 s) for the requests in flight to finish.
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		// net/http's own complaints (bad TLS handshakes...) as JSON too.
		ErrorLog: slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}
	defer context.AfterFunc(ctx, func() { slog.Info("shutting down") })()
	// Serve is http.Server.Shutdown without its five-second wait for
	// clients that connected and sent nothing yet.
	return middleware.Serve(ctx, srv, ln, 10*time.Second)
}

func port() string {
	if p := os.Getenv("PORT"); p != "" {
		return p
	}
	return "8080"
}

// newHandler is the whole service: routes, wrapped by ddx's middleware for a
// span and an access-log line per request. Tests serve it with httptest.
func newHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", hello)
	// middleware.HandlerFunc handlers return their error; the middleware
	// picks the status from the error's kind and answers with JSON.
	mux.Handle("GET /users/{id}", middleware.HandlerFunc(getUser))
	mux.Handle("GET /orders/{id}", middleware.HandlerFunc(getOrder))
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) {
		panic("something went very wrong")
	})
	// Health checks are answered but not traced nor logged: they would bury
	// real traffic.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	return middleware.Wrap(mux)
}

func hello(w http.ResponseWriter, _ *http.Request) {
	_, _ = io.WriteString(w, "hello\n")
}

type user struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

var users = map[int]user{1: {1, "Ada"}, 2: {2, "Grace"}, 3: {3, "Margaret"}}

func getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		// Invalid: the client's mistake. Answered 400 with this message; a
		// WARN log line, and the span is not an error: nobody is paged.
		return errors.E(errors.Op("users.Get"), errors.Invalid, "user id must be a number", err)
	}
	u, ok := users[id]
	if !ok {
		return errors.E(errors.Op("users.Get"), errors.NotFound, "user "+strconv.Itoa(id)+" not found")
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(u)
}

// paymentsURL is a dependency that is down: nothing listens on port 1.
const paymentsURL = "http://127.0.0.1:1"

// payments is an HTTP client traced by ddx: its calls get a span, and its
// failures say what was called and carry a kind (a refused connection is
// Unavailable).
var payments = middleware.NewClient()

func getOrder(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	// Each layer adds what it knows: the operation, the input, the cause.
	// The log line and the span get the whole chain,
	//   orders.Get: load payment of order 7: GET 127.0.0.1:1/payments/{id}: ... connection refused
	// the client only "service unavailable" and a trace id to quote.
	status, err := paymentStatus(r.Context(), id)
	if err != nil {
		return errors.E(errors.Op("orders.Get"), "load payment of order "+id, slog.String("order.id", id), err)
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(map[string]string{"id": id, "payment": status})
}

func paymentStatus(ctx context.Context, orderID string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	// WithRoute names the span "GET /payments/{id}" rather than the raw URL.
	ctx = middleware.WithRoute(ctx, "/payments/{id}")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, paymentsURL+"/payments/"+orderID, nil)
	if err != nil {
		return "", err
	}
	// middleware.Do is payments.Do without net/http's *url.Error, which
	// would repeat the whole URL (query string and all) in the error text.
	resp, err := middleware.Do(payments, req)
	if err != nil {
		return "", err // already an Unavailable error naming the call
	}
	defer resp.Body.Close()
	if err := middleware.CheckResponse(resp); err != nil {
		return "", err
	}
	var body struct{ Status string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", errors.E(errors.Op("payments.Status"), errors.Unavailable, "decode answer", err)
	}
	return body.Status, nil
}
