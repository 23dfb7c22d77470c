package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// predeclared are the lower-case type names a user can write.
var predeclared = map[string]bool{
	"any": true, "bool": true, "byte": true, "comparable": true, "complex64": true, "complex128": true,
	"error": true, "float32": true, "float64": true, "int": true, "int8": true, "int16": true,
	"int32": true, "int64": true, "rune": true, "string": true, "uint": true, "uint8": true,
	"uint16": true, "uint32": true, "uint64": true, "uintptr": true,
}

// TestNoUnexportedTypesInExportedSignatures keeps the published API
// writable by its users: an exported function, method or type of a
// library package mentions no unexported type of its own package (as
// "type Option func(*config)" did), since a user can neither name it nor
// read its documentation. Unexported methods of an exported interface
// (the options' apply(*config)) are how a package keeps its options its
// own, and are allowed. Commands, examples and internal packages are not
// published API.
func TestNoUnexportedTypesInExportedSignatures(t *testing.T) {
	tr := repo(t)
	for _, m := range tr.mods {
		for _, f := range tr.moduleFiles(m) {
			dir := path.Dir(f)
			if !strings.HasSuffix(f, ".go") || strings.HasSuffix(f, "_test.go") || !published(m.dir, dir) {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), tr.abs(m.dir, f), nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			if file.Name.Name == "main" {
				continue
			}
			where := path.Join(m.dir, f)
			for _, d := range file.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if !d.Name.IsExported() || (d.Recv != nil && !exportedRecv(d.Recv)) {
						continue
					}
					for _, name := range unexportedIdents(d.Type, d.Type.TypeParams) {
						t.Errorf("%s: %s mentions the unexported type %s", where, d.Name.Name, name)
					}
				case *ast.GenDecl:
					for _, s := range d.Specs {
						ts, ok := s.(*ast.TypeSpec)
						if !ok || !ts.Name.IsExported() {
							continue
						}
						for _, name := range unexportedIdents(ts.Type, ts.TypeParams) {
							t.Errorf("%s: type %s mentions the unexported type %s", where, ts.Name.Name, name)
						}
					}
				}
			}
		}
	}
}

// published reports whether dir, relative to the module at modDir, holds
// a package users import.
func published(modDir, dir string) bool {
	full := path.Join(modDir, dir)
	for _, part := range strings.Split(full, "/") {
		switch part {
		case "internal", "cmd", "examples", "example", "testdata", "bench", "reliability":
			return false
		}
	}
	return true
}

func exportedRecv(fl *ast.FieldList) bool {
	if len(fl.List) == 0 {
		return false
	}
	e := fl.List[0].Type
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.IsExported()
		default:
			return false
		}
	}
}

// unexportedIdents lists the unexported, non-predeclared type names that
// the type expression e mentions, outside struct fields and interface
// methods that are themselves unexported (a user sees neither), and
// outside selectors (pkg.Type is another package's, exported or it would
// not compile). Type parameters of e's declaration are the caller's types.
func unexportedIdents(e ast.Expr, params *ast.FieldList) []string {
	local := map[string]bool{}
	if params != nil {
		for _, f := range params.List {
			for _, n := range f.Names {
				local[n.Name] = true
			}
		}
	}
	var out []string
	var walk func(ast.Expr)
	fields := func(fl *ast.FieldList, named bool) {
		if fl == nil {
			return
		}
		for _, f := range fl.List {
			// named: a struct field or an interface method, which a
			// user sees only when it is exported; else a parameter.
			if named && len(f.Names) > 0 && !f.Names[0].IsExported() {
				continue
			}
			if named && len(f.Names) == 0 {
				if id, ok := f.Type.(*ast.Ident); ok && !id.IsExported() && !predeclared[id.Name] {
					continue // an embedded unexported type: its exported fields are promoted
				}
			}
			walk(f.Type)
		}
	}
	walk = func(e ast.Expr) {
		switch x := e.(type) {
		case *ast.Ident:
			if !x.IsExported() && !predeclared[x.Name] && !local[x.Name] {
				out = append(out, x.Name)
			}
		case *ast.StarExpr:
			walk(x.X)
		case *ast.ParenExpr:
			walk(x.X)
		case *ast.Ellipsis:
			walk(x.Elt)
		case *ast.ArrayType:
			walk(x.Elt)
		case *ast.MapType:
			walk(x.Key)
			walk(x.Value)
		case *ast.ChanType:
			walk(x.Value)
		case *ast.FuncType:
			fields(x.Params, false)
			fields(x.Results, false)
		case *ast.StructType:
			fields(x.Fields, true)
		case *ast.InterfaceType:
			fields(x.Methods, true)
		case *ast.IndexExpr:
			walk(x.X)
			walk(x.Index)
		case *ast.IndexListExpr:
			walk(x.X)
			for _, i := range x.Indices {
				walk(i)
			}
		case *ast.BinaryExpr: // a constraint's union
			walk(x.X)
			walk(x.Y)
		case *ast.UnaryExpr: // ~T
			walk(x.X)
		}
	}
	walk(e)
	return out
}
