package ddx_test

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"testing"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/jsonbuf"
	"github.com/ddx-go/ddx/internal/redact"
)

// Every name an access line carries takes the handler's short path, and the
// short path writes what the long one would: the key encoded as it is, never
// a secret by the default list, never renamed as a reserved key.
func TestKnownKeys(t *testing.T) {
	t.Parallel()
	names := attr.Known
	for _, k := range names {
		enc, ok := ddx.KnownKey(k)
		if !ok {
			t.Errorf("knownKey(%q) is not known", k)
			continue
		}
		if want := string(jsonbuf.AppendKey(nil, k)); enc != want {
			t.Errorf("knownKey(%q) = %s, want %s", k, enc, want)
		}
		if redact.Key(k) {
			t.Errorf("%q is a secret by the default list: it cannot skip the matcher", k)
		}
		var buf bytes.Buffer
		slog.New(ddx.NewHandler(&buf, nil)).Info("m", k, 1)
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line[k] != 1.0 {
			t.Errorf("%q written as %s (%v)", k, buf.Bytes(), err)
		}
	}
	for _, k := range []string{"", "http.methods", "HTTP.METHOD", "duration ", "error", "password"} {
		if _, ok := ddx.KnownKey(k); ok {
			t.Errorf("knownKey(%q) is known", k)
		}
	}
}

// A handler with extra secret names asks the matcher for every key, known
// ones included.
func TestKnownKeysYieldToExtraSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(ddx.NewHandler(&buf, &ddx.HandlerOptions{RedactKeys: []string{"useragent"}}))
	l.Info("http request", attr.HTTPUserAgent, "curl/8.0", attr.HTTPMethod, "GET")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line[attr.HTTPUserAgent] != redact.Value || line[attr.HTTPMethod] != "GET" {
		t.Errorf("line = %s, want the user agent redacted and the method kept", buf.Bytes())
	}
}

// TestKnownKeysAreTheVocabulary keeps the short path and attr.Known one
// list: every name of attr.Known is known (TestKnownKeys), and knownKey
// has no case more. Its cases are constants, which the compiler keeps
// distinct, so equal counts make equal sets.
func TestKnownKeysAreTheVocabulary(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "handler_json.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	cases := -1
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "knownKey" {
			cases = 0
			ast.Inspect(fn, func(n ast.Node) bool {
				if c, ok := n.(*ast.CaseClause); ok {
					cases += len(c.List)
				}
				return true
			})
		}
	}
	if cases != len(attr.Known) {
		t.Errorf("knownKey has %d cases, attr.Known %d names: add the name to attr.Known, or the case to knownKey", cases, len(attr.Known))
	}
}
