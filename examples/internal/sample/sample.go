// Package sample compares the output samples that the READMEs show with
// what the programs really print, so that the pages cannot drift from the
// code. A sample is a fenced block of a README; its lines must be lines of
// the real output, in order, once times, ids, durations, ports, paths and
// memory figures are masked on both sides and runs of spaces are one. "…"
// inside a line stands for anything. How lines left out are told depends on
// what the sample is: [Whole] holds a sample that shows a run's whole
// output, where only a line that is "…" may stand for lines left out, and
// [Match] one that quotes a few lines of it, which may leave out any.
package sample

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Block is one fenced block of a Markdown file.
type Block struct {
	File    string
	Line    int    // of the opening fence
	Heading string // the nearest heading above it, without the #s
	Lang    string // after the opening fence: text, json, sh, go, …
	Lines   []string
}

// Blocks returns the fenced blocks of a Markdown file.
func Blocks(t testing.TB, file string) []Block {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		out     []Block
		heading string
		cur     *Block
		n       int
	)
	indent := "" // of the open block's fence, as in a list item
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		fence := strings.TrimLeft(line, " ")
		switch {
		case cur != nil && line == indent+"```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.Lines = append(cur.Lines, strings.TrimPrefix(line, indent))
		case strings.HasPrefix(fence, "```"):
			indent = line[:len(line)-len(fence)]
			cur = &Block{File: file, Line: n, Heading: heading, Lang: strings.TrimPrefix(fence, "```")}
		case strings.HasPrefix(line, "#"):
			heading = strings.TrimSpace(strings.TrimLeft(line, "#"))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// With returns the blocks that have a line containing s.
func With(blocks []Block, s string) []Block {
	var out []Block
	for _, b := range blocks {
		for _, l := range b.Lines {
			if strings.Contains(l, s) {
				out = append(out, b)
				break
			}
		}
	}
	return out
}

// Find returns the blocks under headings that contain heading, in the
// languages given (all when none is).
func Find(blocks []Block, heading string, langs ...string) []Block {
	var out []Block
	for _, b := range blocks {
		if !strings.Contains(b.Heading, heading) {
			continue
		}
		if len(langs) == 0 || contains(langs, b.Lang) {
			out = append(out, b)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// masks replace what changes from run to run with a placeholder, in the
// sample and in the output alike.
var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`), "<TIME>"},
	{regexp.MustCompile(`\b\d\d:\d\d:\d\d\.\d{3}\b`), "<TIME>"},
	// pprof's header: the profile's time, in the local zone, and the
	// binary's build id.
	{regexp.MustCompile(`\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [A-Z+-][A-Za-z0-9+-]*`), "<TIME>"},
	{regexp.MustCompile(`(Build ID: )[0-9a-f]+`), "${1}<ID>"},
	{regexp.MustCompile(`\b[0-9a-f]{32}\b`), "<TRACE>"},
	{regexp.MustCompile(`\b[0-9]{12,20}\b`), "<ID>"},
	{regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms|s)\b`), "<DUR>"},
	// The access and job lines' duration is nanoseconds.
	{regexp.MustCompile(`(duration[=":]+)\d+`), "${1}<DUR>"},
	{regexp.MustCompile(`(localhost|127\.0\.0\.1|\[::1?\]|\[::\]):\d+`), "${1}:<PORT>"},
	// Where the source lives: a clone's path, or a temporary directory.
	{regexp.MustCompile(`(^|[\s"=])(…|/)[^\s"]*/examples/`), "${1}…/examples/"},
	// Memory figures vary from run to run; their names and units do not.
	{regexp.MustCompile(`\b\d+(\.\d+)?([KMG]iB|[kMG]B)`), "<SIZE>"},
	{regexp.MustCompile(`\b\d+(\.\d+)?%`), "<N>%"},
	{regexp.MustCompile(`((mib|share)[=":]+)[\d.]+`), "${1}<N>"},
}

// Mask replaces times, ids, durations, ports and paths with placeholders.
func Mask(s string) string {
	for _, m := range masks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	// Columns are aligned to the widths of the figures; the words matter.
	return strings.Join(strings.Fields(s), " ")
}

// pattern is a sample line as a regexp: the masked text, with "…" matching
// anything.
func pattern(line string) *regexp.Regexp {
	parts := strings.Split(Mask(line), "…")
	for i, p := range parts {
		// "a … b" is a cut: it may have been nothing, "a b".
		if i > 0 {
			p = strings.TrimPrefix(p, " ")
		}
		if i < len(parts)-1 {
			p = strings.TrimSuffix(p, " ")
		}
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
}

// Match checks that every line of b (but lines that are only "…") is a
// line of one of the streams, in order within each stream: a program's
// stdout and stderr interleave differently from one run to the next, and
// a sample shows them as a terminal did once. Lines of the streams may be
// left out anywhere, "…" or not: b quotes a few lines. For a sample that
// shows the whole output, use [Whole].
func Match(t testing.TB, b Block, streams ...[]string) {
	t.Helper()
	masked := make([][]string, len(streams))
	for i, s := range streams {
		for _, l := range s {
			masked[i] = append(masked[i], Mask(l))
		}
	}
	next := make([]int, len(streams))
lines:
	for i, line := range b.Lines {
		if strings.TrimSpace(line) == "…" || strings.TrimSpace(line) == "" {
			continue
		}
		re := pattern(line)
		for s := range masked {
			for j := next[s]; j < len(masked[s]); j++ {
				if re.MatchString(masked[s][j]) {
					next[s] = j + 1
					continue lines
				}
			}
		}
		var out strings.Builder
		for s := range masked {
			out.WriteString(strings.Join(masked[s], "\n"))
			out.WriteString("\n--\n")
		}
		t.Errorf("%s:%d (%s): the sample's line\n\t%s\nis not in the real output (masked, after the lines matched before it):\n%s",
			b.File, b.Line+1+i, b.Heading, Mask(line), out.String())
		return
	}
}

// Whole checks that b shows all that the streams hold, as Match does but
// with no line left out unless the sample says so: a line that is only "…"
// stands for any number of lines, of any stream, left out there (before the
// first line shown, between two, or after the last). Within each stream,
// the lines b shows must follow one another, from its first line to its
// last, but where a "…" stands between them. Empty lines do not count.
func Whole(t testing.TB, b Block, streams ...[]string) {
	t.Helper()
	masked := make([][]string, len(streams))
	for i, s := range streams {
		for _, l := range s {
			if m := Mask(l); m != "" {
				masked[i] = append(masked[i], m)
			}
		}
	}
	next := make([]int, len(streams))
	// gap[s]: a "…" stands between stream s's last line shown and its next.
	gap := make([]bool, len(streams))
	fail := func(i int, why string) {
		t.Helper()
		var out strings.Builder
		for s := range masked {
			for j, l := range masked[s] {
				mark := "  "
				if j == next[s] {
					mark = "> "
				}
				out.WriteString(mark + l + "\n")
			}
			out.WriteString("--\n")
		}
		t.Errorf("%s:%d (%s): %s (the real output, masked, > at the next line of each stream):\n%s",
			b.File, b.Line+1+i, b.Heading, why, out.String())
	}
lines:
	for i, line := range b.Lines {
		switch strings.TrimSpace(line) {
		case "":
			continue
		case "…":
			for s := range gap {
				gap[s] = true
			}
			continue
		}
		re := pattern(line)
		for s := range masked {
			if next[s] < len(masked[s]) && re.MatchString(masked[s][next[s]]) {
				next[s]++
				gap[s] = false
				continue lines
			}
		}
		for s := range masked {
			if !gap[s] {
				continue
			}
			for j := next[s]; j < len(masked[s]); j++ {
				if re.MatchString(masked[s][j]) {
					next[s], gap[s] = j+1, false
					continue lines
				}
			}
		}
		fail(i, "the sample's line\n\t"+Mask(line)+"\nis not the next line of any stream, and no \"…\" line before it says lines were left out")
		return
	}
	for s := range masked {
		if next[s] < len(masked[s]) && !gap[s] {
			fail(len(b.Lines), "the real output goes on after the sample's last line, and no \"…\" line says so")
			return
		}
	}
}
