package ddx_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
)

func TestRecordErrorFollowsTheKindTable(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()

	created := errors.E(errors.Op("orders.Get"), errors.Unavailable, "charge order 42", io.ErrUnexpectedEOF)
	cases := []struct {
		name      string
		err       error
		kind      string
		isError   bool
		stackFrom string // a function the error.stack must name
		typ       string
	}{
		{"expected kind: no error flag", errors.E(errors.NotFound, "user 7 not found"), "NotFound", false, "", ""},
		{"client went away", context.Canceled, "Canceled", false, "", ""},
		{"wrapped expected kind", fmt.Errorf("handler: %w", errors.E(errors.Invalid, "bad id")), "Invalid", false, "", ""},
		{"unexpected kind: creation stack", created, "Unavailable", true, "TestRecordErrorFollowsTheKindTable", "Unavailable"},
		{"wrapped keeps the creation stack", fmt.Errorf("outer: %w", created), "Unavailable", true, "TestRecordErrorFollowsTheKindTable", "Unavailable"},
		{"plain error: where it was recorded", io.ErrClosedPipe, "Internal", true, "TestRecordErrorFollowsTheKindTable", ""},
		{"deadline", context.DeadlineExceeded, "DeadlineExceeded", true, "TestRecordErrorFollowsTheKindTable", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mt.Reset()
			span := tracer.StartSpan("op")
			ddx.RecordError(span, tc.err)
			span.Finish()
			spans := mt.FinishedSpans()
			require.Len(t, spans, 1)
			s := spans[0]
			assert.Equal(t, tc.kind, s.Tag(ddx.TagErrorKind))
			if !tc.isError {
				assert.Nil(t, s.Tag(ext.ErrorMsg), "an expected error is not a span error")
				assert.NotEqual(t, int32(1), s.Tag(ext.Error))
				return
			}
			assert.Equal(t, tc.err.Error(), s.Tag(ext.ErrorMsg))
			stack, _ := s.Tag(ext.ErrorStack).(string)
			assert.Contains(t, stack, tc.stackFrom)
			assert.GreaterOrEqual(t, strings.Count(stack, "\n"), 2, "Error Tracking needs two or more lines")
			typ, _ := s.Tag(ext.ErrorType).(string)
			assert.NotContains(t, typ, "wrapError")
			assert.NotContains(t, typ, "*errors.Error")
			if tc.typ != "" {
				assert.Equal(t, tc.typ, typ)
			}
		})
	}
}

func TestRecordErrorIgnoresNils(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	ddx.RecordError(nil, io.EOF)
	span := tracer.StartSpan("op")
	ddx.RecordError(span, nil)
	span.Finish()
	assert.Nil(t, mt.FinishedSpans()[0].Tag(ddx.TagErrorKind))
}
