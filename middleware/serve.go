package middleware

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/ddx-go/ddx/errors"
)

// freshPoll is how often a shutdown looks for connections that have not
// sent a request, such as one accepted just before the listener closed.
const freshPoll = 50 * time.Millisecond

// Serve serves srv on ln until ctx is done, then shuts it down gracefully
// and returns nil: it stops accepting, lets the requests in flight finish,
// for at most timeout, and then returns, so that a deferred
// ddx.Start().Stop() flushes their spans. A server that fails on its own
// makes Serve return the failure at once. When the requests in flight
// outlast timeout, their connections are closed and Serve returns an
// error that matches context.DeadlineExceeded.
//
//	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//	defer stop()
//	err := middleware.Serve(ctx, &http.Server{Handler: mux}, ln, 10*time.Second)
//
// It is http.Server.Shutdown without one wait: Shutdown counts a
// connection that has not sent its first request as busy for five seconds,
// so a client that connected just before SIGTERM (a load balancer's spare
// connection, a load generator's pool) holds every rolling deploy for 5 s.
// Yet once the shutdown has begun, net/http closes such a connection
// unanswered when a request does arrive on it. Serve closes them at once:
// nothing is lost that would have been served. It sets srv.ConnState to
// see them, and calls the one srv had.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, timeout time.Duration) error {
	if ctx == nil {
		ctx = context.Background()
	}
	fresh := newFreshConns(srv)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		if errors.Is(err, http.ErrServerClosed) {
			return nil // closed by its owner
		}
		return errors.E(errors.Op("middleware.Serve"), errors.Unavailable, err)
	case <-ctx.Done():
	}

	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(shutdownCtx) }()
	tick := time.NewTicker(freshPoll)
	defer tick.Stop()
	var err error
	for waiting := true; waiting; {
		fresh.close()
		select {
		case err = <-shut:
			waiting = false
		case <-tick.C:
		}
	}
	if serveErr := <-served; err == nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = serveErr
	}
	if err != nil {
		_ = srv.Close() // requests still running: their connections go
		return errors.E(errors.Op("middleware.Serve"), errors.Unavailable,
			"shut down with requests in flight after "+timeout.String(), err)
	}
	return nil
}

// freshConns tracks a server's connections that have not sent a request.
type freshConns struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func newFreshConns(srv *http.Server) *freshConns {
	f := &freshConns{conns: make(map[net.Conn]struct{})}
	prev := srv.ConnState
	srv.ConnState = func(c net.Conn, s http.ConnState) {
		f.mu.Lock()
		if s == http.StateNew {
			f.conns[c] = struct{}{}
		} else {
			delete(f.conns, c)
		}
		f.mu.Unlock()
		if prev != nil {
			prev(c, s)
		}
	}
	return f
}

// close closes the connections that have not sent a request.
func (f *freshConns) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		_ = c.Close()
		delete(f.conns, c)
	}
}
