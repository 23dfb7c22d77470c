package handson

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	src, err := os.ReadFile(filepath.Join(step, "main.go"))
	if err != nil {
		t.Errorf("%s: %v", step, err)
		return
	}
	lines := strings.Split(string(src), "\n")
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
			t.Errorf("%s/main.go has no line %q after the excerpt's previous lines", step, want)
			return
		}
		i++
	}
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
