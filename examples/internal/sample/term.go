package sample

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Term runs a program with its stdout and its stderr on two terminals of
// their own, as a person running it sees it: ddx writes text for people
// and draws the local trace view only when a terminal is there.
type Term struct {
	cmd *exec.Cmd

	mu      sync.Mutex
	streams [2][]string   // stdout, stderr, line by line
	added   chan struct{} // closed and replaced on every line
	drained sync.WaitGroup
	exited  chan struct{}
	err     error // of Wait
}

// Stdout and Stderr name Term's streams.
const (
	Stdout = 0
	Stderr = 1
)

// StartTerm starts cmd on two pseudo-terminals; the test is skipped where
// there are none. The program is killed when the test ends.
func StartTerm(t testing.TB, cmd *exec.Cmd) *Term {
	t.Helper()
	tm := &Term{cmd: cmd, added: make(chan struct{}), exited: make(chan struct{})}
	var slaves []*os.File
	for i := range tm.streams {
		master, slave, err := openPTY()
		if err != nil {
			t.Skipf("a terminal is needed to see what a person sees: %v", err)
		}
		slaves = append(slaves, slave)
		tm.drained.Add(1)
		go tm.read(master, i)
	}
	cmd.Stdout, cmd.Stderr = slaves[0], slaves[1]
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The program holds the terminals now; once it exits, reading them
	// ends.
	for _, s := range slaves {
		s.Close()
	}
	go func() {
		err := cmd.Wait()
		tm.mu.Lock()
		tm.err = err
		tm.mu.Unlock()
		close(tm.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-tm.exited
		tm.drained.Wait()
	})
	return tm
}

func (tm *Term) read(master *os.File, i int) {
	defer tm.drained.Done()
	defer master.Close()
	sc := bufio.NewScanner(master)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() { // ends with EIO once the program has exited
		tm.mu.Lock()
		tm.streams[i] = append(tm.streams[i], strings.TrimRight(sc.Text(), "\r"))
		close(tm.added)
		tm.added = make(chan struct{})
		tm.mu.Unlock()
	}
}

// Lines returns what the program wrote so far to one stream.
func (tm *Term) Lines(stream int) []string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return append([]string(nil), tm.streams[stream]...)
}

// WaitFor waits up to 30 s for a line of a stream that contains s, and
// returns it.
func (tm *Term) WaitFor(t testing.TB, stream int, s string) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		tm.mu.Lock()
		added := tm.added
		for _, l := range tm.streams[stream] {
			if strings.Contains(l, s) {
				tm.mu.Unlock()
				return l
			}
		}
		tm.mu.Unlock()
		select {
		case <-added:
		case <-tm.exited:
			tm.drained.Wait()
			for _, l := range tm.Lines(stream) {
				if strings.Contains(l, s) {
					return l
				}
			}
			t.Fatalf("the program exited without writing %q:\n%s", s, tm.String())
		case <-deadline:
			t.Fatalf("no %q after 30s:\n%s", s, tm.String())
		}
	}
}

// Interrupt is Ctrl-C.
func (tm *Term) Interrupt(t testing.TB) {
	t.Helper()
	if err := tm.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
}

// Wait waits up to 30 s for the program to exit and for its output, and
// returns how it exited.
func (tm *Term) Wait(t testing.TB) error {
	t.Helper()
	select {
	case <-tm.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("the program did not exit:\n%s", tm.String())
	}
	tm.drained.Wait()
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.err
}

// String is both streams, for failure messages.
func (tm *Term) String() string {
	return "stdout:\n" + strings.Join(tm.Lines(Stdout), "\n") + "\nstderr:\n" + strings.Join(tm.Lines(Stderr), "\n")
}

// Dir is the directory the program runs in.
func (tm *Term) Dir() string { return tm.cmd.Dir }
