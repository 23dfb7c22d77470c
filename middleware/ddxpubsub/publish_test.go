package ddxpubsub_test

import (
	"context"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware/ddxpubsub"
	"github.com/ddx-go/ddx/outcome"
)

// TestPublish: a pubsub.publish span, a child of the request's, with
// the server's message id, and the trace context in the attributes.
func TestPublish(t *testing.T) {
	rec := start(t)
	f := newFake(t)
	request, id := publishInRequest(t, f.publisher(t, topic), "42")

	span := rec.RequireSpan(t, ddxtest.Name("pubsub.publish"), under(request), ddxtest.Resource(topic),
		ddxtest.Attr("span.kind", "producer"), ddxtest.Attr("messaging.system", "googlepubsub"),
		ddxtest.Attr("component", "cloud.google.com/go/pubsub.v2"), ddxtest.Attr("messaging.operation.name", "send"),
		ddxtest.Attr("messaging.destination.name", topic), ddxtest.Attr("gcloud.project_id", project),
		ddxtest.Attr("messaging.message.id", id), ddxtest.Attr("message_size", len("42 "+secret)),
		ddxtest.Service("billing"))
	assert.False(t, span.Error, "error flag")

	m := f.srv.Message(id)
	require.NotNil(t, m)
	assert.Equal(t, "Bearer "+secret, m.Attributes["authorization"], "the caller's attribute")
	assert.NotEmpty(t, m.Attributes["x-datadog-trace-id"], "Datadog's trace id")
	assert.NotEmpty(t, m.Attributes["traceparent"], "W3C's traceparent")
	requireNoSecret(t, rec)
}

// TestPublishKeepsCallersTraceContext: an attribute the caller set is
// not overwritten, whatever its case; a message forwarded with its
// attributes keeps its trace.
func TestPublishKeepsCallersTraceContext(t *testing.T) {
	start(t)
	f := newFake(t)
	const theirs = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	for _, key := range []string{"traceparent", "TraceParent"} {
		t.Run(key, func(t *testing.T) {
			m := &pubsub.Message{Data: []byte("42"), Attributes: map[string]string{key: theirs}}
			id, err := ddxpubsub.Publish(context.Background(), f.publisher(t, topic), m).Get(context.Background())
			require.NoError(t, err)
			got := f.srv.Message(id).Attributes
			assert.Equal(t, theirs, got[key])
			if key != "traceparent" {
				assert.NotContains(t, got, "traceparent", "a second traceparent")
			}
		})
	}
}

// TestPublishFinishesWithoutWaiting: the span is finished when the
// result is ready, though the caller never waits on it.
func TestPublishFinishesWithoutWaiting(t *testing.T) {
	rec := start(t)
	f := newFake(t)
	p := f.publisher(t, topic)
	p.PublishSettings.DelayThreshold = time.Millisecond
	_ = ddxpubsub.Publish(context.Background(), p, &pubsub.Message{Data: []byte("42")})
	span := rec.RequireSpan(t, ddxtest.Name("pubsub.publish"), ddxtest.HasAttr("messaging.message.id"))
	assert.Zero(t, span.ParentID, "a root span without a request")
}

// TestPublishErrors: a publish's failure is a span error by the
// package's table, whatever other classifier is linked.
func TestPublishErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		publish func(t *testing.T, f *fake) *pubsub.PublishResult
		kind    errors.Kind
	}{
		{"no such topic", func(t *testing.T, f *fake) *pubsub.PublishResult {
			return ddxpubsub.Publish(context.Background(), f.publisher(t, "projects/shop/topics/gone"), &pubsub.Message{Data: []byte("42")})
		}, errors.Internal},
		{"publisher stopped", func(t *testing.T, f *fake) *pubsub.PublishResult {
			p := f.publisher(t, topic)
			p.Stop()
			return ddxpubsub.Publish(context.Background(), p, &pubsub.Message{Data: []byte("42")})
		}, errors.Internal}, // Canceled only when the caller's context is done
		{"ordering not enabled", func(t *testing.T, f *fake) *pubsub.PublishResult {
			return ddxpubsub.Publish(context.Background(), f.publisher(t, topic), &pubsub.Message{Data: []byte("42"), OrderingKey: "k"})
		}, errors.Internal},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := start(t)
			f := newFake(t)
			span := tracer.StartSpan("http.request")
			r := c.publish(t, f)
			_, err := r.Get(context.Background())
			span.Finish()
			require.Error(t, err)
			assert.Equal(t, c.kind, outcome.ClassifyIn(context.Background(), err).Kind, "the caller's error")
			s := rec.RequireSpan(t, ddxtest.Name("pubsub.publish"), ddxtest.IsError())
			assert.Equal(t, c.kind.String(), s.Meta["error.kind"], "error.kind")
			assert.NotEmpty(t, s.Meta["error.message"])
		})
	}
}
