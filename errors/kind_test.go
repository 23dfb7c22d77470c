package errors_test

import (
	"testing"

	"github.com/ddx-go/ddx/errors"
)

func TestKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind     errors.Kind
		name     string
		expected bool
	}{
		{errors.Other, "Other", false},
		{errors.Invalid, "Invalid", true},
		{errors.Unauthenticated, "Unauthenticated", true},
		{errors.PermissionDenied, "PermissionDenied", true},
		{errors.NotFound, "NotFound", true},
		{errors.Conflict, "Conflict", true},
		{errors.FailedPrecondition, "FailedPrecondition", true},
		{errors.TooManyRequests, "TooManyRequests", true},
		{errors.Canceled, "Canceled", true},
		{errors.DeadlineExceeded, "DeadlineExceeded", false},
		{errors.Unavailable, "Unavailable", false},
		{errors.Unimplemented, "Unimplemented", false},
		{errors.Internal, "Internal", false},
		{errors.Internal + 1, "Kind(13)", false},
		{255, "Kind(255)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.kind.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			if got := tt.kind.Expected(); got != tt.expected {
				t.Errorf("Expected() = %v, want %v", got, tt.expected)
			}
		})
	}
}

// TestKindNumbers pins the numbers: kinds are stored and compared as
// numbers, so one may never change meaning.
func TestKindNumbers(t *testing.T) {
	t.Parallel()
	kinds := []errors.Kind{errors.Other, errors.Invalid, errors.Unauthenticated,
		errors.PermissionDenied, errors.NotFound, errors.Conflict,
		errors.FailedPrecondition, errors.TooManyRequests, errors.Canceled,
		errors.DeadlineExceeded, errors.Unavailable, errors.Unimplemented,
		errors.Internal}
	for i, k := range kinds {
		if int(k) != i {
			t.Errorf("%v = %d, want %d", k, k, i)
		}
	}
}
