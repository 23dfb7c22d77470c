package ddxkafka_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/errors"
	_ "github.com/ddx-go/ddx/middleware/ddxkafka" // its classifier
	"github.com/ddx-go/ddx/outcome"
)

// TestClassify is the Kind table of franz-go's errors, also wrapped the
// way a handler returns them.
func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		want errors.Kind
	}{
		{kerr.NotLeaderForPartition, errors.Unavailable},
		{kerr.CoordinatorLoadInProgress, errors.Unavailable},
		{kerr.UnknownTopicOrPartition, errors.Unavailable},
		{kerr.RequestTimedOut, errors.Unavailable},
		{kgo.ErrRecordRetries, errors.Unavailable},
		{kgo.ErrMaxBuffered, errors.Unavailable},
		{kgo.ErrRecordTimeout, errors.DeadlineExceeded},
		{kerr.TopicAuthorizationFailed, errors.Internal},
		{kerr.GroupAuthorizationFailed, errors.Internal},
		{kerr.SaslAuthenticationFailed, errors.Internal},
		{kerr.IllegalSaslState, errors.Internal},
		{kerr.MessageTooLarge, errors.Internal},
		{kerr.RecordListTooLarge, errors.Internal},
		{kerr.InvalidRecord, errors.Internal},
		{kerr.InvalidTopicException, errors.Internal},
		{&kgo.ErrFirstReadEOF{}, errors.Internal},
		{kgo.ErrClientClosed, errors.Canceled},
		{fmt.Errorf("publish invoice: %w", kerr.NotLeaderForPartition), errors.Unavailable},
		{errors.E(errors.Op("orders.Bill"), kgo.ErrRecordTimeout), errors.DeadlineExceeded},
		// A stated kind wins over the library's.
		{errors.E(errors.Invalid, "bad order", kerr.InvalidRecord), errors.Invalid},
	} {
		t.Run(c.err.Error(), func(t *testing.T) {
			assert.Equal(t, c.want.String(), errors.KindOf(c.err).String())
		})
	}
}

// TestClosedClient: a closed client is Canceled only when the caller's
// context is done; under a caller that still waits it is Internal.
func TestClosedClient(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		want errors.Kind
	}{
		{"shutdown", done, errors.Canceled},
		{"while the caller waits", context.Background(), errors.Internal},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, outcome.ClassifyIn(c.ctx, kgo.ErrClientClosed).Kind)
		})
	}
}
