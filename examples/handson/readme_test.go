package handson

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// stepHeading is a README section of one step: "## Step 3 — …: `step3-http`"
// or its Japanese twin.
var stepHeading = regexp.MustCompile("^## .*`(step[0-9]+-[a-z-]+)`$")

// TestReadmeCodeIsTheSteps checks that the Go excerpts in both READMEs are
// the steps' code: every line of a ```go block (but "…", which marks a cut)
// appears in the step's main.go, in the same order. Then editing a step
// without its README fails here.
func TestReadmeCodeIsTheSteps(t *testing.T) {
	t.Parallel()
	for _, readme := range []string{"README.md", "README.ja.md"} {
		t.Run(readme, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(readme)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()

			seen := map[string]bool{}
			var step string
			var block []string
			inGo := false
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				line := sc.Text()
				switch {
				case inGo && line == "```":
					inGo = false
					checkExcerpt(t, step, block)
					block = nil
				case inGo:
					block = append(block, line)
				case line == "```go":
					inGo = true
				default:
					if m := stepHeading.FindStringSubmatch(line); m != nil {
						step = m[1]
						seen[step] = true
					}
				}
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			for _, s := range steps {
				if !seen[s] {
					t.Errorf("%s has no section for %s", readme, s)
				}
			}
		})
	}
}

func checkExcerpt(t *testing.T, step string, block []string) {
	t.Helper()
	if step == "" {
		t.Errorf("a Go excerpt before any step's section:\n%s", strings.Join(block, "\n"))
		return
	}
	// A step of several programs (step 9's shop and worker) has a main.go
	// in each: an excerpt is of one of them.
	files, _ := filepath.Glob(filepath.Join(step, "*", "main.go"))
	if _, err := os.Stat(filepath.Join(step, "main.go")); err == nil || len(files) == 0 {
		files = []string{filepath.Join(step, "main.go")}
	}
	var why string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("%s: %v", step, err)
			return
		}
		if why = excerptOf(string(src), block); why == "" {
			return
		}
		why = f + " has no line " + why
	}
	t.Errorf("%s after the excerpt's previous lines", why)
}

// excerptOf says which line of block is not in src, in order ("" if none).
func excerptOf(src string, block []string) string {
	lines := strings.Split(src, "\n")
	i := 0
	for _, want := range block {
		want = normalize(want)
		if want == "" || want == "…" {
			continue
		}
		for i < len(lines) && normalize(lines[i]) != want {
			i++
		}
		if i == len(lines) {
			return strconv.Quote(want)
		}
		i++
	}
	return ""
}

// normalize drops indentation and gofmt's alignment of comments.
func normalize(line string) string { return strings.Join(strings.Fields(line), " ") }

// TestWhatStepsLeaveIsIgnored: the files the steps write where the README
// runs them (step 6's profile, step 8's database) are ignored by git, so a
// clone stays clean and what is built from it is not stamped +dirty.
func TestWhatStepsLeaveIsIgnored(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	if err := exec.Command("git", "rev-parse", "--is-inside-work-tree").Run(); err != nil {
		t.Skip("not in a git clone")
	}
	for _, f := range []string{"heap.pprof", "step8-database/items.db", "step8-database/items.db-journal"} {
		if err := exec.Command("git", "check-ignore", "-q", f).Run(); err != nil {
			t.Errorf("git does not ignore %s, which a step writes", f)
		}
	}
}
