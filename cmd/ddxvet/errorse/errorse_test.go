package errorse_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/ddx-go/ddx/cmd/ddxvet/errorse"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), errorse.Analyzer, "a")
}
