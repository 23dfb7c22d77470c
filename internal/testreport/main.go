// Command testreport reads the events of go test -json on stdin and
// writes what go test writes without -json (each package's ok or FAIL
// line, a failing test's output, build errors), then which tests skipped
// and why, grouped by reason. ./test runs every module's tests through it,
// so that a suite that skipped for want of a server (PostgreSQL, Redis)
// says so instead of passing in silence.
//
//	go test -json ./... | testreport [-module dir] [-skips file]
//
// -skips appends the skips to file, one "reason<TAB>package<TAB>test"
// line each, so that ./test can summarise every module at the end
// (testreport -summary file).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

func main() {
	skips := flag.String("skips", "", "append skipped tests to this file")
	summary := flag.String("summary", "", "print the skips recorded in this file, and exit")
	flag.Parse()
	if *summary != "" {
		f, err := os.Open(*summary)
		if err != nil {
			if os.IsNotExist(err) {
				writeSummary(os.Stdout, nil) // no module recorded a skip
				return
			}
			fmt.Fprintln(os.Stderr, "testreport:", err)
			os.Exit(2)
		}
		defer f.Close()
		var all []skip
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if p := strings.SplitN(sc.Text(), "\t", 3); len(p) == 3 {
				all = append(all, skip{reason: p[0], pkg: p[1], test: p[2]})
			}
		}
		writeSummary(os.Stdout, all)
		return
	}
	found := report(os.Stdin, os.Stdout)
	if *skips != "" && len(found) > 0 {
		f, err := os.OpenFile(*skips, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testreport:", err)
			os.Exit(2)
		}
		for _, s := range found {
			fmt.Fprintf(f, "%s\t%s\t%s\n", oneLine(s.reason), s.pkg, s.test)
		}
		if err := f.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "testreport:", err)
			os.Exit(2)
		}
	}
}

// event is one line of go test -json (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output
}

type skip struct{ reason, pkg, test string }

// framing is test2json's lines around a test's own output (go test
// without -json prints none for a test that passed); they are no part of
// a skip's reason.
var framing = regexp.MustCompile(`^\s*(=== (RUN|PAUSE|CONT|NAME)\s|--- (PASS|SKIP): )`)

// report copies what go test would print from the events in r to w, and
// returns the tests that skipped. A line that is not an event (a go
// command error) is copied as it is.
func report(r io.Reader, w io.Writer) []skip {
	type key struct{ pkg, test string }
	// Output of each test, by its top-level test: a failing test prints its
	// subtests' output with its own, as go test does.
	out := map[key]*strings.Builder{}
	// What each test (subtests too) said before it skipped.
	said := map[key][]string{}
	var skips []skip
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil || e.Action == "" {
			fmt.Fprintf(w, "%s\n", line)
			continue
		}
		top := key{e.Package, strings.SplitN(e.Test, "/", 2)[0]}
		switch e.Action {
		case "build-output":
			io.WriteString(w, e.Output)
		case "output":
			if e.Test == "" {
				if e.Output != "PASS\n" && !strings.HasPrefix(e.Output, "testing: warning: no tests to run") {
					io.WriteString(w, e.Output)
				}
				continue
			}
			b := out[top]
			if b == nil {
				b = &strings.Builder{}
				out[top] = b
			}
			b.WriteString(e.Output)
			if !framing.MatchString(e.Output) {
				k := key{e.Package, e.Test}
				said[k] = append(said[k], e.Output)
			}
		case "fail":
			if e.Test != "" && e.Test == top.test {
				if b := out[top]; b != nil {
					io.WriteString(w, b.String())
				}
			}
		case "skip":
			if e.Test == "" {
				continue // a package with no test files
			}
			skips = append(skips, skip{reason: reason(said[key{e.Package, e.Test}]), pkg: e.Package, test: e.Test})
		}
		if (e.Action == "pass" || e.Action == "fail" || e.Action == "skip") && e.Test == top.test {
			delete(out, top)
		}
	}
	return skips
}

// location is the file:line go test puts before a test's log line.
var location = regexp.MustCompile(`^\s*[\w.-]+\.go:\d+: `)

// reason is what a test logged before skipping, without the file:line
// prefixes: t.Skip's message, usually.
func reason(lines []string) string {
	var parts []string
	for _, l := range lines {
		if l = strings.TrimSpace(location.ReplaceAllString(l, "")); l != "" {
			parts = append(parts, l)
		}
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " ")
}

// oneLine keeps a reason on one line of the skips file.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// writeSummary prints the skips grouped by reason, the most frequent
// first, with the packages each reason covers.
func writeSummary(w io.Writer, skips []skip) {
	if len(skips) == 0 {
		fmt.Fprintln(w, "skipped: nothing")
		return
	}
	type group struct {
		reason string
		tests  int
		pkgs   map[string]bool
	}
	byReason := map[string]*group{}
	for _, s := range skips {
		g := byReason[s.reason]
		if g == nil {
			g = &group{reason: s.reason, pkgs: map[string]bool{}}
			byReason[s.reason] = g
		}
		g.tests++
		g.pkgs[s.pkg] = true
	}
	groups := make([]*group, 0, len(byReason))
	for _, g := range byReason {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].tests != groups[j].tests {
			return groups[i].tests > groups[j].tests
		}
		return groups[i].reason < groups[j].reason
	})
	fmt.Fprintf(w, "skipped: %d tests\n", len(skips))
	for _, g := range groups {
		pkgs := make([]string, 0, len(g.pkgs))
		for p := range g.pkgs {
			pkgs = append(pkgs, p)
		}
		sort.Strings(pkgs)
		fmt.Fprintf(w, "  %d: %s\n     in %s\n", g.tests, g.reason, strings.Join(pkgs, ", "))
	}
}
