package ddxkafka

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/errors"
)

// Linking ddxkafka teaches errors.KindOf franz-go's errors, so that a
// broker outage a handler returns (its own produce failed) is retried and
// is Unavailable wherever it is classified, and a refused credential
// pages. The errors package stays free of franz-go.
func init() { errors.RegisterClassifier(classify) }

// classify classifies one layer that is a franz-go error; KindOf walks the
// chain. It does not allocate.
func classify(err error) (errors.Kind, bool) {
	switch err {
	case kgo.ErrRecordRetries, kgo.ErrMaxBuffered:
		// The brokers could not take the record, or the client's buffer
		// is full of records they have not taken yet.
		return errors.Unavailable, true
	case kgo.ErrRecordTimeout:
		return errors.DeadlineExceeded, true
	case kgo.ErrClientClosed:
		// Closing the client is how a service stops. outcome.ClassifyIn
		// makes it Internal when the caller's context is not done: then
		// something closed the client under a caller that still waits.
		return errors.Canceled, true
	}
	switch e := err.(type) {
	case *kerr.Error:
		return kindOfBroker(e), true
	case *kgo.ErrFirstReadEOF:
		// The broker hung up on the first request: SASL or TLS that the
		// client lacks. Our configuration.
		return errors.Internal, true
	case *kgo.ErrDataLoss, *kgo.ErrDecompressTooLarge:
		return errors.Internal, true
	}
	return errors.Other, false
}

// kindOfBroker classifies an error code of a broker: what Kafka says may
// pass on a retry is Unavailable (a leader moving, a coordinator loading,
// a replica behind), the rest is our bug or our credentials and Internal.
func kindOfBroker(e *kerr.Error) errors.Kind {
	switch e {
	case kerr.MessageTooLarge, kerr.RecordListTooLarge, kerr.InvalidRecord,
		kerr.TopicAuthorizationFailed, kerr.GroupAuthorizationFailed,
		kerr.ClusterAuthorizationFailed, kerr.TransactionalIDAuthorizationFailed,
		kerr.DelegationTokenAuthorizationFailed, kerr.SaslAuthenticationFailed,
		kerr.UnsupportedSaslMechanism, kerr.IllegalSaslState:
		return errors.Internal
	}
	if e.Retriable {
		return errors.Unavailable
	}
	return errors.Internal
}
