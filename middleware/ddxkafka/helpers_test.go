package ddxkafka_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/middleware/ddxkafka"
)

const (
	topic = "orders"
	dlq   = "orders.dlq"
	group = "billing"
	// secret is in a header and in the value of every record the tests
	// produce: no span and no line may carry it.
	secret = "s3cr3t-t0ken"
)

// cluster starts a fake Kafka in the process, with the test's topics.
func cluster(t *testing.T) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic, dlq))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

// client makes a traced client of the cluster, closed with the test.
func client(t *testing.T, addrs []string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addrs...), ddxkafka.Hooks()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// consumerClient makes a client as Consume wants it: in the group, from
// the start of the topic, committing only what Consume commits.
func consumerClient(t *testing.T, addrs []string) *kgo.Client {
	return client(t, addrs,
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.BlockRebalanceOnPoll(),
		kgo.FetchMaxWait(100*time.Millisecond))
}

// start runs ddx for the test with the service "billing", its tracer
// sending to ddxtest's Agent.
func start(t *testing.T) *ddxtest.Recorder {
	t.Helper()
	return ddxtest.Start(t, ddx.WithService("billing"))
}

// produceInRequest produces records with the given values inside a
// request span of the service, each with a secret header, and returns the
// request span's id.
func produceInRequest(t *testing.T, cl *kgo.Client, values ...string) uint64 {
	t.Helper()
	span, ctx := tracer.StartSpanFromContext(context.Background(), "http.request", tracer.ResourceName("POST /orders"))
	defer span.Finish()
	for _, v := range values {
		r := &kgo.Record{Topic: topic, Value: []byte(v), Headers: []kgo.RecordHeader{{Key: "authorization", Value: []byte("Bearer " + secret)}}}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	return span.Context().SpanID()
}

// consuming runs Consume in the background; stop cancels it and returns
// what it returned.
func consuming(t *testing.T, cl *kgo.Client, h ddxkafka.Handler, opts ...ddxkafka.Option) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ddxkafka.Consume(ctx, cl, h, opts...) }()
	var stopped atomic.Bool
	stop = func() error {
		cancel()
		select {
		case err := <-done:
			stopped.Store(true)
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("Consume did not return 15 s after its context was canceled")
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

// committed is the group's committed offset of the topic's partition 0,
// as the broker has it (-1 for none).
func committed(t *testing.T, addrs []string, topic string) int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	offs, err := kadm.NewClient(cl).FetchOffsets(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := offs.Lookup(topic, 0); ok {
		return o.At
	}
	return -1
}

// readAll reads every record of a topic from its start, with a plain
// client, waiting for n of them.
func readAll(t *testing.T, addrs []string, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rs []*kgo.Record
	for len(rs) < n {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%d records of %s within 10 s, want %d", len(rs), topic, n)
		}
		rs = append(rs, f.Records()...)
	}
	return rs
}

func header(r *kgo.Record, key string) (string, bool) {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value), true
		}
	}
	return "", false
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

func parseUint(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}
