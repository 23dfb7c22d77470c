package ddxpubsub_test

import (
	"fmt"
	"testing"

	"cloud.google.com/go/pubsub/v2"
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
		{status.Error(codes.NotFound, "Resource not found (resource=orders)."), errors.Internal},
		{status.Error(codes.PermissionDenied, "denied"), errors.Internal},
		{status.Error(codes.Unauthenticated, "no credentials"), errors.Internal},
		{status.Error(codes.InvalidArgument, "bad attribute"), errors.Internal},
		{status.Error(codes.Unavailable, "connection refused"), errors.Unavailable},
		{status.Error(codes.ResourceExhausted, "quota"), errors.Unavailable},
		{status.Error(codes.Aborted, "aborted"), errors.Unavailable},
		{pubsub.ErrOversizedMessage, errors.Internal},
		{pubsub.ErrFlowControllerMaxOutstandingMessages, errors.Unavailable},
		{pubsub.ErrFlowControllerMaxOutstandingBytes, errors.Unavailable},
		{pubsub.ErrPublisherStopped, errors.Canceled},
	} {
		t.Run(c.err.Error(), func(t *testing.T) {
			assert.Equal(t, c.want, errors.KindOf(c.err), "bare")
			assert.Equal(t, c.want, errors.KindOf(fmt.Errorf("publish order: %w", c.err)), "wrapped")
		})
	}
}
