package main

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/examples/internal/sample"
)

// build compiles the quickstart as go run does, under its own name: the
// service is named after the executable. It builds with -buildvcs=false,
// whatever GOFLAGS holds, as go run does by default: a VCS stamp would
// become the service's version, which the README's samples do not show.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "quickstart")
	out, err := exec.Command("go", "build", "-buildvcs=false", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// noAgent is an Agent URL where nothing listens.
func noAgent(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "localhost:0")
	require.NoError(t, err)
	defer ln.Close()
	return "DD_TRACE_AGENT_URL=http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

var listening = regexp.MustCompile(`"addr":"(http://[^"]+)"|addr=(http://\S+)`)

// TestRootReadmeSamples runs the quickstart as the repository's README does
// and compares the README's samples of it with the real output: the no-Agent
// line, the "ddx started" line, an access line, the suppression summary
// (JSON, piped) and the local trace view (on a terminal).
func TestRootReadmeSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the program; skipped with -short")
	}
	blocks := sample.Blocks(t, "../../README.md")
	bin := build(t)
	env := append(os.Environ(), "PORT=0", "DD_INSTRUMENTATION_TELEMETRY_ENABLED=false", noAgent(t))

	t.Run("piped", func(t *testing.T) {
		cmd := exec.Command(bin)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr // a pipe: /dev/null would pass for a terminal
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		defer func() { _ = cmd.Process.Kill() }()
		var mu sync.Mutex
		var lines []string
		addr, done := make(chan string, 1), make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(stdout)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				mu.Lock()
				lines = append(lines, sc.Text())
				mu.Unlock()
				if m := listening.FindStringSubmatch(sc.Text()); m != nil {
					addr <- m[1]
				}
			}
		}()
		var base string
		select {
		case base = <-addr:
		case <-time.After(30 * time.Second):
			t.Fatal("the program did not start")
		}
		// /orders/7 in a loop: more than the 10 lines a second written of
		// one failure, so the rest is summarised.
		paths := []string{"/users/9"}
		for range 50 {
			paths = append(paths, "/orders/7")
		}
		for _, p := range paths {
			resp, err := http.Get(base + p)
			require.NoError(t, err)
			resp.Body.Close()
		}
		require.NoError(t, cmd.Process.Signal(os.Interrupt))
		<-done
		require.NoError(t, cmd.Wait())

		for _, want := range []string{`"message":"Datadog Agent not reachable`, `"message":"ddx started"`, `"message":"http request"`, `"message":"ddx: repeated log lines suppressed"`} {
			b := sample.With(blocks, want)
			require.Len(t, b, 1, "README.md shows one sample with %s", want)
			sample.Match(t, b[0], lines)
		}
	})

	t.Run("terminal", func(t *testing.T) {
		cmd := exec.Command(bin)
		cmd.Env = env
		tm := sample.StartTerm(t, cmd)
		m := listening.FindStringSubmatch(tm.WaitFor(t, sample.Stdout, "listening"))
		require.NotNil(t, m)
		resp, err := http.Get(m[2] + "/orders/42")
		require.NoError(t, err)
		resp.Body.Close()
		tm.Interrupt(t)
		require.NoError(t, tm.Wait(t))

		b := sample.Find(blocks, "Seeing traces without Datadog", "text")
		require.Len(t, b, 1)
		sample.Match(t, b[0], tm.Lines(sample.Stderr))
	})
}
