package attr_test

import (
	"go/parser"
	"go/token"
	"testing"

	"github.com/ddx-go/ddx/attr"
)

// TestIsALeaf keeps the vocabulary at the bottom: a package that imports
// nothing can be imported by every other one, the log handler and the
// integrations alike, without a cycle or an arrow up.
func TestIsALeaf(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "attr.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range f.Imports {
		t.Errorf("attr imports %s", imp.Path.Value)
	}
}

func TestKnownAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range attr.Known {
		if seen[k] {
			t.Errorf("%q is twice in Known", k)
		}
		seen[k] = true
	}
}
