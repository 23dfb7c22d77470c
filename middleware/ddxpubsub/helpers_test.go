package ddxpubsub_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/middleware/ddxpubsub"
)

const (
	project      = "shop"
	topic        = "projects/shop/topics/orders"
	subscription = "projects/shop/subscriptions/billing"
	// secret is in an attribute and in the data of every message the
	// tests publish: no span and no line may carry it.
	secret = "s3cr3t-t0ken"
)

// A fake is a Pub/Sub server in the process (pstest) with the test's
// topic and subscription, and a client of it.
type fake struct {
	srv    *pstest.Server
	client *pubsub.Client
}

// newFake starts a fake server and a client, closed with the test.
func newFake(t *testing.T) *fake {
	t.Helper()
	srv := pstest.NewServer()
	t.Cleanup(func() { _ = srv.Close() })
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ctx := context.Background()
	client, err := pubsub.NewClient(ctx, project, option.WithGRPCConn(conn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	if _, err := client.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topic}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{
		Name: subscription, Topic: topic, AckDeadlineSeconds: 10,
	}); err != nil {
		t.Fatal(err)
	}
	return &fake{srv: srv, client: client}
}

// publisher is a publisher of the topic, stopped with the test.
func (f *fake) publisher(t *testing.T, name string) *pubsub.Publisher {
	p := f.client.Publisher(name)
	t.Cleanup(p.Stop)
	return p
}

// start runs ddx for the test with the service "billing", its tracer
// sending to ddxtest's Agent.
func start(t *testing.T) *ddxtest.Recorder {
	t.Helper()
	return ddxtest.Start(t, ddx.WithService("billing"))
}

// publishInRequest publishes a message with the data inside a request
// span of the service, with a secret attribute, waits for its result and
// returns the request span's id and the message's id.
func publishInRequest(t *testing.T, p *pubsub.Publisher, data string) (request uint64, id string) {
	t.Helper()
	span, ctx := tracer.StartSpanFromContext(context.Background(), "http.request", tracer.ResourceName("POST /orders"))
	defer span.Finish()
	m := &pubsub.Message{Data: []byte(data + " " + secret), Attributes: map[string]string{"authorization": "Bearer " + secret}}
	id, err := ddxpubsub.Publish(ctx, p, m).Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return span.Context().SpanID(), id
}

// receiving runs Receive in the background; stop cancels it and returns
// what it returned.
func receiving(t *testing.T, s *pubsub.Subscriber, h ddxpubsub.Handler, opts ...ddxpubsub.Option) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ddxpubsub.Receive(ctx, s, h, opts...) }()
	var stopped atomic.Bool
	stop = func() error {
		cancel()
		select {
		case err := <-done:
			stopped.Store(true)
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("Receive did not return 15 s after its context was canceled")
			return nil
		}
	}
	t.Cleanup(func() {
		if !stopped.Load() {
			_ = stop()
		}
	})
	return stop
}

// settled waits until the server has seen an ack (ack) or a nack (a
// modack to 0 s) of the message, and fails t after 10 s.
func settled(t *testing.T, srv *pstest.Server, id string, ack bool) *pstest.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := srv.Message(id)
		if m != nil && ((ack && m.Acks > 0) || (!ack && nacks(m) > 0)) {
			return m
		}
		if time.Now().After(deadline) {
			if m == nil {
				t.Fatalf("no message %s on the server", id)
			}
			t.Fatalf("message %s not %s within 10 s: %d deliveries, %d acks, %d nacks", id, map[bool]string{true: "acked", false: "nacked"}[ack], m.Deliveries, m.Acks, nacks(m))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// nacks counts a message's nacks: the client nacks with a modack to 0 s.
func nacks(m *pstest.Message) int {
	n := 0
	for _, ma := range m.Modacks {
		if ma.AckDeadline == 0 {
			n++
		}
	}
	return n
}

// requireNoSecret fails t if a span or a line the recorder has carries
// the secret.
func requireNoSecret(t *testing.T, rec *ddxtest.Recorder) {
	t.Helper()
	rec.Flush(t)
	for _, s := range rec.Spans() {
		if strings.Contains(fmt.Sprint(s.Resource, s.Meta), secret) {
			t.Errorf("span %s carries the secret: %v", s.Name, s.Meta)
		}
	}
	for _, l := range rec.Logs() {
		if strings.Contains(fmt.Sprint(map[string]any(l)), secret) {
			t.Errorf("line carries the secret: %s", l)
		}
	}
}

// under matches a span whose parent is the span id.
func under(id uint64) ddxtest.Matcher {
	return ddxtest.SpanFunc("child of "+strconv.FormatUint(id, 10), func(s ddxtest.Span) bool { return s.ParentID == id })
}

// tracerStart starts a span that is not a request's, in ctx.
func tracerStart(ctx context.Context) (*tracer.Span, context.Context) {
	return tracer.StartSpanFromContext(ctx, "worker.run")
}

// acked reports whether the server has an ack of the message, waiting
// for it at most 5 s: the client sends acks in batches.
func acked(srv *pstest.Server, id string) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := srv.Message(id); m != nil && m.Acks > 0 {
			return true
		}
	}
	return false
}
