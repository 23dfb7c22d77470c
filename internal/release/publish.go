package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
)

// publishCopy copies the release's files of the tree at root into a
// temporary directory, prepares the copy as ./release VERSION would at the
// version its go.mod files carry (so the tree itself is not touched), and
// publishes every module of the copy into dir, a module proxy that
// GOPROXY=file://dir serves. It returns that version.
func publishCopy(root, dir string) (string, error) {
	src, err := load(root)
	if err != nil {
		return "", err
	}
	v, err := src.version()
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp("", "ddx-release-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	for _, f := range src.files {
		if err := copyFile(filepath.Join(root, filepath.FromSlash(f)), filepath.Join(tmp, filepath.FromSlash(f))); err != nil {
			return "", err
		}
	}
	cp, err := load(tmp, src.files...)
	if err != nil {
		return "", err
	}
	if err := cp.writeSums(); err != nil {
		return "", err
	}
	for _, m := range cp.mods {
		if err := cp.publish(dir, m, v); err != nil {
			return "", fmt.Errorf("publish %s: %w", m.path, err)
		}
	}
	fmt.Printf("published %d modules at %s into %s\n", len(cp.mods), v, dir)
	return v, nil
}

// publish writes m at v into the module proxy dir: the .info, .mod and
// .zip files and the version list the GOPROXY protocol serves.
func (t *tree) publish(dir string, m *mod, v string) error {
	esc, err := module.EscapePath(m.path)
	if err != nil {
		return err
	}
	ev, err := module.EscapeVersion(v)
	if err != nil {
		return err
	}
	at := filepath.Join(dir, filepath.FromSlash(esc), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		return err
	}
	info, _ := json.Marshal(struct {
		Version string
		Time    time.Time
	}{v, time.Now().UTC().Truncate(time.Second)})
	if err := os.WriteFile(filepath.Join(at, ev+".info"), info, 0o644); err != nil {
		return err
	}
	if err := copyFile(t.abs(m.dir, "go.mod"), filepath.Join(at, ev+".mod")); err != nil {
		return err
	}
	z, err := os.Create(filepath.Join(at, ev+".zip"))
	if err != nil {
		return err
	}
	if err := t.zip(z, m, v); err != nil {
		z.Close()
		return err
	}
	if err := z.Close(); err != nil {
		return err
	}
	list := filepath.Join(at, "list")
	old, _ := os.ReadFile(list)
	for _, l := range strings.Split(string(old), "\n") {
		if l == v {
			return nil
		}
	}
	return os.WriteFile(list, append(old, v+"\n"...), 0o644)
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}

// tidyAll runs go mod tidy in every nested module, outside the workspace,
// against a proxy of the tree: before a release, a nested module's
// requirement on the next version resolves nowhere else. The go.sum lines
// tidy writes for the repository's own modules are hashes of an unreleased
// tree, so they are taken out again (./release VERSION writes the real
// ones).
func tidyAll(root string) error {
	proxy, err := os.MkdirTemp("", "ddx-proxy-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(proxy)
	if _, err := publishCopy(root, proxy); err != nil {
		return err
	}
	t, err := load(root)
	if err != nil {
		return err
	}
	// The module cache keeps what it downloaded by version: a later
	// rehearsal of the same version with other files would get these.
	defer forget()
	if err := forget(); err != nil {
		return err
	}
	for _, m := range t.mods {
		if m.dir == "." {
			continue
		}
		cmd := exec.Command("go", "mod", "tidy")
		cmd.Dir = t.abs(m.dir)
		cmd.Env = append(os.Environ(), tidyEnv(proxy)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		fmt.Println("-- go mod tidy in", m.dir)
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go mod tidy in %s: %w", m.dir, err)
		}
		if err := t.rewriteSum(m, nil); err != nil {
			return err
		}
	}
	return nil
}

// tidyEnv is the environment of go mod tidy against the proxy at dir (and
// the usual proxy for everything else), outside the workspace. The sum
// database does not know modules that were never published.
func tidyEnv(dir string) []string {
	upstream := os.Getenv("GOPROXY")
	if upstream == "" {
		upstream = "https://proxy.golang.org,direct"
	}
	return []string{
		"GOWORK=off",
		"GOPROXY=file://" + filepath.ToSlash(dir) + "," + upstream,
		"GONOSUMDB=github.com/ddx-go/ddx",
		// The go command's index of a module in the cache is keyed by
		// version, not content: an earlier proxy's would be used.
		"GODEBUG=goindex=0",
	}
}

// forget removes the repository's modules from the module cache.
func forget() error {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return err
	}
	cache := strings.TrimSpace(string(out))
	for _, d := range []string{filepath.Join(cache, "github.com", "ddx-go"), filepath.Join(cache, "cache", "download", "github.com", "ddx-go")} {
		_ = filepath.Walk(d, func(p string, info os.FileInfo, err error) error {
			if err == nil && info.IsDir() {
				_ = os.Chmod(p, 0o755) // the module cache is read-only
			}
			return nil
		})
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	return nil
}
