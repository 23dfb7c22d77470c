package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/zip"
)

// A mod is one Go module of the repository.
type mod struct {
	dir  string // slash-separated, relative to the root; "." for the root module
	path string // the module path
	file *modfile.File
}

// A tree is the repository's modules and the files a release of each
// holds: the files git tracks, which are what a module proxy serves from a
// tag.
type tree struct {
	root  string
	mods  []*mod
	files []string // slash-separated, relative to root, sorted
	work  *modfile.WorkFile
}

// load reads every go.mod of the repository at root (outside testdata, and
// outside directories the go command ignores). files are the files of the
// release, relative to root; nil means those git tracks.
func load(root string, files ...string) (*tree, error) {
	if files == nil {
		var err error
		if files, err = tracked(root); err != nil {
			return nil, err
		}
	}
	files = slices.Clone(files)
	slices.Sort(files)
	t := &tree{root: root, files: files}
	for _, f := range files {
		if path.Base(f) != "go.mod" || ignored(path.Dir(f)) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return nil, err
		}
		mf, err := modfile.Parse(f, data, nil)
		if err != nil {
			return nil, err
		}
		if mf.Module == nil {
			return nil, fmt.Errorf("%s: no module statement", f)
		}
		t.mods = append(t.mods, &mod{dir: path.Dir(f), path: mf.Module.Mod.Path, file: mf})
	}
	if len(t.mods) == 0 {
		return nil, fmt.Errorf("no go.mod under %s", root)
	}
	data, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return nil, err
	}
	if t.work, err = modfile.ParseWork("go.work", data, nil); err != nil {
		return nil, err
	}
	return t, nil
}

// ignored reports whether the go command would never see a module in dir:
// testdata, and directories whose name starts with "." or "_".
func ignored(dir string) bool {
	for _, elem := range strings.Split(dir, "/") {
		if elem == "testdata" || (elem != "." && (strings.HasPrefix(elem, ".") || strings.HasPrefix(elem, "_"))) {
			return true
		}
	}
	return false
}

// tracked lists the files git tracks under root that are in the working
// tree.
func tracked(root string) ([]string, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f == "" {
			continue
		}
		if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(f))); err == nil {
			files = append(files, f)
		}
	}
	slices.Sort(files)
	return files, nil
}

func (t *tree) byPath(p string) *mod {
	for _, m := range t.mods {
		if m.path == p {
			return m
		}
	}
	return nil
}

// ours lists the requirements of m on modules of this repository.
func (t *tree) ours(m *mod) []*modfile.Require {
	var rs []*modfile.Require
	for _, r := range m.file.Require {
		if t.byPath(r.Mod.Path) != nil {
			rs = append(rs, r)
		}
	}
	return rs
}

// version is the version every module requires the others at, the next
// release's. It is an error if two requirements disagree, if one is not a
// release version, or if a go.mod replaces a module of the repository.
func (t *tree) version() (string, error) {
	var v, first string
	var problems []string
	for _, m := range t.mods {
		for _, r := range t.ours(m) {
			where := fmt.Sprintf("%s/go.mod requires %s %s", m.dir, r.Mod.Path, r.Mod.Version)
			switch {
			case !isRelease(r.Mod.Version):
				problems = append(problems, where+": not a release version (vMAJOR.MINOR.PATCH)")
			case v == "":
				v, first = r.Mod.Version, where
			case r.Mod.Version != v:
				problems = append(problems, where+", but "+first)
			}
		}
		for _, r := range m.file.Replace {
			if t.byPath(r.Old.Path) != nil {
				problems = append(problems, fmt.Sprintf("%s/go.mod replaces %s: a user's build ignores it; the go.work at the root builds the modules together", m.dir, r.Old.Path))
			}
		}
	}
	if v == "" && len(problems) == 0 {
		problems = append(problems, "no module requires another")
	}
	problems = append(problems, t.workProblems(v)...)
	if len(problems) > 0 {
		return "", fmt.Errorf("the modules' requirements disagree (./release -next VERSION sets them all):\n\t%s", strings.Join(problems, "\n\t"))
	}
	return v, nil
}

// workProblems says where go.work does not build every module together at
// v: each must be used, and replaced at v by its directory. The replace is
// what lets the workspace build before v is published: a module of the
// workspace is only a root of the version selection, so the requirements
// on it at v are still looked up, and the replace answers them here.
func (t *tree) workProblems(v string) []string {
	var problems []string
	for _, m := range t.mods {
		dir := workDir(m)
		used := false
		for _, u := range t.work.Use {
			used = used || path.Clean(u.Path) == path.Clean(dir)
		}
		if !used {
			problems = append(problems, fmt.Sprintf("go.work does not use %s", dir))
		}
		if v == "" {
			continue
		}
		replaced := false
		for _, r := range t.work.Replace {
			if r.Old.Path == m.path {
				replaced = r.Old.Version == v && path.Clean(r.New.Path) == path.Clean(dir) && r.New.Version == ""
				if !replaced {
					problems = append(problems, fmt.Sprintf("go.work replaces %s %s => %s, not %s => %s", m.path, r.Old.Version, r.New.Path, v, dir))
				}
			}
		}
		if !replaced && !slices.ContainsFunc(t.work.Replace, func(r *modfile.Replace) bool { return r.Old.Path == m.path }) {
			problems = append(problems, fmt.Sprintf("go.work does not replace %s %s => %s", m.path, v, dir))
		}
	}
	return problems
}

// workDir is m's directory as go.work names it.
func workDir(m *mod) string {
	if m.dir == "." {
		return "."
	}
	return "./" + m.dir
}

// isRelease reports whether v is a version a release can carry: canonical
// semver, not a pseudo-version.
func isRelease(v string) bool {
	return semver.IsValid(v) && semver.Canonical(v) == v && !module.IsPseudoVersion(v) && semver.Build(v) == ""
}

// setVersion makes every requirement on a module of the repository v and
// drops any replace of one.
func (t *tree) setVersion(v string) error {
	if !isRelease(v) {
		return fmt.Errorf("%q is not a release version: give vMAJOR.MINOR.PATCH, e.g. v0.2.0", v)
	}
	if semver.Major(v) != "v0" && semver.Major(v) != "v1" {
		return fmt.Errorf("%s: a major version above v1 changes every module path (/v2), which this command does not do", v)
	}
	for _, m := range t.mods {
		rs := t.ours(m)
		for _, r := range rs {
			if err := m.file.AddRequire(r.Mod.Path, v); err != nil {
				return err
			}
		}
		for _, r := range slices.Clone(m.file.Replace) {
			if t.byPath(r.Old.Path) != nil {
				if err := m.file.DropReplace(r.Old.Path, r.Old.Version); err != nil {
					return err
				}
			}
		}
		if len(rs) == 0 {
			continue
		}
		m.file.Cleanup()
		data, err := m.file.Format()
		if err != nil {
			return err
		}
		if err := os.WriteFile(t.abs(m.dir, "go.mod"), data, 0o644); err != nil {
			return err
		}
	}
	for _, m := range t.mods {
		for _, r := range slices.Clone(t.work.Replace) {
			if r.Old.Path == m.path {
				if err := t.work.DropReplace(r.Old.Path, r.Old.Version); err != nil {
					return err
				}
			}
		}
		if err := t.work.AddReplace(m.path, v, workDir(m), ""); err != nil {
			return err
		}
	}
	t.work.Cleanup()
	return os.WriteFile(t.abs("go.work"), modfile.Format(t.work.Syntax), 0o644)
}

func (t *tree) abs(elem ...string) string {
	return filepath.Join(append([]string{t.root}, elem...)...)
}

// order is the modules, each after the modules of the repository it
// requires, so that a module's go.sum can hold their final hashes before
// its own are computed.
func (t *tree) order() ([]*mod, error) {
	var done []*mod
	for len(done) < len(t.mods) {
		progress := false
		for _, m := range t.mods {
			if slices.Contains(done, m) {
				continue
			}
			ready := true
			for _, r := range t.ours(m) {
				if !slices.Contains(done, t.byPath(r.Mod.Path)) {
					ready = false
				}
			}
			if ready {
				done = append(done, m)
				progress = true
			}
		}
		if !progress {
			return nil, fmt.Errorf("the modules require each other in a cycle")
		}
	}
	return done, nil
}

// moduleFiles lists the files of m's release: the tree's files under m's
// directory that are not in a nested module's directory or a vendor
// directory, as the go command zips a module.
func (t *tree) moduleFiles(m *mod) []string {
	prefix := ""
	if m.dir != "." {
		prefix = m.dir + "/"
	}
	var files []string
	for _, f := range t.files {
		rel, ok := strings.CutPrefix(f, prefix)
		if !ok {
			continue
		}
		if t.nested(m, path.Dir(f)) || slices.Contains(strings.Split(path.Dir(rel), "/"), "vendor") {
			continue
		}
		files = append(files, rel)
	}
	return files
}

// nested reports whether dir is in the directory of another module than m
// (one below m's).
func (t *tree) nested(m *mod, dir string) bool {
	for _, o := range t.mods {
		if o == m || o.dir == "." || (m.dir != "." && !strings.HasPrefix(o.dir, m.dir+"/")) {
			continue
		}
		if dir == o.dir || strings.HasPrefix(dir, o.dir+"/") {
			return true
		}
	}
	return false
}

type osFile struct{ rel, abs string }

func (f osFile) Path() string                 { return f.rel }
func (f osFile) Lstat() (os.FileInfo, error)  { return os.Lstat(f.abs) }
func (f osFile) Open() (io.ReadCloser, error) { return os.Open(f.abs) }

// zip writes the zip of m at version v, as a module proxy serves it.
func (t *tree) zip(w io.Writer, m *mod, v string) error {
	var files []zip.File
	for _, rel := range t.moduleFiles(m) {
		files = append(files, osFile{rel, t.abs(filepath.FromSlash(m.dir), filepath.FromSlash(rel))})
	}
	return zip.Create(w, module.Version{Path: m.path, Version: v}, files)
}

// sums are the go.sum lines of m at v: the hash of its zip and of its
// go.mod.
func (t *tree) sums(m *mod, v string) ([]string, error) {
	f, err := os.CreateTemp("", "release-*.zip")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := t.zip(f, m, v); err != nil {
		return nil, fmt.Errorf("zip of %s: %w", m.path, err)
	}
	zh, err := dirhash.HashZip(f.Name(), dirhash.Hash1)
	if err != nil {
		return nil, err
	}
	gomod, err := os.ReadFile(t.abs(m.dir, "go.mod"))
	if err != nil {
		return nil, err
	}
	mh, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gomod)), nil
	})
	if err != nil {
		return nil, err
	}
	return []string{
		fmt.Sprintf("%s %s %s", m.path, v, zh),
		fmt.Sprintf("%s %s/go.mod %s", m.path, v, mh),
	}, nil
}

// writeSums writes into each module's go.sum the lines of the modules of
// the repository it requires, at the version it requires them, in place of
// any such lines it had. They are the hashes of the files as they are now,
// so run it on the tree that is tagged: a go.sum then holds what the module
// proxy will serve, and the template's copy (gonew) builds without a
// go mod tidy.
func (t *tree) writeSums() error {
	order, err := t.order()
	if err != nil {
		return err
	}
	lines := map[string][]string{}
	for _, m := range order {
		var add []string
		for _, r := range t.ours(m) {
			add = append(add, lines[r.Mod.Path+"@"+r.Mod.Version]...)
		}
		if len(add) > 0 {
			if err := t.rewriteSum(m, add); err != nil {
				return err
			}
		}
		// A module's own lines, once its go.sum is final.
		for _, o := range t.mods {
			for _, r := range t.ours(o) {
				if r.Mod.Path == m.path && lines[m.path+"@"+r.Mod.Version] == nil {
					ls, err := t.sums(m, r.Mod.Version)
					if err != nil {
						return err
					}
					lines[m.path+"@"+r.Mod.Version] = ls
				}
			}
		}
	}
	return nil
}

// rewriteSum replaces m's go.sum lines of the repository's modules with add.
func (t *tree) rewriteSum(m *mod, add []string) error {
	name := t.abs(m.dir, "go.sum")
	data, err := os.ReadFile(name)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	var keep []string
	for _, l := range strings.Split(string(data), "\n") {
		if l == "" {
			continue
		}
		if f := strings.Fields(l); len(f) > 0 && t.byPath(f[0]) != nil {
			continue
		}
		keep = append(keep, l)
	}
	if len(add) > 0 {
		keep = append(keep, add...)
		slices.SortStableFunc(keep, compareSumLines)
		keep = slices.Compact(keep)
	}
	if err := os.WriteFile(name, []byte(strings.Join(keep, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	// A go.sum written anew is one more file of the module's release.
	rel := path.Join(m.dir, "go.sum")
	if i, found := slices.BinarySearch(t.files, rel); !found {
		t.files = slices.Insert(t.files, i, rel)
	}
	return nil
}

// compareSumLines orders go.sum lines as the go command writes them: by
// module path, then by version, a version's go.mod line after its zip's.
func compareSumLines(a, b string) int {
	fa, fb := strings.Fields(a), strings.Fields(b)
	if len(fa) < 2 || len(fb) < 2 {
		return strings.Compare(a, b)
	}
	if c := strings.Compare(fa[0], fb[0]); c != 0 {
		return c
	}
	va, moda := strings.CutSuffix(fa[1], "/go.mod")
	vb, modb := strings.CutSuffix(fb[1], "/go.mod")
	if c := semver.Compare(va, vb); c != 0 {
		return c
	}
	if moda != modb {
		if moda {
			return 1
		}
		return -1
	}
	return strings.Compare(a, b)
}

// tags are the git tags of a release at v: v for the root module,
// dir/v for a nested one.
func (t *tree) tags(v string) []string {
	var tags []string
	for _, m := range t.mods {
		if m.dir == "." {
			tags = append(tags, v)
		} else {
			tags = append(tags, m.dir+"/"+v)
		}
	}
	return tags
}
