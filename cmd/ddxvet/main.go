// Command ddxvet reports misuse of errors.E that compiles but loses what
// the caller meant to say:
//
//   - two message strings: E keeps only the last, so in
//     errors.E("items.Get", errors.NotFound, "item 9 not found") the
//     operation is silently dropped (make it an errors.Op);
//   - an argument E has no use for, such as errors.E(op, kind, "item", 9,
//     "not found"): E reports it only at run time, in the error's text.
//
// A call that misuses E on purpose (a test of what E does with it) carries
// a //ddxvet:ignore comment, with the reason after it, on one of its lines
// or on the line above, and is not reported.
//
// Run it over a module as a go vet tool, from the repository root:
//
//	go run ./cmd/ddxvet ./...
//
// or, for another module, build it once and hand it to go vet:
//
//	go build -o /tmp/ddxvet ./cmd/ddxvet && (cd ../myservice && go vet -vettool=/tmp/ddxvet ./...)
package main

import (
	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/ddx-go/ddx/cmd/ddxvet/errorse"
)

func main() { singlechecker.Main(errorse.Analyzer) }
