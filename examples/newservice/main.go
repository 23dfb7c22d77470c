// Command newservice starts a service from the golden-path template
// (examples/template) of a ddx clone, for as long as ddx is not published
// as a module (then gonew does it; see the template's README):
//
//	go run ./examples/newservice example.com/payments ../payments
//
// It copies the template into a new directory under a new module path, as
// gonew would (the module statement, the imports), and renames the
// template's service, "myservice", after the module path's last element
// (or -name) in every file: the Kubernetes manifest, the monitors and the
// SLO, the Dockerfile's image, the README and the tests that check them.
// The copy builds against this clone: its replace directives point here,
// with absolute paths, and its go.sum is the template's, so go test in it
// needs nothing but the Go module proxy.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

const (
	srcMod  = "github.com/ddx-go/ddx/examples/template"
	srcName = "myservice" // the template's service name, in deploy/ and elsewhere
)

func main() {
	name := flag.String("name", "", "the service's name (default: the module path's last element)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./examples/newservice [-name service] module/path directory")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	mod, dir := flag.Arg(0), flag.Arg(1)
	if *name == "" {
		*name = path.Base(mod)
	}
	repo, err := newService(mod, dir, *name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "newservice:", err)
		os.Exit(1)
	}
	fmt.Printf(`%s is in %s (service %q), built against the ddx in %s:

	cd %s && go test ./...

Once ddx is published, require releases instead:

	go mod edit -dropreplace github.com/ddx-go/ddx -dropreplace github.com/ddx-go/ddx/middleware/ddxsql -dropreplace github.com/ddx-go/ddx/middleware/ddxpgx
	go get github.com/ddx-go/ddx@latest github.com/ddx-go/ddx/middleware/ddxsql@latest github.com/ddx-go/ddx/middleware/ddxpgx@latest
`, mod, dir, *name, repo, dir)
}

// serviceName is what Kubernetes accepts as a name (a DNS label) and
// Datadog as a service tag.
var serviceName = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)

// newService copies the template of the clone around the working
// directory into dir as module mod with service name name. It returns the
// clone's root.
func newService(mod, dir, name string) (string, error) {
	if !serviceName.MatchString(name) {
		return "", fmt.Errorf("service name %q: use lowercase letters, digits and '-' (a Kubernetes name), e.g. -name payments", name)
	}
	repo, err := findRepo()
	if err != nil {
		return "", err
	}
	dst, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if rel, err := filepath.Rel(repo, dst); err == nil && !strings.HasPrefix(rel, "..") {
		// A module inside the clone would be one more of its modules.
		return "", fmt.Errorf("%s is inside the ddx clone %s: create the service outside it, e.g. ../%s", dir, repo, name)
	}
	if entries, err := os.ReadDir(dst); err == nil && len(entries) > 0 {
		return "", fmt.Errorf("%s exists and is not empty", dir)
	}
	src := filepath.Join(repo, "examples", "template")
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(rel, ".go"):
			if data, err = fixGo(data, rel, mod, !strings.Contains(rel, string(filepath.Separator))); err != nil {
				return err
			}
		case rel == "go.mod":
			if data, err = fixGoMod(data, mod, repo); err != nil {
				return err
			}
		}
		for _, r := range renames {
			data = bytes.ReplaceAll(data, []byte(r.old), []byte(r.new))
		}
		data = bytes.ReplaceAll(data, []byte(srcName), []byte(name))
		return os.WriteFile(target, data, 0o644)
	})
	return repo, err
}

// findRepo returns the root of the ddx clone that holds the working
// directory: the first directory upwards with examples/template/go.mod.
func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "examples", "template", "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run it inside a clone of ddx: no examples/template/go.mod above the working directory")
		}
		dir = parent
	}
}

// fixGo rewrites imports of srcMod (and the root package's name, when it is
// srcMod's last element) in one Go file, as gonew does.
func fixGo(data []byte, file, dstMod string, isRoot bool) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, data, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	off := func(p token.Pos) int { return fset.Position(p).Offset }

	srcBase, dstBase := path.Base(srcMod), path.Base(dstMod)
	if name := f.Name.Name; isRoot && (name == srcBase || name == srcBase+"_test") {
		edits = append(edits, edit{off(f.Name.Pos()), off(f.Name.End()), dstBase + strings.TrimPrefix(name, srcBase)})
	}
	for _, spec := range f.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		switch {
		case p == srcMod:
			text := strconv.Quote(dstMod)
			if srcBase != dstBase && spec.Name == nil {
				text = srcBase + " " + text // the code still says srcBase
			}
			edits = append(edits, edit{off(spec.Path.Pos()), off(spec.Path.End()), text})
		case strings.HasPrefix(p, srcMod+"/"):
			edits = append(edits, edit{off(spec.Path.Pos()), off(spec.Path.End()), strconv.Quote(dstMod + strings.TrimPrefix(p, srcMod))})
		}
	}
	// Apply from the end so earlier offsets stay valid.
	for i := len(edits) - 1; i >= 0; i-- {
		e := edits[i]
		data = append(data[:e.start:e.start], append([]byte(e.text), data[e.end:]...)...)
	}
	return data, nil
}

// fixGoMod replaces the module statement, as gonew does, and points the
// replace directives (../.. and ../../middleware/…, relative to the
// template) at the clone.
func fixGoMod(data []byte, dstMod, repo string) ([]byte, error) {
	old := []byte("module " + srcMod + "\n")
	if !bytes.Contains(data, old) {
		return nil, fmt.Errorf("the template's go.mod does not start module %s", srcMod)
	}
	data = bytes.Replace(data, old, []byte("module "+dstMod+"\n"), 1)
	if !bytes.Contains(data, []byte("=> ../..\n")) {
		return nil, errors.New("the template's go.mod no longer replaces ddx with the repository (=> ../..)")
	}
	data = bytes.Replace(data, []byte("// Builds the template against the ddx next to it, for development inside the\n// ddx repository. A copy made with gonew must drop them and require a release:"),
		[]byte("// Builds the service against the ddx clone it was made from, until ddx is\n// published. Then drop them and require releases:"), 1)
	return bytes.ReplaceAll(data, []byte("=> ../.."), []byte("=> "+filepath.ToSlash(repo))), nil
}

// renames are the template's sentences about its placeholder name, which
// make no sense once the name is replaced; they go first.
var renames = []struct{ old, new string }{
	{"# Replace \"myservice\" everywhere (service name, container name, image) and\n# set the env", "# Set the env"},
}
