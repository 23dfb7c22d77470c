package errors

import (
	"runtime"
	"strconv"
	"strings"

	"github.com/ddx-go/ddx/internal/caller"
)

// maxDepth is the number of frames recorded; deeper stacks are cut at the
// bottom, where the frames are the least specific (server loops, runtime).
const maxDepth = 32

// maxChain bounds every walk down a chain of causes, so that a cyclic or
// absurdly deep chain cannot hang a caller.
const maxChain = 256

// initPCs are the program counters, within runtime.doInit and
// runtime.doInit1, of the frames that call a package's initialisation:
// every package-level variable and init function runs below one of them.
// They are learnt once, from this package's own initialisation, so that
// telling a stack recorded during initialisation costs a few comparisons.
// Should a future runtime rename those functions, the list is empty and
// sentinels simply keep their stacks.
var initPCs = learnInitPCs()

func learnInitPCs() []uintptr {
	var pcs [64]uintptr
	n := runtime.Callers(1, pcs[:])
	var out []uintptr
	for i := 0; i < n; i++ {
		frames := runtime.CallersFrames(pcs[i : i+1])
		if f, _ := frames.Next(); strings.HasPrefix(f.Function, "runtime.doInit") {
			out = append(out, pcs[i])
		}
	}
	return out
}

// inInit reports whether the stack pcs (innermost first) runs under package
// initialisation: one of its outermost frames is a call to it from the
// runtime. runtime.goexit, runtime.main, runtime.doInit and doInit1 are the
// outermost four.
func inInit(pcs []uintptr) bool {
	const look = 4
	for i := len(pcs) - 1; i >= 0 && i >= len(pcs)-look; i-- {
		for _, pc := range initPCs {
			if pcs[i] == pc {
				return true
			}
		}
	}
	return false
}

// hasStack reports whether err or one of its causes is an *Error with a
// recorded stack.
func hasStack(err error) bool {
	return stackOf(err, 0) != nil
}

func init() { caller.StackOf = func(err error) []uintptr { return stackOf(err, 0) } }

// stackOf returns the program counters of the deepest *Error with a stack in
// err's chain; for a joined error, those of the first branch that has one.
func stackOf(err error, depth int) []uintptr {
	var found []uintptr
	for w := walk(err, depth); w.ok(); w.next() {
		switch x := w.err.(type) {
		case *Error:
			if x.pcs != nil {
				found = x.pcs
			}
		case interface{ Unwrap() []error }:
			// The first branch with a stack: it is deeper than found.
			for _, b := range x.Unwrap() {
				if pcs := stackOf(b, w.depth+1); pcs != nil {
					return pcs
				}
			}
		}
	}
	return found
}

// HasStack reports whether err's chain carries the stack of where it was
// created, as [Stack] would format it, without formatting it: an
// integration that is given a plain error can add one where it records
// it, errors.E(err), at no cost for errors that have one.
func HasStack(err error) bool { return stackOf(err, 0) != nil }

// Stack returns the stack of where err was created, formatted like the
// frames of a Go traceback, innermost first:
//
//	main.(*server).getOrder
//		/src/orders/server.go:42
//	main.main
//		/src/orders/main.go:17
//
// It is the stack recorded by [E] for the deepest *Error in err's chain that
// has one (seeing through fmt.Errorf's %w and [Join]); "" when there is none,
// as for errors from [New] or the standard library. Frames of the runtime
// itself are left out, and so are the frames of the code that recovered from
// a panic when err was created while recovering: the stack then starts at
// the panic site. Formatting happens here, on demand.
func Stack(err error) string {
	pcs := stackOf(err, 0)
	if len(pcs) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(len(pcs) * 96)
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function == "runtime.gopanic" {
			// Created while recovering from a panic: the frames so far are
			// the recovering code; the panic site is what the reader wants.
			b.Reset()
		}
		if f.Function != "" && !strings.HasPrefix(f.Function, "runtime.") {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(f.Function)
			b.WriteString("\n\t")
			b.WriteString(f.File)
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(f.Line))
		}
		if !more {
			break
		}
	}
	return b.String()
}
