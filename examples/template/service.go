package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

// item is what the service serves. Replace it, the store and the handlers
// with your own; keep the shape: handlers return errors built with
// errors.E, and the middleware answers, logs and traces them by their kind.
type item struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// store is where items come from: SQLite or PostgreSQL (store.go).
type store interface {
	Get(ctx context.Context, id int) (item, error)
	Count(ctx context.Context) (int, error)
}

// service holds the handlers and the background job.
type service struct {
	store store
	// ready is what /readyz answers: false until the server listens and
	// again from the moment shutdown begins.
	ready atomic.Bool
}

func newService(s store) *service { return &service{store: s} }

// handler is what the server serves: the routes inside ddx's middleware,
// which gives each request a span and one access-log line, answers errors
// by their kind and recovers panics.
func (s *service) handler() http.Handler { return middleware.Wrap(s.routes()) }

// routes is the whole HTTP surface. Route patterns become the resource
// names in Datadog ("GET /items/{id}"), so keep the ids in the pattern.
func (s *service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", middleware.HandlerFunc(s.getItem))

	// Probes: the middleware makes no span and no log line for them.
	// Liveness says the process answers; readiness says it wants traffic.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	return mux
}

func (s *service) getItem(w http.ResponseWriter, r *http.Request) error {
	const op errors.Op = "items.Get"
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		// Invalid: the client's mistake. 400 with this message, a WARN
		// line, and the span is not an error, so no monitor counts it.
		return errors.E(op, errors.Invalid, "item id must be a number", err)
	}
	it, err := s.store.Get(r.Context(), id)
	if err != nil {
		// The store's error already has a kind (NotFound, Unavailable...);
		// add what this layer knows.
		return errors.E(op, fmt.Sprintf("load item %d", id), slog.Int("item.id", id), err)
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(it)
}

// refresh is the background job middleware.Every runs: each run gets a
// span (job.run, resource items.refresh) and one log line, and its error is
// recorded by kind like a request's. Replace it with your own work; delete
// it and its Every call in run if the service has none.
func (s *service) refresh(ctx context.Context) error {
	n, err := s.store.Count(ctx)
	if err != nil {
		return errors.E(errors.Op("items.Refresh"), "count items", err)
	}
	slog.DebugContext(ctx, "items counted", "items.count", n)
	return nil
}
