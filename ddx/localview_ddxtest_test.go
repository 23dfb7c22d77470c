package ddx_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/errors"
)

// With the local view on, the Agent receives exactly what it would
// otherwise: the view reads the payloads on their way, it does not divert
// them. (The tree itself goes to the test's stderr.)
func TestLocalViewLeavesTheAgentsSpansAlone(t *testing.T) {
	rec := ddxtest.Start(t, ddx.WithLocalView(true), ddx.WithService("users"))
	span, ctx := tracer.StartSpanFromContext(context.Background(), "http.request", tracer.ResourceName("GET /users/{id}"))
	err := errors.E(errors.Op("users.Get"), errors.Unavailable, "load user 7")
	ddx.RecordError(span, err)
	slog.ErrorContext(ctx, "load user failed", slog.Any("error", err))
	span.Finish()

	got := rec.RequireSpan(t, ddxtest.Resource("GET /users/{id}"), ddxtest.IsError(), ddxtest.Kind("Unavailable"), ddxtest.Service("users"))
	rec.RequireLog(t, ddxtest.Level("ERROR"), ddxtest.Kind("Unavailable"), ddxtest.InSpan(got))
	rec.RequireLog(t, ddxtest.Message("ddx started"), ddxtest.Attr("local_view", "on (stderr)"))
}
