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
// The template requires the ddx modules at the next release, which is not
// published yet (inside the clone, the go.work at its root resolves it), so
// the copy gets a replace directive for each ddx module it requires,
// pointing at that module's directory in this clone with an absolute path.
// Its go.sum is the template's, so go test in it needs nothing but the Go
// module proxy.
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

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
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
	repo, replaced, err := newService(mod, dir, *name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "newservice:", err)
		os.Exit(1)
	}
	fmt.Print(help(mod, dir, *name, repo, replaced))
}

// help is what the command prints once the service is made: how to test
// it, and how to leave the clone once the release it requires is out.
func help(mod, dir, name, repo string, replaced []module.Version) string {
	var drop, get []string
	for _, m := range replaced {
		drop = append(drop, "-dropreplace "+m.Path)
		get = append(get, m.Path+"@"+m.Version)
	}
	return fmt.Sprintf(`%s is in %s (service %q), built against the ddx in %s:

	cd %s && go test ./...

Its go.mod requires the ddx modules at their next release and replaces each
with its directory in the clone. Once that release is published, drop the
replaces and get it:

	go mod edit %s
	go get %s

(or start again with gonew from the release: see examples/template/README.md).
`, mod, dir, name, repo, dir, strings.Join(drop, " "), strings.Join(get, " "))
}

// serviceName is what Kubernetes accepts as a name (a DNS label) and
// Datadog as a service tag.
var serviceName = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)

// newService copies the template of the clone around the working
// directory into dir as module mod with service name name. It returns the
// clone's root and the ddx modules the copy requires, which its go.mod
// replaces with their directories in the clone.
func newService(mod, dir, name string) (repo string, replaced []module.Version, err error) {
	if !serviceName.MatchString(name) {
		return "", nil, fmt.Errorf("service name %q: use lowercase letters, digits and '-' (a Kubernetes name), e.g. -name payments", name)
	}
	repo, err = findRepo()
	if err != nil {
		return "", nil, err
	}
	dst, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	if rel, err := filepath.Rel(repo, dst); err == nil && !strings.HasPrefix(rel, "..") {
		// A module inside the clone would be one more of its modules.
		return "", nil, fmt.Errorf("%s is inside the ddx clone %s: create the service outside it, e.g. ../%s", dir, repo, name)
	}
	if entries, err := os.ReadDir(dst); err == nil && len(entries) > 0 {
		return "", nil, fmt.Errorf("%s exists and is not empty", dir)
	}
	src := filepath.Join(repo, "examples", "template")
	// The go.mod first: what it cannot point at the clone stops the command
	// before it writes anything.
	goMod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return "", nil, err
	}
	if goMod, replaced, err = fixGoMod(goMod, mod, repo); err != nil {
		return "", nil, err
	}
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
			return os.WriteFile(target, goMod, 0o644) // it names no service
		}
		for _, r := range renames {
			data = bytes.ReplaceAll(data, []byte(r.old), []byte(r.new))
		}
		data = bytes.ReplaceAll(data, []byte(srcName), []byte(name))
		return os.WriteFile(target, data, 0o644)
	})
	return repo, replaced, err
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

// ddxModule is the path of ddx's root module; the others are below it,
// each in the directory of the clone its path names.
const ddxModule = "github.com/ddx-go/ddx"

// fixGoMod replaces the module statement, as gonew does, and adds a
// replace directive for every ddx module the template requires, from its
// requirement's path to its directory in the clone at repo (the template
// itself has none: it requires the release, and the go.work at the root of
// the clone resolves it there). It returns the new go.mod and the
// requirements replaced.
func fixGoMod(data []byte, dstMod, repo string) ([]byte, []module.Version, error) {
	old := []byte("module " + srcMod + "\n")
	if !bytes.HasPrefix(data, old) {
		return nil, nil, fmt.Errorf("the template's go.mod does not start module %s", srcMod)
	}
	f, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		return nil, nil, err
	}
	var replaced []module.Version
	var lines strings.Builder
	for _, r := range f.Require {
		p := r.Mod.Path
		if p != ddxModule && !strings.HasPrefix(p, ddxModule+"/") {
			continue
		}
		for _, rep := range f.Replace {
			if rep.Old.Path == p {
				return nil, nil, fmt.Errorf("the template's go.mod replaces %s already: it must require the release, as a copy made by gonew does", p)
			}
		}
		dir := filepath.Join(repo, filepath.FromSlash(strings.TrimPrefix(p, ddxModule)))
		got, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err != nil {
			return nil, nil, fmt.Errorf("the template requires %s, which this clone does not have: %v", p, err)
		}
		if path := modfile.ModulePath(got); path != p {
			return nil, nil, fmt.Errorf("the template requires %s, but %s is module %q", p, filepath.Join(dir, "go.mod"), path)
		}
		replaced = append(replaced, r.Mod)
		fmt.Fprintf(&lines, "\t%s => %s\n", p, filepath.ToSlash(dir))
	}
	if len(replaced) == 0 {
		return nil, nil, fmt.Errorf("the template's go.mod requires no module of %s", ddxModule)
	}
	data = bytes.Replace(data, old, []byte("module "+dstMod+"\n"), 1)
	data = append(bytes.TrimRight(data, "\n"), "\n\n"+
		"// Builds the service against the ddx clone it was made from, until the\n"+
		"// release required above is published. Then drop these replaces\n"+
		"// (go mod edit -dropreplace) and go get that release.\n"+
		"replace (\n"+lines.String()+")\n"...)
	// What go will read: the replaces must parse as such.
	if f, err := modfile.Parse("go.mod", data, nil); err != nil || len(f.Replace) != len(replaced) {
		return nil, nil, fmt.Errorf("the new go.mod does not parse with its %d replaces: %v\n%s", len(replaced), err, data)
	}
	return data, replaced, nil
}

// renames are the template's sentences about its placeholder name, which
// make no sense once the name is replaced; they go first.
var renames = []struct{ old, new string }{
	{"# Replace \"myservice\" everywhere (service name, container name, image) and\n# set the env", "# Set the env"},
}
