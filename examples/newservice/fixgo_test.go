package main

import (
	"path/filepath"
	"testing"
)

// dstMod is the new module path of TestFixGo.
const dstMod = "example.com/myservice"

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
			got, err := fixGo([]byte(tc.in), tc.file, dstMod, tc.isRoot)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(got); got != tc.want {
				t.Errorf("fixGo:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
