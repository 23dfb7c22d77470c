package conformance_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"

	nethttptrace "github.com/DataDog/dd-trace-go/contrib/net/http/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/conformance"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/middleware"
)

func user(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, conformance.BenchBody)
}

// BenchmarkNetHTTPRatio: Wrap around a ServeMux against dd-trace-go's
// contrib/net/http ServeMux, in one run.
//
//	go test -run '^$' -bench Ratio -count=3 ./internal/conformance/
func BenchmarkNetHTTPRatio(b *testing.B) {
	testagent.StartDiscarding(b, tracer.WithService("bench"))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", user)
	contrib := nethttptrace.NewServeMux()
	contrib.HandleFunc("GET /users/{id}", user)
	logger := slog.New(ddx.NewHandler(io.Discard, nil))
	conformance.Ratio(b,
		conformance.Side{Name: "wrap", H: middleware.Wrap(mux, middleware.WithLogger(logger))},
		conformance.Side{Name: "contrib", H: contrib})
}
