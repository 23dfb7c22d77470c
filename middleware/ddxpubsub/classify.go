package ddxpubsub

import (
	stderrors "errors"

	"cloud.google.com/go/pubsub/v2"
	"github.com/googleapis/gax-go/v2/apierror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ddx-go/ddx/errors"
)

// Linking ddxpubsub teaches errors.KindOf the Pub/Sub client's own errors
// and the gRPC codes of a failed publish, so that a handler that returns
// a publish's error (its own event could not be sent) is classified as
// the table of the package documentation says. The errors package stays
// free of Pub/Sub.
func init() { errors.RegisterClassifier(classify) }

// classify classifies one layer that is a Pub/Sub error; KindOf walks the
// chain. It does not allocate.
func classify(err error) (errors.Kind, bool) {
	switch err {
	case pubsub.ErrOversizedMessage:
		// Larger than a publish request may be: our bug.
		return errors.Internal, true
	case pubsub.ErrPublisherStopped:
		// Stopping the publisher is how a service stops.
		// outcome.ClassifyIn makes it Internal when the caller's context
		// is not done: something stopped it under a caller that waits.
		return errors.Canceled, true
	case pubsub.ErrFlowControllerMaxOutstandingMessages, pubsub.ErrFlowControllerMaxOutstandingBytes:
		// The publisher's buffer is full of messages the server has not
		// taken yet.
		return errors.Unavailable, true
	}
	// A Google Cloud client's error, as the Pub/Sub client returns a
	// failed call's: never a plain gRPC client's status error, whose kind
	// is ddxgrpc's to say (a downstream service's NotFound is not our
	// configuration). KindOf asks the innermost layer first, the status
	// error inside: with ddxgrpc linked, its table decides that one, and
	// only the publish span (see publishError) still says ours.
	if ae, ok := err.(*apierror.APIError); ok {
		return kindOfCode(ae.GRPCStatus().Code())
	}
	return errors.Other, false
}

// kindOfCode is the table of a publish's gRPC codes: what says our
// configuration is wrong (no such topic, no permission, a refused
// credential, a message the server will not take) pages; what says the
// service is busy or away is Unavailable and passes on a retry.
func kindOfCode(c codes.Code) (errors.Kind, bool) {
	switch c {
	case codes.NotFound, codes.PermissionDenied, codes.Unauthenticated, codes.InvalidArgument:
		return errors.Internal, true
	case codes.Unavailable, codes.ResourceExhausted, codes.Aborted:
		return errors.Unavailable, true
	}
	return errors.Other, false
}

// publishError is err, a failed publish's, with its kind stated when the
// table above decides it, so that the publish span says what the table
// says whatever other classifier is linked (ddxgrpc's, registered first,
// would make a missing topic NotFound, which does not page).
func publishError(err error) error {
	var gs interface{ GRPCStatus() *status.Status }
	if !stderrors.As(err, &gs) {
		return err
	}
	if k, ok := kindOfCode(gs.GRPCStatus().Code()); ok {
		return errors.E(errors.Op("ddxpubsub.Publish"), k, err)
	}
	return err
}
