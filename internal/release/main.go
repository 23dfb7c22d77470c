// Command release prepares and rehearses a release of every Go module of
// the repository. It is what ./release runs:
//
//	./release v0.2.0        sets every requirement on a module of this
//	                        repository to v0.2.0, writes the go.sum lines
//	                        of those modules, and prints the tags to push
//	./release -next v0.3.0  only sets the requirements (after a release,
//	                        to name the next one)
//	./release -check        fails if the requirements disagree
//	./release -proxy DIR    publishes a copy of the tree, prepared at the
//	                        version its go.mod files carry, into DIR, a
//	                        module proxy for GOPROXY=file://DIR
//	./release -tidy         runs go mod tidy in every nested module
//	                        against such a proxy of the tree as it is
//
// The modules of the repository require each other at the version of the
// next release, never at a pseudo-version and never through a replace
// directive: a replace is ignored where the module is a dependency, so
// only a real version resolves for a user. Development builds them
// together through the go.work at the root instead.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	next := flag.String("next", "", "set every requirement to `version` and nothing else")
	check := flag.Bool("check", false, "fail if the modules' requirements disagree")
	proxy := flag.String("proxy", "", "publish a prepared copy of the tree into the module proxy `dir`")
	tidy := flag.Bool("tidy", false, "run go mod tidy in every nested module against a proxy of the tree")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: ./release VERSION | -next VERSION | -check | -proxy DIR | -tidy")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*next, *check, *proxy, *tidy, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(next string, check bool, proxy string, tidy bool, args []string) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	tree, err := load(root)
	if err != nil {
		return err
	}
	switch {
	case check:
		v, err := tree.version()
		if err != nil {
			return err
		}
		fmt.Printf("every module requires the others at %s\n", v)
		return nil
	case next != "":
		return tree.setVersion(next)
	case proxy != "":
		abs, err := filepath.Abs(proxy)
		if err != nil {
			return err
		}
		_, err = publishCopy(root, abs)
		return err
	case tidy:
		return tidyAll(root)
	case len(args) == 1:
		if err := tree.setVersion(args[0]); err != nil {
			return err
		}
		if err := tree.writeSums(); err != nil {
			return err
		}
		fmt.Println("commit the go.mod and go.sum files, then tag that commit:")
		for _, tag := range tree.tags(args[0]) {
			fmt.Println("\tgit tag", tag)
		}
		return nil
	}
	flag.Usage()
	os.Exit(2)
	return nil
}

// repoRoot is the directory of the go.work this command runs under.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.work above %s: run it in the repository", strings.TrimSpace(dir))
		}
		dir = parent
	}
}
