package errors

import "strconv"

// Kind classifies an error: what kind of failure it is and, through
// [Kind.Expected], whether it is an expected outcome of serving a client or a
// real problem somebody should look at.
//
// New kinds are only ever appended, so a Kind's number never changes meaning.
// Mapping a Kind to an HTTP status or a gRPC code is the transport's job
// (ddx keeps the one table beside its transports); this package only
// classifies.
type Kind uint8

// The kinds. Their meaning, and what ddx's middleware does with each, is the
// table in the package documentation.
const (
	Other              Kind = iota // unclassified; counts as Internal
	Invalid                        // the request is malformed or fails validation
	Unauthenticated                // no valid credentials
	PermissionDenied               // credentials valid, action not allowed
	NotFound                       // the thing asked for does not exist
	Conflict                       // already exists, or a concurrent change won
	FailedPrecondition             // the system is not in a state that allows it
	TooManyRequests                // the client is over its rate or quota
	Canceled                       // the client went away or gave up
	DeadlineExceeded               // the work did not finish in time
	Unavailable                    // a dependency is down or overloaded; retry may help
	Unimplemented                  // the operation is not supported
	Internal                       // a bug or a broken invariant
)

// numKinds is the number of kinds with a name.
const numKinds = int(Internal) + 1

var kindNames = [numKinds]string{
	Other:              "Other",
	Invalid:            "Invalid",
	Unauthenticated:    "Unauthenticated",
	PermissionDenied:   "PermissionDenied",
	NotFound:           "NotFound",
	Conflict:           "Conflict",
	FailedPrecondition: "FailedPrecondition",
	TooManyRequests:    "TooManyRequests",
	Canceled:           "Canceled",
	DeadlineExceeded:   "DeadlineExceeded",
	Unavailable:        "Unavailable",
	Unimplemented:      "Unimplemented",
	Internal:           "Internal",
}

// kindTexts are the generic, client-safe descriptions used by [Public] and
// by Error when a layer says nothing but its kind.
var kindTexts = [numKinds]string{
	Other:              "internal error",
	Invalid:            "invalid request",
	Unauthenticated:    "unauthenticated",
	PermissionDenied:   "permission denied",
	NotFound:           "not found",
	Conflict:           "conflict",
	FailedPrecondition: "failed precondition",
	TooManyRequests:    "too many requests",
	Canceled:           "request canceled",
	DeadlineExceeded:   "deadline exceeded",
	Unavailable:        "service unavailable",
	Unimplemented:      "not implemented",
	Internal:           "internal error",
}

// String returns the constant's name, such as "NotFound", or "Kind(N)" for a
// number no constant has. Logs and spans carry this name as error.kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Expected reports whether k is an expected outcome caused by the client
// (Invalid through Canceled): it is answered with a 4xx, logged at WARN or
// below, and does not mark the span as an error, so nobody is paged for it.
// All other kinds, including Other and unknown numbers, are real problems.
func (k Kind) Expected() bool {
	return k >= Invalid && k <= Canceled
}

// text returns the generic description of k; unknown numbers read as
// internal errors, which is what they are treated as.
func (k Kind) text() string {
	if int(k) < len(kindTexts) {
		return kindTexts[k]
	}
	return kindTexts[Internal]
}
