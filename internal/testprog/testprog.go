// Package testprog runs a program of the repository as a user would, for
// the tests of the examples that pages show: built from source, started,
// asked, stopped with SIGTERM.
package testprog

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A Proc is a running program.
type Proc struct {
	t    testing.TB
	cmd  *exec.Cmd
	URL  string // the "addr" of its first line that has one
	done chan struct{}

	mu     sync.Mutex
	stdout []string
	stderr []string
}

// Start builds the main package in dir and runs it with env added to the
// test's environment and PORT=0, until it logs a line with an "addr"
// attribute. It builds with -buildvcs=false, whatever GOFLAGS holds: the
// programs' output must not depend on the state of the clone they are
// built in (a VCS stamp would become the service's version).
func Start(t testing.TB, dir string, env ...string) *Proc {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "prog")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", bin, ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build in %s: %v\n%s", dir, err, out)
	}
	p := &Proc{t: t, cmd: exec.Command(bin), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), append([]string{"PORT=0", "DD_INSTRUMENTATION_TELEMETRY_ENABLED=false"}, env...)...)
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	addr := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.read(stdout, &p.stdout, addr) }()
	go func() { defer wg.Done(); p.read(stderr, &p.stderr, addr) }()
	go func() { wg.Wait(); _ = p.cmd.Wait(); close(p.done) }()
	select {
	case p.URL = <-addr:
	case <-p.done:
		t.Fatalf("%s exited before it listened:\n%s", dir, strings.Join(p.Lines(), "\n"))
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not log its address in 30 s:\n%s", dir, strings.Join(p.Lines(), "\n"))
	}
	return p
}

func (p *Proc) read(r io.Reader, into *[]string, addr chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		p.mu.Lock()
		*into = append(*into, line)
		p.mu.Unlock()
		var rec struct{ Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Addr != "" {
			select {
			case addr <- rec.Addr:
			default:
			}
		}
	}
}

// Lines are what the program wrote so far, stdout's lines then stderr's.
func (p *Proc) Lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append(append([]string(nil), p.stdout...), p.stderr...)
}

// Stop sends SIGTERM and waits for the program to exit, which must be with
// status 0 within 10 s. Then every line it wrote must be one JSON object:
// what Datadog's log pipeline parses. It returns those lines.
func (p *Proc) Stop() []string {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.t.Fatalf("still running 10 s after SIGTERM:\n%s", strings.Join(p.Lines(), "\n"))
	}
	lines := p.Lines()
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		p.t.Errorf("exit status %d after SIGTERM, want 0:\n%s", code, strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			p.t.Errorf("a line that is not a JSON object: %q", l)
		}
	}
	return lines
}

// RequireShown fails unless the page at readme shows the program in file
// as it is, from its package clause on: a snippet a reader copies must be
// the program that is tested.
func RequireShown(t testing.TB, readme, file string) {
	t.Helper()
	page, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(src), "package main\n")
	if i < 0 {
		t.Fatalf("%s has no package main clause", file)
	}
	if !strings.Contains(string(page), "```go\n"+string(src[i:])+"```\n") {
		t.Errorf("%s does not show %s as it is (from its package clause on, in a ```go block)", readme, file)
	}
}

// Get asks url and returns the answer's status, content type and body.
func Get(t testing.TB, url string) (code int, contentType, body string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}
