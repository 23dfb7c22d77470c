package outcome

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
)

// TestRecordErrorIsDDXRecordError: recording from a Verdict sets the very
// tags ddx.RecordError sets from the error, for every shape of chain, with
// the Kind table's flag. It is what keeps the two from drifting.
func TestRecordErrorIsDDXRecordError(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	coded := errors.E(errors.Op("pay.Charge"), errors.FailedPrecondition, errors.Code("payment.declined"), "card declined")
	for _, err := range []error{
		errors.E(errors.Op("users.Get"), errors.NotFound, "user 7 not found"),
		errors.E(errors.Op("orders.Get"), errors.Unavailable, "call payments", &net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("refused")}),
		coded,
		errors.E(errors.Internal, errors.Code("db.broken"), "x"),
		fmt.Errorf("wrapped: %w", coded),
		errors.Join(errors.E(errors.NotFound, "a"), errors.E(errors.Unavailable, "b")),
		fmt.Errorf("inventory: %w", context.DeadlineExceeded),
		errors.E(errors.Op("q"), sql.ErrNoRows),
		context.Canceled,
	} {
		t.Run(err.Error(), func(t *testing.T) {
			mt.Reset()
			want := tracer.StartSpan("want")
			ddx.RecordError(want, err)
			want.Finish()
			got := tracer.StartSpan("got")
			v := Classify(err)
			RecordError(got, v, !v.Kind.Expected(), "")
			got.Finish()
			spans := mt.FinishedSpans()
			w, g := spans[0].Tags(), spans[1].Tags()
			for _, k := range []string{ext.MapSpanError, ext.ErrorMsg, ext.ErrorType, ext.ErrorStack,
				ddx.TagErrorKind, ddx.TagErrorCode, ddx.TagErrorFingerprint} {
				if k == ext.ErrorStack && errors.Stack(err) == "" {
					// A plain error's stack is where it was recorded: each
					// function names itself; both have one or neither.
					assert.Equal(t, w[k] == nil, g[k] == nil, "tag %s", k)
					continue
				}
				assert.Equal(t, w[k], g[k], "tag %s", k)
			}
		})
	}
}

// TestClassify: a Verdict carries what its users need, so none walks the
// chain again for the kind or the code.
func TestClassify(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("outer: %w", errors.E(errors.NotFound, errors.Code("user.missing"), "user 7 not found"))
	v := Classify(err)
	assert.Equal(t, Verdict{Err: err, Kind: errors.NotFound, Code: "user.missing"}, v)
	assert.Equal(t, Verdict{}, Classify(nil))
	assert.Equal(t, errors.Internal, Classify(fmt.Errorf("plain")).Kind)
}
