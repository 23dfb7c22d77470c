package caller

import "testing"

func TestPackageOf(t *testing.T) {
	for fn, pkg := range map[string]string{
		"net/http.(*Client).Do":                       "net/http",
		"github.com/a/b.(*T).M":                       "github.com/a/b",
		"github.com/ddx-go/ddx/middleware_test.TestX": "github.com/ddx-go/ddx/middleware_test",
		"main.main":       "main",
		"main.main.func1": "main",
	} {
		if got := packageOf(fn); got != pkg {
			t.Errorf("packageOf(%q) = %q, want %q", fn, got, pkg)
		}
	}
}
