package reliability_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	ddxerrors "github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
)

// TestConcurrentLogLinesAreWhole has 64 goroutines log through one
// ddx.NewHandler into an os.Pipe, through derived loggers (With, WithGroup)
// that share the handler's lock, with records of up to 12 KiB — larger than
// the 4 KiB the kernel writes to a pipe atomically, so whole lines are the
// handler's doing. Every line read back must parse as JSON, and every
// record must be there exactly once: none torn, interleaved or lost.
func TestConcurrentLogLinesAreWhole(t *testing.T) {
	t.Parallel()
	const goroutines, perG = 64, 60
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()

	type key struct{ g, i int }
	seen := make(map[key]int, goroutines*perG)
	var bad []string
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var line struct {
				Message string
				G       *int `json:"g"`
				Req     struct {
					I *int `json:"i"`
				} `json:"req"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.G == nil || line.Req.I == nil {
				bad = append(bad, fmt.Sprintf("%.300q (%v)", sc.Text(), err))
				continue
			}
			seen[key{*line.G, *line.Req.I}]++
		}
		if err := sc.Err(); err != nil {
			bad = append(bad, err.Error())
		}
	}()

	base := slog.New(ddx.NewHandler(w, &ddx.HandlerOptions{Service: "logs", Level: slog.LevelDebug}))
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			l := base.With("g", g).WithGroup("req")
			for i := range perG {
				pad := strings.Repeat("x", i%100)
				if i%8 == 0 {
					pad = strings.Repeat("y", 4<<10+g*128) // 4 to 12 KiB
				}
				if i%7 == 0 {
					l.Error("failed", "i", i, "pad", pad, "err", ddxerrors.E(ddxerrors.Op("logs.test"), "boom \n\"", ddxerrors.Internal))
				} else {
					l.Info("line \u2028 with\tescapes", "i", i, "pad", pad, "password", "hunter2")
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, w.Close())
	<-read

	assert.Empty(t, bad, "lines that are not whole JSON records")
	assert.Len(t, seen, goroutines*perG, "records missing")
	for k, n := range seen {
		if n != 1 {
			t.Errorf("record %v written %d times", k, n)
		}
	}
}

// errWriter fails every Write with err.
type errWriter struct{ err error }

func (e errWriter) Write([]byte) (int, error) { return 0, e.err }

// flakyWriter fails its first n writes, then collects what it is given.
type flakyWriter struct {
	mu    sync.Mutex
	fails int
	jsonLines
}

func (f *flakyWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	if f.fails > 0 {
		f.fails--
		f.mu.Unlock()
		return 0, syscall.EIO
	}
	f.mu.Unlock()
	return f.jsonLines.Write(p)
}

// TestFailingLogWriterNeitherCrashesNorBlocks logs from 64 goroutines into
// writers that fail — a pipe whose reader is gone (EPIPE), a full disk
// (/dev/full, and a writer returning ENOSPC), a closed file — and one that
// fails for a while then recovers. Logging must return (bounded by a
// deadline, not hang), the handler must return the writer's error to a
// caller that asks (slog.Logger drops it, as it must), and once the
// writer works again the next records are whole.
func TestFailingLogWriterNeitherCrashesNorBlocks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		writer func(t *testing.T) io.Writer
		want   error // what Handle returns
	}{
		{"closed pipe", func(t *testing.T) io.Writer {
			r, w, err := os.Pipe()
			require.NoError(t, err)
			require.NoError(t, r.Close())
			t.Cleanup(func() { w.Close() })
			return w
		}, syscall.EPIPE},
		{"full disk /dev/full", func(t *testing.T) io.Writer {
			f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
			require.NoError(t, err, "/dev/full is on every Linux machine")
			t.Cleanup(func() { f.Close() })
			return f
		}, syscall.ENOSPC},
		{"ENOSPC writer", func(*testing.T) io.Writer { return errWriter{syscall.ENOSPC} }, syscall.ENOSPC},
		{"closed file", func(t *testing.T) io.Writer {
			f, err := os.CreateTemp(t.TempDir(), "log")
			require.NoError(t, err)
			require.NoError(t, f.Close())
			return f
		}, os.ErrClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := ddx.NewHandler(tc.writer(t), nil)
			err := h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0))
			assert.ErrorIs(t, err, tc.want, "Handle returns the writer's error")
			logConcurrently(t, slog.New(h), 64, 50)
		})
	}

	t.Run("recovers", func(t *testing.T) {
		t.Parallel()
		w := &flakyWriter{fails: 100}
		l := slog.New(ddx.NewHandler(w, nil))
		logConcurrently(t, l, 8, 50) // 400 records, the first 100 fail
		for i := range 10 {
			l.Info("after", "i", i)
		}
		w.check(t)
		assert.Len(t, w.containing(`"message":"after"`), 10, "records after the writer recovered")
		assert.Len(t, w.containing(`"message":"load"`), 300, "records the writer took")
	})
}

// logConcurrently logs from n goroutines, perG records each, and fails the
// test if they have not all returned within 10 s.
func logConcurrently(t *testing.T, l *slog.Logger, n, perG int) {
	t.Helper()
	var wg sync.WaitGroup
	for g := range n {
		wg.Go(func() {
			for i := range perG {
				l.Info("load", "g", g, "i", i)
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("logging blocked on a failing writer")
	}
}

// blockingWriter blocks every Write until release is closed.
type blockingWriter struct {
	release chan struct{}
	entered atomic.Int64
	jsonLines
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	b.entered.Add(1)
	<-b.release
	return b.jsonLines.Write(p)
}

// TestBlockedLogWriterBlocksLoggingUntilItMoves documents a choice. slog
// handlers are synchronous, and ddx's writes each line with one Write
// under the handler's lock: a writer that blocks (a pipe nobody reads)
// blocks the goroutine that logs, and every other goroutine logging
// through the same handler waits for the lock — including the middleware's
// access-log line, so requests wait too. ddx does not put a buffer and a
// goroutine in between: stdout in a container is read by the container
// runtime, a log line dropped silently is worse than back-pressure that
// shows, and an asynchronous logger loses its last lines in a crash. The
// test proves the other half of the contract: nothing is lost or torn
// once the writer moves again, and nobody stays blocked.
func TestBlockedLogWriterBlocksLoggingUntilItMoves(t *testing.T) {
	t.Parallel()
	w := &blockingWriter{release: make(chan struct{})}
	l := slog.New(ddx.NewHandler(w, nil))
	var returned atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			l.Info("blocked", "g", g)
			returned.Add(1)
		})
	}
	waitFor(t, 5*time.Second, "a Write to start", func() bool { return w.entered.Load() > 0 })
	time.Sleep(100 * time.Millisecond)
	assert.EqualValues(t, 1, w.entered.Load(), "one Write at a time: the others wait for the lock")
	assert.Zero(t, returned.Load(), "logging returned while the writer was blocked")

	close(w.release)
	wg.Wait()
	assert.EqualValues(t, 8, returned.Load())
	assert.Len(t, w.containing(`"message":"blocked"`), 8)
	w.check(t)
}

// TestRequestsAnsweredWhenTheLogWriterFails starts ddx with its log
// destination on a full disk: the service answers every request as usual.
func TestRequestsAnsweredWhenTheLogWriterFails(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	require.NoError(t, err)
	defer f.Close()
	agent := testagent.Start(t)
	quietEnv(t)
	rt := ddx.Start(ddx.WithAgentURL(agent.URL()), ddx.WithLogWriter(f), ddx.WithLogFormat("json"),
		ddx.WithMemoryLimitRatio(0), ddx.WithStopTimeout(stopTimeout))
	svc := startService(t, serviceMux())
	res := svc.load(4, 10*time.Second, 200, func(i int) string { return fmt.Sprintf("/work/%d", i) })
	assertAllAnswered(t, res)
	assert.Equal(t, 200, res.requests)
	svc.close()
	rt.Stop()
	_, err = f.Write([]byte("x"))
	assert.True(t, errors.Is(err, syscall.ENOSPC), "the writer did fail: %v", err)
}
