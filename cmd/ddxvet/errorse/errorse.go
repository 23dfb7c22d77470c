// Package errorse is the analyzer behind ddxvet: it checks the arguments
// of calls to github.com/ddx-go/ddx/errors.E against what E sorts them
// into.
package errorse

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"
)

// errorsPath is the package whose E is checked.
const errorsPath = "github.com/ddx-go/ddx/errors"

// Analyzer reports errors.E calls with more than one message string, and
// arguments of a type E does not take. A call that misuses E on purpose (a
// test of what E does with it) is not reported when a //ddxvet:ignore
// comment is on one of its lines or on the line above it; the words after
// the directive say why.
var Analyzer = &analysis.Analyzer{
	Name:     "errorse",
	Doc:      "report errors.E calls that silently drop a message or pass an argument E cannot use",
	URL:      "https://pkg.go.dev/github.com/ddx-go/ddx/cmd/ddxvet",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

func run(pass *analysis.Pass) (any, error) {
	ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	ignored := ignoredLines(pass)
	ins.Preorder([]ast.Node{(*ast.CallExpr)(nil)}, func(n ast.Node) {
		call := n.(*ast.CallExpr)
		fn, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
		if !ok || fn.Name() != "E" || fn.Pkg() == nil || fn.Pkg().Path() != errorsPath {
			return
		}
		if call.Ellipsis.IsValid() {
			return // errors.E(args...): nothing to know statically
		}
		if ignored.covers(pass.Fset, call) {
			return
		}
		var firstMsg ast.Expr
		for _, arg := range call.Args {
			tv, ok := pass.TypesInfo.Types[arg]
			if !ok || tv.Type == nil {
				continue
			}
			switch classify(tv.Type) {
			case message:
				if firstMsg != nil {
					pass.Report(analysis.Diagnostic{
						Pos: firstMsg.Pos(), End: firstMsg.End(),
						Message: "errors.E keeps only its last message string; " + describe(firstMsg) +
							" is dropped (make an operation an errors.Op, or join the text into one message)",
					})
				}
				firstMsg = arg
			case unusable:
				name := types.TypeString(tv.Type, types.RelativeTo(pass.Pkg))
				if types.Implements(types.NewPointer(tv.Type), errorType) {
					name += " (only *" + name + " is an error)"
				}
				pass.Reportf(arg.Pos(), "errors.E does not take an argument of type %s: it reports it only at run time, in the error's text (use a slog.Attr for a value, or put it in the message)", name)
			}
		}
	})
	return nil, nil
}

// directive marks a call that misuses E on purpose.
const directive = "//ddxvet:ignore"

// lines holds, per file, the lines that carry the directive.
type lines map[string]map[int]bool

func ignoredLines(pass *analysis.Pass) lines {
	out := lines{}
	for _, f := range pass.Files {
		for _, g := range f.Comments {
			for _, c := range g.List {
				if c.Text != directive && !strings.HasPrefix(c.Text, directive+" ") {
					continue
				}
				p := pass.Fset.Position(c.Slash)
				if out[p.Filename] == nil {
					out[p.Filename] = map[int]bool{}
				}
				out[p.Filename][p.Line] = true
			}
		}
	}
	return out
}

// covers reports whether the directive is on a line of call or on the
// line above it.
func (l lines) covers(fset *token.FileSet, call *ast.CallExpr) bool {
	start, end := fset.Position(call.Pos()), fset.Position(call.End())
	file := l[start.Filename]
	for n := start.Line - 1; n <= end.Line; n++ {
		if file[n] {
			return true
		}
	}
	return false
}

// describe names the dropped message for the diagnostic.
func describe(e ast.Expr) string {
	if lit, ok := e.(*ast.BasicLit); ok {
		if s, err := strconv.Unquote(lit.Value); err == nil {
			return strconv.Quote(s)
		}
	}
	return "the first message"
}

type argClass int

const (
	known    argClass = iota // Op, Kind, Code, error, slog.Attr, []slog.Attr, nil, caller.Outside, caller.Stack
	message                  // a plain string: the message
	unknown                  // an interface that may hold anything: checked at run time
	unusable                 // a type E cannot use
)

// classify says what E makes of an argument of type t, as its type switch
// does: exact types, a plain string being the message.
func classify(t types.Type) argClass {
	if b, ok := t.(*types.Basic); ok {
		switch {
		case b.Kind() == types.String || b.Kind() == types.UntypedString:
			return message
		case b.Kind() == types.UntypedNil:
			return known
		}
		return unusable
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		obj := n.Obj()
		if obj.Pkg() != nil {
			switch obj.Pkg().Path() + "." + obj.Name() {
			case errorsPath + ".Op", errorsPath + ".Kind", errorsPath + ".Code", "log/slog.Attr",
				// ddx's integrations' stack start, and a stack kept from
				// another error; internal, so no user writes them.
				"github.com/ddx-go/ddx/internal/caller.Outside", "github.com/ddx-go/ddx/internal/caller.Stack":
				return known
			}
		}
	}
	if s, ok := types.Unalias(t).(*types.Slice); ok {
		if n, ok := types.Unalias(s.Elem()).(*types.Named); ok && n.Obj().Pkg() != nil &&
			n.Obj().Pkg().Path() == "log/slog" && n.Obj().Name() == "Attr" {
			return known
		}
	}
	if types.IsInterface(t) {
		if types.Implements(t, errorType) {
			return known // an error interface
		}
		return unknown // any: E decides at run time
	}
	// E receives values: only t's own method set counts.
	if types.Implements(t, errorType) {
		return known
	}
	return unusable
}

var errorType = types.Universe.Lookup("error").Type().Underlying().(*types.Interface)
