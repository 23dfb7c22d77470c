// Package caller lets ddx's integrations start the stack of an error they
// create at their caller's code. It is internal so that errors.E keeps
// its public arguments to what users write.
package caller

import (
	"runtime"
	"strings"
)

// Outside is an argument to errors.E for ddx's integrations, which create
// errors on behalf of their caller several calls below it: an HTTP
// transport that net/http calls, a driver that database/sql calls. The
// stack E records then starts at the first frame whose function is in none
// of the listed packages (import paths, matched exactly: "net/http" does
// not cover "net/http/httptrace" nor a package's _test twin), so it begins
// at the caller's code instead of the library's. When every frame is in
// them, the whole stack is kept.
type Outside []string

// Stack is an argument to errors.E that gives the new error the stack of
// another's creation (see [StackOf]), for an integration that replaces an
// error with one of another kind: the place the failure happened stays
// what the stack shows. An empty Stack records the caller's, as usual.
type Stack []uintptr

// StackOf returns the program counters of the stack err's chain carries
// (errors.Stack's frames), or nil. The errors package sets it.
var StackOf func(err error) []uintptr

// First returns the index of the first of pcs (innermost first) whose
// function is outside the packages, or 0 when there is none or no package
// is listed.
func (o Outside) First(pcs []uintptr) int {
	if len(o) == 0 {
		return 0
	}
	for i := range pcs {
		// The function a pc belongs to is the last frame it expands to:
		// the earlier ones were inlined into it.
		var fn string
		frames := runtime.CallersFrames(pcs[i : i+1])
		for {
			f, more := frames.Next()
			fn = f.Function
			if !more {
				break
			}
		}
		// The runtime's frames are never shown, nor the first of a stack.
		if pkg := packageOf(fn); pkg != "runtime" && !o.has(pkg) {
			return i
		}
	}
	return 0
}

func (o Outside) has(pkg string) bool {
	for _, p := range o {
		if p == pkg {
			return true
		}
	}
	return false
}

// packageOf is the import path of a function's symbol name:
// "net/http.(*Client).Do" is in "net/http".
func packageOf(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	if dot := strings.IndexByte(fn[slash+1:], '.'); dot >= 0 {
		return fn[:slash+1+dot]
	}
	return fn
}
