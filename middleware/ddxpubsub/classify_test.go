package ddxpubsub_test

import (
	"fmt"
	"testing"

	"cloud.google.com/go/pubsub/v2"
	"github.com/googleapis/gax-go/v2/apierror"
	"github.com/stretchr/testify/assert"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ddx-go/ddx/errors"
	_ "github.com/ddx-go/ddx/middleware/ddxpubsub"
)

// TestClassify is the classifier's table, for the errors bare and
// wrapped as a handler would return them.
func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		want errors.Kind
	}{
		{apiError(codes.NotFound, "Resource not found (resource=orders)."), errors.Internal},
		{apiError(codes.PermissionDenied, "denied"), errors.Internal},
		{apiError(codes.Unauthenticated, "no credentials"), errors.Internal},
		{apiError(codes.InvalidArgument, "bad attribute"), errors.Internal},
		{apiError(codes.Unavailable, "connection refused"), errors.Unavailable},
		{apiError(codes.ResourceExhausted, "quota"), errors.Unavailable},
		{apiError(codes.Aborted, "aborted"), errors.Unavailable},
		// A plain gRPC client's status error is not a Pub/Sub error:
		// ddxgrpc's table says its kind, and without it nothing does.
		{status.Error(codes.Unavailable, "a downstream service"), errors.Internal},
		{status.Error(codes.NotFound, "a downstream service's row"), errors.Internal},
		{pubsub.ErrOversizedMessage, errors.Internal},
		{pubsub.ErrFlowControllerMaxOutstandingMessages, errors.Unavailable},
		{pubsub.ErrFlowControllerMaxOutstandingBytes, errors.Unavailable},
		{pubsub.ErrPublisherStopped, errors.Canceled},
	} {
		t.Run(fmt.Sprintf("%T %v", c.err, c.err), func(t *testing.T) {
			assert.Equal(t, c.want, errors.KindOf(c.err), "bare")
			assert.Equal(t, c.want, errors.KindOf(fmt.Errorf("publish order: %w", c.err)), "wrapped")
		})
	}
}

// apiError is a failed call's error as the Pub/Sub client returns it.
func apiError(c codes.Code, msg string) error {
	ae, ok := apierror.FromError(status.Error(c, msg))
	if !ok {
		panic("not an API error")
	}
	return ae
}
