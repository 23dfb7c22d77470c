//go:build !race

// The race detector allocates on its own, so allocation counts are pinned
// only in normal builds.

package errors_test

import (
	"context"
	stderrors "errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/ddx-go/ddx/errors"
)

// sixLayers wraps a canceled context in six layers of every shape.
func sixLayers() error {
	err := fmt.Errorf("read body: %w", context.Canceled)
	err = errors.E(errors.Op("store.Load"), errors.Unavailable, err)
	err = fmt.Errorf("load: %w", err)
	err = errors.E(errors.Op("orders.Get"), "get order", err)
	err = stderrors.Join(err, errors.E(errors.NotFound, "no such order"))
	return fmt.Errorf("handler: %w", err)
}

// These tests are not parallel: AllocsPerRun counts every allocation of the
// process.
func TestAllocs(t *testing.T) {
	six := sixLayers()
	if k := errors.KindOf(six); k != errors.Canceled {
		t.Fatalf("KindOf(six layers) = %v, want Canceled", k)
	}
	stacked := errors.E(errors.Op("payment.Charge"), errors.Unavailable, io.EOF)
	nested := errors.E(errors.Op("orders.Get"), "charge order 42", slog.Int("order_id", 42), stacked)
	orderID := 42
	tests := []struct {
		name string
		max  float64
		f    func()
	}{
		// The error with its attributes, its program counters, and
		// boxing the slog.Attr into E's ...any.
		{"E with stack", 3, func() {
			sink = errors.E(errors.Op("orders.Get"), errors.Unavailable, "charge order", slog.Int("order_id", orderID), io.EOF)
		}},
		{"E over stacked error", 1, func() { sink = errors.E(errors.Op("orders.Get"), "charge order", stacked) }},
		{"KindOf six layers", 0, func() { sinkKind = errors.KindOf(six) }},
		{"Public", 0, func() { sinkStr = errors.Public(six) }},
		{"TypeName", 0, func() { sinkStr = errors.TypeName(nested) }},
		{"Error", 1, func() { sinkStr = nested.Error() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(100, tt.f); got > tt.max {
				t.Errorf("%v allocations, want at most %v", got, tt.max)
			}
		})
	}
}

var (
	sink     error
	sinkKind errors.Kind
	sinkStr  string
)
