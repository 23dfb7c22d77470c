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
// Tracking groups it by its origin rather than by where it was logged, and
// the stack of the RecordError call for a plain error.
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
	stack := errors.Stack(err)
	if stack == "" {
		// A plain error carries no creation stack. Where it is recorded is
		// the next best thing, and Error Tracking ignores spans without one.
		stack = errors.Stack(errors.E(err))
	}
	span.SetTag(ext.Error, true)
	span.SetTag(ext.ErrorMsg, err.Error())
	span.SetTag(ext.ErrorStack, stack)
	span.SetTag(ext.ErrorType, errors.TypeName(err))
}
