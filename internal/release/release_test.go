package main

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func repo(t *testing.T) *tree {
	t.Helper()
	tr, err := load(filepath.Join("..", ".."))
	require.NoError(t, err)
	return tr
}

// TestRequirementsAgree is ./release -check: every module requires the
// others at one release version, no go.mod replaces one of them, and
// go.work builds them all together at that version.
func TestRequirementsAgree(t *testing.T) {
	tr := repo(t)
	v, err := tr.version()
	require.NoError(t, err)
	assert.True(t, isRelease(v), v)
	assert.GreaterOrEqual(t, len(tr.mods), 9, "the root, bench, the template, step 8 and the integrations")
}

// testHelpers are the root's internal packages that the tests of other
// modules use. A user's go mod tidy resolves the imports of the tests of
// the packages it depends on, at the root version it selects, which may be
// newer than the one an integration was released with: each of these paths
// must therefore exist in every later version of this major version (what
// the tests do with them only has to compile here, where every module is
// at one revision). A new one is a decision, made here.
var testHelpers = []string{
	"internal/benchratio",
	"internal/conformance",
	"internal/conformance/messaging",
	"internal/testagent",
	"internal/testlog",
	"internal/testpg",
	"internal/testprog",
}

// TestNoInternalImportsOutsideRoot: an integration that imported the root
// module's internal packages would compile against one exact internal API,
// and break when a user's build selects a newer root than it was released
// with. Integrations use the public surface (package outcome); their tests
// use only the internal test helpers above, which exist in the root.
func TestNoInternalImportsOutsideRoot(t *testing.T) {
	tr := repo(t)
	root := tr.byPath("github.com/ddx-go/ddx")
	require.NotNil(t, root)
	for _, h := range testHelpers {
		assert.DirExists(t, tr.abs(h), "a test helper that other modules' tests import")
	}
	for _, m := range tr.mods {
		if m == root {
			continue
		}
		for _, f := range tr.moduleFiles(m) {
			if !strings.HasSuffix(f, ".go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), tr.abs(m.dir, f), nil, parser.ImportsOnly)
			require.NoError(t, err)
			for _, imp := range file.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				rel, ok := strings.CutPrefix(p, root.path+"/")
				if !ok || !strings.HasPrefix(rel, "internal/") {
					continue
				}
				if strings.HasSuffix(f, "_test.go") {
					assert.Contains(t, testHelpers, rel, "%s/%s imports %s, not a listed test helper", m.dir, f, p)
				} else {
					t.Errorf("%s/%s imports %s: use the public surface (package outcome)", m.dir, f, p)
				}
			}
		}
	}
}

// fixture writes a repository of three modules: a root, a library that
// requires it and an app that requires both, at v.
func fixture(t *testing.T, v string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":          "module example.com/r\n\ngo 1.26.0\n",
		"r.go":            "package r\n\nfunc R() int { return 1 }\n",
		"lib/go.mod":      "module example.com/r/lib\n\ngo 1.26.0\n\nrequire example.com/r " + v + "\n\nreplace example.com/r => ../\n",
		"lib/lib.go":      "package lib\n\nimport \"example.com/r\"\n\nfunc L() int { return r.R() }\n",
		"app/go.mod":      "module example.com/r/app\n\ngo 1.26.0\n\nrequire (\n\texample.com/r " + v + "\n\texample.com/r/lib " + v + "\n)\n",
		"app/main.go":     "package main\n\nimport \"example.com/r/lib\"\n\nfunc main() { println(lib.L()) }\n",
		"app/testdata/x":  "data\n",
		"testdata/go.mod": "module ignored\n",
		"go.work":         "go 1.26.0\n\nuse (\n\t.\n\t./lib\n\t./app\n)\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return dir
}

func fixtureFiles(t *testing.T, dir string) []string {
	var files []string
	require.NoError(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	}))
	return files
}

func TestVersionFindsEveryDisagreement(t *testing.T) {
	dir := fixture(t, "v0.0.0-00010101000000-000000000000")
	tr, err := load(dir, fixtureFiles(t, dir)...)
	require.NoError(t, err)
	assert.Len(t, tr.mods, 3, "testdata is not a module of the repository")
	_, err = tr.version()
	require.Error(t, err)
	for _, want := range []string{
		"lib/go.mod requires example.com/r v0.0.0-00010101000000-000000000000: not a release version",
		"lib/go.mod replaces example.com/r",
		"app/go.mod requires example.com/r/lib",
	} {
		assert.Contains(t, err.Error(), want)
	}

	require.NoError(t, tr.setVersion("v0.3.0"))
	tr, err = load(dir, fixtureFiles(t, dir)...)
	require.NoError(t, err)
	v, err := tr.version()
	require.NoError(t, err)
	assert.Equal(t, "v0.3.0", v)
	lib, _ := os.ReadFile(filepath.Join(dir, "lib", "go.mod"))
	assert.NotContains(t, string(lib), "replace")
	work, _ := os.ReadFile(filepath.Join(dir, "go.work"))
	assert.Contains(t, string(work), "example.com/r/lib v0.3.0 => ./lib")

	// One module behind is caught.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lib", "go.mod"), []byte("module example.com/r/lib\n\ngo 1.26.0\n\nrequire example.com/r v0.2.0\n"), 0o644))
	tr, err = load(dir, fixtureFiles(t, dir)...)
	require.NoError(t, err)
	_, err = tr.version()
	assert.ErrorContains(t, err, "lib/go.mod requires example.com/r v0.2.0")
}

func TestSetVersionRefusesWhatIsNoRelease(t *testing.T) {
	for _, v := range []string{"0.2.0", "v0.2", "v0.2.0+build", "v0.0.0-20260101000000-abcdefabcdef", "v2.0.0"} {
		dir := fixture(t, "v0.1.0")
		tr, err := load(dir, fixtureFiles(t, dir)...)
		require.NoError(t, err)
		assert.Error(t, tr.setVersion(v), v)
	}
}

func TestModuleFilesLeaveOutNestedModules(t *testing.T) {
	dir := fixture(t, "v0.1.0")
	tr, err := load(dir, fixtureFiles(t, dir)...)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"go.mod", "go.work", "r.go", "testdata/go.mod"}, tr.moduleFiles(tr.byPath("example.com/r")))
	assert.ElementsMatch(t, []string{"go.mod", "main.go", "testdata/x"}, tr.moduleFiles(tr.byPath("example.com/r/app")))
}

// TestPublishedModulesAreWhatGoDownloads publishes the fixture into a file
// proxy and has the go command download and build from it, outside any
// workspace, as a user would: the go.sum lines the release wrote must be
// the hashes the go command computes, or it refuses the modules.
func TestPublishedModulesAreWhatGoDownloads(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := fixture(t, "v0.1.0")
	tr, err := load(dir, fixtureFiles(t, dir)...)
	require.NoError(t, err)
	require.NoError(t, tr.setVersion("v0.1.0"))
	tr, err = load(dir, fixtureFiles(t, dir)...)
	require.NoError(t, err)
	require.NoError(t, tr.writeSums())
	sum, err := os.ReadFile(filepath.Join(dir, "app", "go.sum"))
	require.NoError(t, err)
	assert.Contains(t, string(sum), "example.com/r v0.1.0 h1:")
	assert.Contains(t, string(sum), "example.com/r/lib v0.1.0/go.mod h1:")

	proxy := t.TempDir()
	for _, m := range tr.mods {
		require.NoError(t, tr.publish(proxy, m, "v0.1.0"))
	}
	list, err := os.ReadFile(filepath.Join(proxy, "example.com", "r", "lib", "@v", "list"))
	require.NoError(t, err)
	assert.Equal(t, "v0.1.0\n", string(list))

	// The app, unpacked from the proxy, builds with the go.sum the release
	// wrote: nothing is looked up but the proxy, and every hash must match.
	cache := t.TempDir()
	goenv := append(os.Environ(), "GOWORK=off", "GOFLAGS=-modcacherw", "GOMODCACHE="+cache,
		"GOPROXY=file://"+filepath.ToSlash(proxy), "GONOSUMDB=example.com", "GOTOOLCHAIN=local")
	cmd := exec.Command("go", "mod", "download", "-json", "example.com/r/app@v0.1.0")
	cmd.Env = goenv
	out, err := cmd.Output()
	require.NoError(t, err, "%s", out)
	var dl struct{ Dir, Sum string }
	require.NoError(t, json.Unmarshal(out, &dl))
	app := t.TempDir()
	require.NoError(t, os.CopyFS(app, os.DirFS(dl.Dir)))
	for _, f := range []string{"go.mod", "go.sum", "main.go"} {
		require.NoError(t, os.Chmod(filepath.Join(app, f), 0o644))
	}
	cmd = exec.Command("go", "build", "-mod=readonly", "-o", path.Join(t.TempDir(), "app"), ".")
	cmd.Dir = app
	cmd.Env = goenv
	out, err = cmd.CombinedOutput()
	assert.NoError(t, err, "%s", out)
}

func TestTags(t *testing.T) {
	dir := fixture(t, "v0.1.0")
	tr, err := load(dir, fixtureFiles(t, dir)...)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"v0.4.0", "lib/v0.4.0", "app/v0.4.0"}, tr.tags("v0.4.0"))
}
