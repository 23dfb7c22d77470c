package middleware_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return ln
}

// serve runs middleware.Serve on a new listener and returns its address,
// the cancel that starts the shutdown and the channel Serve's result
// arrives on.
func serve(t *testing.T, srv *http.Server, timeout time.Duration) (addr string, shutdown context.CancelFunc, result <-chan error) {
	t.Helper()
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done, returned := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(returned)
		done <- middleware.Serve(ctx, srv, ln, timeout)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-returned:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return")
		}
	})
	return ln.Addr().String(), cancel, done
}

// TestServeDoesNotWaitForQuietConnections: a client that connected and sent
// nothing no longer holds the shutdown for net/http's five seconds, while
// a request in flight still finishes.
func TestServeDoesNotWaitForQuietConnections(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var states atomic.Int32
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-release
			_, _ = io.WriteString(w, "done")
		}),
		ConnState: func(net.Conn, http.ConnState) { states.Add(1) },
	}
	addr, shutdown, result := serve(t, srv, 10*time.Second)

	quiet, err := net.Dial("tcp", addr) // connected, never sends a request
	require.NoError(t, err)
	defer quiet.Close()

	inFlight := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			inFlight <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		inFlight <- string(b)
	}()
	require.Eventually(t, func() bool { return states.Load() >= 3 }, 5*time.Second, 5*time.Millisecond,
		"both connections seen, the request read")

	start := time.Now()
	shutdown()
	time.Sleep(100 * time.Millisecond)
	close(release)
	assert.Equal(t, "done", <-inFlight, "the request in flight finishes")
	require.NoError(t, <-result)
	// net/http alone returns after 5 s here.
	assert.Less(t, time.Since(start), 3*time.Second)

	_, err = quiet.Read(make([]byte, 1))
	assert.Error(t, err, "the quiet connection is closed")
}

// TestShutdownNeverAnswersFreshConnections holds net/http to what Serve
// relies on when it closes the connections that have not sent a request:
// once Shutdown has begun, a request arriving on such a connection gets no
// answer anyway. Should net/http start serving them, this fails, and
// Serve must stop closing them.
func TestShutdownNeverAnswersFreshConnections(t *testing.T) {
	t.Parallel()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})}
	ln := listen(t)
	go func() { _ = srv.Serve(ln) }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	time.Sleep(50 * time.Millisecond) // accepted, in StateNew

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(shutdownCtx) }()
	time.Sleep(100 * time.Millisecond)
	_, err = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	b, _ := io.ReadAll(conn)
	assert.Empty(t, string(b), "net/http answered a request on a fresh connection during Shutdown")
	assert.NoError(t, <-shut)
}

func TestServeTimeout(t *testing.T) {
	t.Parallel()
	stuck := make(chan struct{})
	defer close(stuck)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stuck:
		case <-r.Context().Done(): // the connection closed by Serve
		}
	})}
	addr, shutdown, result := serve(t, srv, 200*time.Millisecond)
	go func() {
		if resp, err := http.Get("http://" + addr + "/stuck"); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	shutdown()
	err := <-result
	require.Error(t, err)
	assert.Equal(t, errors.DeadlineExceeded, errors.KindOf(err))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "requests in flight after 200ms")
}

func TestServeFailure(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	require.NoError(t, ln.Close()) // Serve fails at once on a closed listener
	err := middleware.Serve(context.Background(), &http.Server{}, ln, time.Second)
	require.Error(t, err)
	assert.Equal(t, errors.Unavailable, errors.KindOf(err))
	assert.ErrorIs(t, err, net.ErrClosed)
}

func TestServeClosedByOwner(t *testing.T) {
	t.Parallel()
	srv := &http.Server{}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- middleware.Serve(context.Background(), srv, ln, time.Second) }()
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, srv.Close())
	assert.NoError(t, <-done)
}

func TestServeNilContext(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	require.NoError(t, ln.Close())
	//lint:ignore SA1012 a nil context must not crash
	err := middleware.Serve(nil, &http.Server{}, ln, time.Second) //nolint:staticcheck
	assert.Error(t, err)
}
