package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	t.Parallel()
	const pkg = `"Package":"example.com/m"`
	ev := func(action, test, output string) string {
		s := `{"Action":"` + action + `",` + pkg
		if test != "" {
			s += `,"Test":"` + test + `"`
		}
		if output != "" {
			s += `,"Output":` + strconv.Quote(output)
		}
		return s + "}"
	}
	tests := []struct {
		name      string
		events    []string
		want      string
		wantSkips []skip
	}{
		{
			name: "a passing package prints its ok line only",
			events: []string{
				ev("start", "", ""),
				ev("run", "TestA", ""), ev("output", "TestA", "=== RUN   TestA\n"),
				ev("output", "TestA", "    a_test.go:3: a log line\n"),
				ev("output", "TestA", "--- PASS: TestA (0.00s)\n"), ev("pass", "TestA", ""),
				ev("output", "", "PASS\n"), ev("output", "", "ok  \texample.com/m\t0.01s\n"), ev("pass", "", ""),
			},
			want: "ok  \texample.com/m\t0.01s\n",
		},
		{
			name: "a failing test prints its output and its subtests'",
			events: []string{
				ev("run", "TestB", ""), ev("output", "TestB", "=== RUN   TestB\n"),
				ev("run", "TestB/x", ""), ev("output", "TestB/x", "=== RUN   TestB/x\n"),
				ev("output", "TestB/x", "    b_test.go:9: got 1, want 2\n"),
				ev("output", "TestB/x", "    --- FAIL: TestB/x (0.00s)\n"), ev("fail", "TestB/x", ""),
				ev("output", "TestB", "--- FAIL: TestB (0.00s)\n"), ev("fail", "TestB", ""),
				ev("output", "", "FAIL\n"), ev("output", "", "FAIL\texample.com/m\t0.01s\n"), ev("fail", "", ""),
			},
			want: "=== RUN   TestB\n=== RUN   TestB/x\n    b_test.go:9: got 1, want 2\n    --- FAIL: TestB/x (0.00s)\n--- FAIL: TestB (0.00s)\nFAIL\nFAIL\texample.com/m\t0.01s\n",
		},
		{
			name: "skips are returned with what the test said",
			events: []string{
				ev("run", "TestC", ""), ev("output", "TestC", "=== RUN   TestC\n"),
				ev("run", "TestC/pg", ""), ev("output", "TestC/pg", "=== RUN   TestC/pg\n"),
				ev("output", "TestC/pg", "    c_test.go:30: no PostgreSQL: set DDX_TEST_POSTGRES\n"),
				ev("output", "TestC/pg", "    --- SKIP: TestC/pg (0.00s)\n"), ev("skip", "TestC/pg", ""),
				ev("output", "TestC", "--- PASS: TestC (0.00s)\n"), ev("pass", "TestC", ""),
				ev("run", "TestD", ""), ev("output", "TestD", "--- SKIP: TestD (0.00s)\n"), ev("skip", "TestD", ""),
				ev("output", "", "ok  \texample.com/m\t0.01s\n"), ev("pass", "", ""),
			},
			want: "ok  \texample.com/m\t0.01s\n",
			wantSkips: []skip{
				{reason: "no PostgreSQL: set DDX_TEST_POSTGRES", pkg: "example.com/m", test: "TestC/pg"},
				{reason: "(no reason given)", pkg: "example.com/m", test: "TestD"},
			},
		},
		{
			name: "build errors and lines that are not events are copied",
			events: []string{
				`{"ImportPath":"example.com/m","Action":"build-output","Output":"./a.go:3:1: syntax error\n"}`,
				`{"ImportPath":"example.com/m","Action":"build-fail"}`,
				"go: updates to go.mod needed",
				ev("output", "", "FAIL\texample.com/m [build failed]\n"), ev("fail", "", ""),
			},
			want: "./a.go:3:1: syntax error\ngo: updates to go.mod needed\nFAIL\texample.com/m [build failed]\n",
		},
		{
			name:   "a package without test files skips, which is no test's skip",
			events: []string{ev("output", "", "?   \texample.com/m\t[no test files]\n"), ev("skip", "", "")},
			want:   "?   \texample.com/m\t[no test files]\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			skips := report(strings.NewReader(strings.Join(tc.events, "\n")+"\n"), &out)
			if out.String() != tc.want {
				t.Errorf("output:\n%q\nwant\n%q", out.String(), tc.want)
			}
			if len(skips) != len(tc.wantSkips) {
				t.Fatalf("skips %+v, want %+v", skips, tc.wantSkips)
			}
			for i := range skips {
				if skips[i] != tc.wantSkips[i] {
					t.Errorf("skip %d: %+v, want %+v", i, skips[i], tc.wantSkips[i])
				}
			}
		})
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	writeSummary(&out, []skip{
		{"no Redis", "m/b", "TestR"},
		{"no PostgreSQL", "m/b", "TestP/1"},
		{"no PostgreSQL", "m/a", "TestP/2"},
	})
	want := "skipped: 3 tests\n  2: no PostgreSQL\n     in m/a, m/b\n  1: no Redis\n     in m/b\n"
	if out.String() != want {
		t.Errorf("summary:\n%s\nwant\n%s", out.String(), want)
	}
	out.Reset()
	writeSummary(&out, nil)
	if out.String() != "skipped: nothing\n" {
		t.Errorf("summary of no skips: %q", out.String())
	}
}

func FuzzReport(f *testing.F) {
	f.Add(`{"Action":"output","Package":"p","Test":"T","Output":"x\n"}` + "\n" + `{"Action":"skip","Package":"p","Test":"T"}`)
	f.Add("not json\n{\"Action\":1}\n{")
	f.Fuzz(func(t *testing.T, in string) {
		var out bytes.Buffer
		for _, s := range report(strings.NewReader(in), &out) {
			if strings.ContainsAny(oneLine(s.reason), "\t\n") {
				t.Errorf("a reason on more than one line: %q", s.reason)
			}
		}
	})
}
