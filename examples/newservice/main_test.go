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

	"golang.org/x/mod/modfile"

	"github.com/ddx-go/ddx/examples/internal/sample"
)

// TestNewService runs the command the template's README gives, from the
// clone's root, and then what a team runs in the new service: go test and
// go build, with no workspace and a go.sum that must already be complete
// (-mod=readonly). The new service's README samples are compared with its
// real output. It compiles a service and its tests against dd-trace-go,
// the Datadog API client and two database drivers, so -short skips it.
//
// The new service is built and tested with -race, as ./test builds and
// tests examples/template: the packages it needs are then those in the
// build cache, rather than a second build of the template's dependencies
// (the Datadog API client, SQLite, pgx, dd-trace-go) without -race, which
// takes about 100 s on 2 cores. go vet is not run: go test runs its
// checks on the new service's packages, and CI vets the template's code,
// which is the same with other import paths.
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
	help, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run ./examples/newservice: %v\n%s", err, help)
	}

	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(mod, []byte("module example.com/payments\n")) {
		t.Errorf("go.mod of the new service:\n%s", mod)
	}
	// Every ddx module it requires is replaced with its directory in the
	// clone, at least the root and the data store integrations.
	f, err := modfile.Parse("go.mod", mod, nil)
	if err != nil {
		t.Fatal(err)
	}
	replaces := map[string]string{}
	for _, r := range f.Replace {
		replaces[r.Old.Path] = r.New.Path
	}
	ddxRequired := 0
	for _, r := range f.Require {
		if p := r.Mod.Path; p == ddxModule || strings.HasPrefix(p, ddxModule+"/") {
			ddxRequired++
			if want := filepath.ToSlash(filepath.Join(repo, strings.TrimPrefix(p, ddxModule))); replaces[p] != want {
				t.Errorf("go.mod of the new service replaces %s with %q, want %q", p, replaces[p], want)
			}
		}
	}
	if ddxRequired < 3 || len(f.Replace) != ddxRequired {
		t.Errorf("go.mod of the new service: %d ddx modules required, %d replaced:\n%s", ddxRequired, len(f.Replace), mod)
	}
	// Its help says how to drop each replace and get the release instead.
	for _, r := range f.Replace {
		for _, want := range []string{`-dropreplace ` + regexp.QuoteMeta(r.Old.Path) + `\s`, `\s` + regexp.QuoteMeta(r.Old.Path) + `@v\d`} {
			if !regexp.MustCompile(want).Match(help) {
				t.Errorf("the command's help has no %s:\n%s", want, help)
			}
		}
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

	// The flags on the command line win over GOFLAGS, whatever it holds.
	// -buildvcs=false, as go run does: the sample shows no version.
	flags := []string{"-mod=readonly", "-race"}
	for _, args := range [][]string{
		append(append([]string{"test"}, flags...), "-count=1", "./..."),
		append(append([]string{"build"}, flags...), "-buildvcs=false", "-o", "svc", "."),
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in the new service: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("go %s (%.1fs):\n%s", strings.Join(args, " "), time.Since(start).Seconds(), out)
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
	wait("job run", regexp.MustCompile(`"message":"job run".*"job.name":"items.refresh"`)) // not store.migrate, at start
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
	sample.Whole(t, blocks[0], strings.Split(out.String(), "\n"))
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
			_, _, err := newService("example.com/payments", tc.dir, tc.service)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("newService: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// TestFixGoModRefuses: a go.mod the command cannot point at the clone
// stops it, saying why.
func TestFixGoModRefuses(t *testing.T) {
	t.Parallel()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	head := "module " + srcMod + "\n\ngo 1.26.0\n\n"
	tests := []struct{ name, mod, want string }{
		{"another module", "module example.com/other\n", "does not start module"},
		{"no ddx module", head + "require golang.org/x/mod v0.42.0\n", "requires no module of"},
		{"a module the clone lacks", head + "require github.com/ddx-go/ddx/middleware/nosuch v0.1.0\n", "which this clone does not have"},
		{"a replace already", head + "require github.com/ddx-go/ddx v0.1.0\n\nreplace github.com/ddx-go/ddx => ../..\n", "replaces github.com/ddx-go/ddx already"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := fixGoMod([]byte(tc.mod), "example.com/payments", repo)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("fixGoMod: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
