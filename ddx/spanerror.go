package ddx

import (
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/outcome"
)

// TagErrorKind is the span tag that carries errors.KindOf(err).String() for
// every recorded error, expected or not, so a monitor or a facet can split
// "real problems" from "client said something wrong" without parsing text.
const TagErrorKind = attr.ErrorKind

// TagErrorCode and TagErrorFingerprint carry errors.CodeOf(err), when the
// error has a code: the first for facets and monitors, the second because
// Datadog's Error Tracking groups by it instead of by message and stack.
const (
	TagErrorCode        = attr.ErrorCode
	TagErrorFingerprint = attr.ErrorFingerprint
)

// RecordError records err on span following the Kind table (see the errors
// package): expected kinds are no span errors.
//
// Every error gets the [TagErrorKind] tag, and [TagErrorCode] and
// [TagErrorFingerprint] when it has an [errors.Code]. Errors of an expected
// kind (a 404, a client that went away) stop there: the span's error flag
// stays off, so no monitor counts them. The others set the flag with
// error.message ([errors.Message]: the whole chain without attribute values,
// exactly what the log line's error.message is, so that one problem is one
// Error Tracking issue and no personal data rides in the message),
// error.type ([errors.TypeName], not *fmt.wrapError) and error.stack:
// the stack of where the error was created when it carries one, so Error
// Tracking groups it by its origin rather than by where it was logged, and
// the stack of the RecordError call for a plain error.
//
// A nil span or a nil error does nothing.
func RecordError(span *tracer.Span, err error) {
	if span == nil || err == nil {
		return
	}
	// The rule is outcome's, which every integration records with.
	v := outcome.Classify(err)
	outcome.RecordError(span, v, !v.Kind.Expected(), "")
}
