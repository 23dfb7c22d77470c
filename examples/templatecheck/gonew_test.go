// Package templatecheck tests examples/template the way a team uses it: it
// copies the template under a new module path, as gonew does, and runs the
// copy's own vet and tests. The template is a module of its own (gonew
// copies modules), so the repository's go test ./... does not reach it;
// this test, in the main module, does.
package templatecheck

import (
	"bytes"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	srcMod = "github.com/ddx-go/ddx/examples/template"
	dstMod = "example.com/myservice"
)

// TestGonewCopy builds and tests a copy of the template. It compiles a
// service and its tests against dd-trace-go, which takes tens of seconds on
// a cold cache, so -short skips it.
func TestGonewCopy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a copy of the template; skipped with -short")
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gonew(t, filepath.Join(repo, "examples", "template"), dir)

	// What the README tells the team to do after gonew is to drop the
	// replace and require a ddx release; here the release is this
	// working tree.
	goMod := filepath.Join(dir, "go.mod")
	mod, err := os.ReadFile(goMod)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(mod, []byte("module "+dstMod+"\n")) {
		t.Fatalf("go.mod of the copy:\n%s", mod)
	}
	if !bytes.Contains(mod, []byte("replace github.com/ddx-go/ddx => ../..\n")) {
		t.Fatalf("the template's go.mod no longer replaces ddx with ../..; update this test and the README:\n%s", mod)
	}
	// Every replace (ddx and its data store modules) points into the
	// repository, which is somewhere else from the copy.
	mod = bytes.ReplaceAll(mod, []byte("=> ../.."), []byte("=> "+repo))
	if err := os.WriteFile(goMod, mod, 0o644); err != nil {
		t.Fatal(err)
	}

	// No code may still name the template's module (the README may: it
	// says how the copy was made).
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".go") || d.Name() == "go.mod") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(srcMod)) {
			t.Errorf("%s still names %s", p, srcMod)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		// The copy stands alone: no workspace, and its go.sum must be
		// complete (a missing entry means: run go mod tidy in
		// examples/template).
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS="+os.Getenv("GOFLAGS")+" -mod=readonly")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in the copy: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("go %s:\n%s", strings.Join(args, " "), out)
	}
}

// gonew copies the module in src to dst as golang.org/x/tools/cmd/gonew
// does: the module path in go.mod becomes dstMod, imports of srcMod and its
// packages are rewritten, and a root package named after srcMod's last
// element is renamed after dstMod's. Everything else is copied as is.
func gonew(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
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
			data = fixGo(t, data, rel, !strings.Contains(rel, string(filepath.Separator)))
		case rel == "go.mod":
			data = fixGoMod(t, data)
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// fixGo rewrites imports of srcMod (and the root package's name, when it is
// srcMod's last element) in one Go file, like gonew's fixGo.
func fixGo(t *testing.T, data []byte, file string, isRoot bool) []byte {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, data, parser.ImportsOnly)
	if err != nil {
		t.Fatalf("parsing the template: %v", err)
	}
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	off := func(p token.Pos) int { return fset.Position(p).Offset }

	srcName, dstName := path.Base(srcMod), path.Base(dstMod)
	if name := f.Name.Name; isRoot && (name == srcName || name == srcName+"_test") {
		edits = append(edits, edit{off(f.Name.Pos()), off(f.Name.End()), dstName + strings.TrimPrefix(name, srcName)})
	}
	for _, spec := range f.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		switch {
		case p == srcMod:
			text := strconv.Quote(dstMod)
			if srcName != dstName && spec.Name == nil {
				text = srcName + " " + text // the code still says srcName
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
	return data
}

// fixGoMod replaces the module statement, like gonew's fixGoMod.
func fixGoMod(t *testing.T, data []byte) []byte {
	t.Helper()
	old := []byte("module " + srcMod + "\n")
	if !bytes.Contains(data, old) {
		t.Fatalf("the template's go.mod does not start a module %s:\n%s", srcMod, data)
	}
	return bytes.Replace(data, old, []byte("module "+dstMod+"\n"), 1)
}

// TestFixGo checks the import rewriting on the shapes gonew handles, since
// the template itself has a single package and exercises few of them.
func TestFixGo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		file   string
		isRoot bool
		in     string
		want   string
	}{
		{
			name:   "main package, other imports untouched",
			file:   "main.go",
			isRoot: true,
			in:     "package main\n\nimport \"github.com/ddx-go/ddx/ddx\"\n",
			want:   "package main\n\nimport \"github.com/ddx-go/ddx/ddx\"\n",
		},
		{
			name:   "subpackage import",
			file:   "main.go",
			isRoot: true,
			in:     "package main\n\nimport (\n\t\"fmt\"\n\t\"" + srcMod + "/internal/store\"\n)\n",
			want:   "package main\n\nimport (\n\t\"fmt\"\n\t\"" + dstMod + "/internal/store\"\n)\n",
		},
		{
			name:   "root package renamed",
			file:   "lib.go",
			isRoot: true,
			in:     "package template\n",
			want:   "package myservice\n",
		},
		{
			name:   "root test package renamed",
			file:   "lib_test.go",
			isRoot: true,
			in:     "package template_test\n\nimport \"" + srcMod + "\"\n",
			want:   "package myservice_test\n\nimport template \"" + dstMod + "\"\n",
		},
		{
			name: "package in a subdirectory keeps its name",
			file: filepath.Join("template", "x.go"),
			in:   "package template\n",
			want: "package template\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(fixGo(t, []byte(tc.in), tc.file, tc.isRoot)); got != tc.want {
				t.Errorf("fixGo:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
