package ddx

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

var (
	heldStrings []string
	heldMap     map[int][240]byte
)

// holdSprintf keeps 32 MiB of strings that fmt.Sprintf allocated: the
// report must name holdSprintf, not fmt.Sprintf.
//
//go:noinline
func holdSprintf() {
	heldStrings = make([]string, 0, 2048)
	for i := range cap(heldStrings) {
		heldStrings = append(heldStrings, fmt.Sprintf("%0*d", 16<<10, i))
	}
}

// holdMapEntries keeps a map of about 64 MiB, whose groups the runtime's
// map code allocates (internal/runtime/maps.newarray): the report must name
// holdMapEntries.
//
//go:noinline
func holdMapEntries() {
	heldMap = make(map[int][240]byte)
	for i := range 1 << 18 {
		heldMap[i] = [240]byte{}
	}
}

// TestMemoryReportNamesTheServiceFrame: the sites the report names are the
// service's frames that allocated, not the runtime's map internals or the
// standard library's helpers that did the allocating on their behalf
// (issue 21, item 14).
func TestMemoryReportNamesTheServiceFrame(t *testing.T) {
	defer func() { heldStrings, heldMap = nil, nil; runtime.GC() }()
	holdSprintf()
	holdMapEntries()
	runtime.GC() // the heap profile is as of the last collection

	sites := topAllocSites(memTopSites)
	var names []string
	found := map[string]int64{}
	for _, s := range sites {
		names = append(names, fmt.Sprintf("%s (%s:%d) %s", s.function, shortFile(s.file), s.line, formatBytes(s.bytes)))
		for _, want := range []string{".holdSprintf", ".holdMapEntries"} {
			if strings.HasSuffix(s.function, want) {
				found[want] += s.bytes
				if !strings.HasSuffix(s.file, "ddx/memreport_sites_test.go") {
					t.Errorf("%s: file %s", s.function, s.file)
				}
			}
		}
		for _, helper := range []string{"runtime.", "internal/", "fmt."} {
			if strings.HasPrefix(s.function, helper) {
				t.Errorf("a top site is a helper, not the frame that called it: %s", s.function)
			}
		}
	}
	for _, want := range []struct {
		fn  string
		min int64
	}{
		// Half of what each holds: the heap profile is sampled (one
		// sample per 512 KiB allocated on average), so its figures vary
		// from run to run; 23.9 MiB of 32 was seen. What matters is that
		// the site is named.
		{".holdSprintf", 16 << 20}, {".holdMapEntries", 32 << 20},
	} {
		if found[want.fn] < want.min {
			t.Errorf("%s holds %s in the report, want at least %s; top sites:\n%s", want.fn,
				formatBytes(found[want.fn]), formatBytes(want.min), strings.Join(names, "\n"))
		}
	}
	runtime.KeepAlive(heldStrings)
	runtime.KeepAlive(heldMap)
}

// TestAllocSiteFrames: which package a frame is in, and whether the report
// looks past it.
func TestAllocSiteFrames(t *testing.T) {
	mods := []string{"orders"} // a main module named without a dot
	tests := []struct {
		fn, pkg     string
		std, helper bool
	}{
		{"main.handle", "main", false, false},
		{"main.main.func1", "main", false, false},
		{"github.com/acme/orders.(*Cache).Put", "github.com/acme/orders", false, false},
		{"github.com/acme/orders.Put[go.shape.string]", "github.com/acme/orders", false, false},
		{"github.com/acme/orders.Map[github.com/acme/x.T]", "github.com/acme/orders", false, false},
		{"orders/store.Load", "orders/store", false, false},
		{"golang.org/x/net/http2.(*Framer).ReadFrame", "golang.org/x/net/http2", false, false},
		{"github.com/ddx-go/ddx/internal/jsonbuf.Get", "github.com/ddx-go/ddx/internal/jsonbuf", false, true},
		{"fmt.Sprintf", "fmt", true, true},
		{"strings.(*Builder).grow", "strings", true, true},
		{"encoding/json.(*decodeState).literalStore", "encoding/json", true, true},
		{"slices.Grow[go.shape.[]uint8,go.shape.uint8]", "slices", true, true},
		{"internal/runtime/maps.newarray", "internal/runtime/maps", true, false},
		{"internal/bytealg.MakeNoZero", "internal/bytealg", true, false},
		{"net/http.(*conn).serve", "net/http", true, false},
		{"vendor/golang.org/x/net/http2/hpack.(*Decoder).readString", "vendor/golang.org/x/net/http2/hpack", true, false},
		{"runtime.malg", "runtime", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.fn, func(t *testing.T) {
			pkg := funcPackage(tt.fn)
			if pkg != tt.pkg {
				t.Fatalf("package = %q, want %q", pkg, tt.pkg)
			}
			if got := isStdPackageOf(pkg, mods); got != tt.std {
				t.Errorf("standard library = %v, want %v", got, tt.std)
			}
			if got := allocHelperPackages[pkg]; got != tt.helper {
				t.Errorf("allocation helper = %v, want %v", got, tt.helper)
			}
		})
	}
}

// TestAllocSiteOfStack: a stack's site is its first frame of the service's
// code; a stack of the standard library alone is named by its first frame
// outside the runtime and the helpers; one of the runtime alone has none.
func TestAllocSiteOfStack(t *testing.T) {
	pcs := make([]uintptr, 64)
	pcs = pcs[:runtime.Callers(1, pcs)]
	// from is pcs from the first frame of fn on.
	from := func(fn string) []uintptr {
		for i := range pcs {
			if f, _ := runtime.CallersFrames(pcs[i : i+1]).Next(); f.Function == fn {
				return pcs[i:]
			}
		}
		t.Fatalf("no %s in the stack", fn)
		return nil
	}
	tests := []struct {
		name  string
		stack []uintptr
		want  string // "" for no site
	}{
		{"the service's frame", pcs, "github.com/ddx-go/ddx/ddx.TestAllocSiteOfStack"},
		{"the standard library alone", from("testing.tRunner"), "testing.tRunner"},
		{"the runtime alone", from("runtime.goexit"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, site := siteOf(tt.stack)
			got := ""
			if site != nil {
				got = site.function
			}
			if got != tt.want {
				t.Errorf("site = %q, want %q", got, tt.want)
			}
		})
	}
}
