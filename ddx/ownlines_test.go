package ddx

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ddx-go/ddx/attr"
)

// ddx's own failure lines carry their error as every other line does: the
// "error" attribute, which the handler expands into error.kind,
// error.message and error.stack. A panic ddx recovers is Internal, with
// the stack of the frame that panicked.
func TestRecoveredPanicLine(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(NewHandler(&buf, nil))
	func() {
		defer func() {
			if v := recover(); v != nil {
				l.Error("ddx: recovered", slog.Any(attr.Error, recoveredError(v)))
			}
		}()
		panicsHere()
	}()
	var line struct {
		Error struct{ Kind, Message, Stack string }
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%v: %s", err, buf.Bytes())
	}
	if line.Error.Kind != "Internal" || line.Error.Message != "panic: boom" {
		t.Errorf("error = %+v", line.Error)
	}
	if !strings.Contains(line.Error.Stack, "panicsHere") {
		t.Errorf("the stack does not hold the frame that panicked:\n%s", line.Error.Stack)
	}
}

func panicsHere() { panic("boom") }

// TestOwnLinesUseTheErrorAttribute keeps it so: no line of ddx spells
// error.message or error.stack itself. The tracer-log adapter is the one
// exception: its message is dd-trace-go's text, not an error value.
func TestOwnLinesUseTheErrorAttribute(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "tracerlog.go" {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, _ := strconv.Unquote(lit.Value); s == attr.ErrorMessage || s == "error.stack" {
					t.Errorf("%s writes %q itself: log the error as slog.Any(attr.Error, err)", f, s)
				}
			}
			return true
		})
	}
}
