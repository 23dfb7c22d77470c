package main

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddx-go/ddx/examples/internal/sample"
)

// TestNewService runs the command the template's README gives, from the
// clone's root, and then what a team runs in the new service: go vet and go
// test, with no workspace and a go.sum that must already be complete. The
// new service's README samples are compared with its real output. It
// compiles a service and its tests against dd-trace-go, which takes tens of
// seconds on a cold cache, so -short skips it.
func TestNewService(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a new service; skipped with -short")
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "payments")
	cmd := exec.Command("go", "run", "./examples/newservice", "example.com/payments", dir)
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./examples/newservice: %v\n%s", err, out)
	}

	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(mod, []byte("module example.com/payments\n")) {
		t.Errorf("go.mod of the new service:\n%s", mod)
	}
	if !bytes.Contains(mod, []byte("replace github.com/ddx-go/ddx => "+filepath.ToSlash(repo)+"\n")) {
		t.Errorf("the new service does not build against the clone:\n%s", mod)
	}
	// Every name is the new one: no file still says myservice, and no
	// code the template's module.
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("myservice")) {
			t.Errorf("%s still says myservice", p)
		}
		if (strings.HasSuffix(p, ".go") || d.Name() == "go.mod") && bytes.Contains(b, []byte(srcMod)) {
			t.Errorf("%s still names %s", p, srcMod)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		"Dockerfile":             "# docker build -t registry.example.com/payments:1.0.0 .",
		"deploy/kubernetes.yaml": "  name: payments\n",
		"deploy/monitors.json":   "service:payments,env:prod",
	} {
		if b, _ := os.ReadFile(filepath.Join(dir, file)); !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s has no %q", file, want)
		}
	}

	for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "./..."}, {"build", "-o", "svc", "."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS="+os.Getenv("GOFLAGS")+" -mod=readonly")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in the new service: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("go %s:\n%s", strings.Join(args, " "), out)
	}
	runSample(t, dir)
}

var port = regexp.MustCompile(`"addr":"\[::\]:(\d+)"`)

// runSample runs the new service as its README's "Run it" shows, and
// compares the README's sample with what it prints.
func runSample(t *testing.T, dir string) {
	t.Helper()
	blocks := sample.Find(sample.Blocks(t, filepath.Join(dir, "README.md")), "Run it", "json")
	if len(blocks) != 1 {
		t.Fatalf("%d json samples under Run it, want 1", len(blocks))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "svc"))
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "DD_SERVICE=payments", "DD_ENV=dev", "JOB_INTERVAL=1s", "PORT=0",
		"DD_TRACE_AGENT_URL=http://127.0.0.1:1", "DD_INSTRUMENTATION_TELEMETRY_ENABLED=false")
	out := &syncBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	wait := func(what string, re *regexp.Regexp) []string {
		for ctx.Err() == nil {
			if m := re.FindStringSubmatch(out.String()); m != nil {
				return m
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no %s:\n%s", what, out.String())
		return nil
	}
	addr := wait("listening line", port)
	wait("job run", regexp.MustCompile(`"message":"job run"`))
	resp, err := http.Get("http://127.0.0.1:" + addr[1] + "/items/9")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /items/9: %s", resp.Status)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil { // Ctrl-C, as the README says
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the service did not stop cleanly: %v\n%s", err, out.String())
	}
	sample.Match(t, blocks[0], strings.Split(out.String(), "\n"))
}

// syncBuffer is the program's output, read while it is written.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestNewServiceRefuses: the mistakes the command must catch before it
// writes anything.
func TestNewServiceRefuses(t *testing.T) {
	t.Parallel()
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, service, want string
	}{
		{"a name Kubernetes refuses", filepath.Join(t.TempDir(), "x"), "Payments_API", "use lowercase letters"},
		{"inside the clone", "../payments", "payments", "inside the ddx clone"},
		{"a directory with files", full, "payments", "not empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := newService("example.com/payments", tc.dir, tc.service)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("newService: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
