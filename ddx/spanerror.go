package ddx

import (
	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
)

// TagErrorKind is the span tag that carries errors.KindOf(err).String() for
// every recorded error, expected or not, so a monitor or a facet can split
// "real problems" from "client said something wrong" without parsing text.
const TagErrorKind = "error.kind"

// RecordError records err on span following the Kind table of DESIGN.md.
//
// Every error gets the [TagErrorKind] tag. Errors of an expected kind (a 404,
// a client that went away) stop there: the span's error flag stays off, so no
// monitor counts them. The others set the flag with error.message (the whole
// chain), error.type ([errors.TypeName], not *fmt.wrapError) and error.stack:
// the stack of where the error was created when it carries one, so Error
// Tracking groups it by its origin rather than by where it was logged.
//
// A nil span or a nil error does nothing.
func RecordError(span *tracer.Span, err error) {
	if span == nil || err == nil {
		return
	}
	kind := errors.KindOf(err)
	span.SetTag(TagErrorKind, kind.String())
	if kind.Expected() {
		return
	}
	if stack := errors.Stack(err); stack != "" {
		span.SetTag(ext.Error, true)
		span.SetTag(ext.ErrorMsg, err.Error())
		span.SetTag(ext.ErrorStack, stack)
	} else {
		// No creation stack: let the tracer record where we are, which is
		// still better than no stack for Error Tracking.
		span.SetTag(ext.Error, err)
	}
	span.SetTag(ext.ErrorType, errors.TypeName(err))
}
