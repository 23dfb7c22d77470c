package errors

// Code is a stable, machine-readable reason for a failure, such as
// "payment.declined" or "db.unique_violation": what a client program can
// switch on and what a dashboard can count, where the message is for
// people and may change. Give one to [E] as an argument:
//
//	errors.E(op, errors.FailedPrecondition, errors.Code("payment.declined"), "card declined")
//
// ddx writes it as error.code on log lines and spans, and as
// error.fingerprint, so that Datadog's Error Tracking groups every
// occurrence of one reason into one issue whatever the message says. The
// problem+json answer carries it as "code" for expected kinds (a client
// may act on those), and gRPC as the reason of an ErrorInfo detail.
//
// Keep codes few, lowercase and dotted, "area.reason", and never put
// values in them: a code that varies per request groups nothing.
type Code string

// CodeOf returns the innermost [Code] in err's chain, seeing through nested
// *Error values, fmt.Errorf's %w and [Join] (the branch that [KindOf]
// picks), or "" when there is none. The innermost code wins for the same
// reason as the innermost kind: it is closest to what happened.
func CodeOf(err error) Code {
	var code Code
	for w := walkPicked(err, 0); w.ok(); w.next() {
		if x, ok := w.err.(*Error); ok && x.Code != "" {
			code = x.Code
		}
	}
	return code
}
