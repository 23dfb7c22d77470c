package ddxkafka_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware/ddxkafka"
)

// TestConsume holds what TestConformance (the brokers' shared suite) does
// not: a dead-letter topic, and the default retries (3, so 4 runs), with
// Kafka's own tags (partition, offset, group, attempts, settlement) on the
// span and the line, the service, and the committed offset.
func TestConsume(t *testing.T) {
	for _, c := range []struct {
		name       string
		handler    func(ctx context.Context, r *kgo.Record) error
		opts       []ddxkafka.Option
		runs       int
		level      string
		kind       string // "" for a success
		isError    bool
		settlement string
		deadLetter bool
	}{
		{name: "outage, dead-lettered", handler: func(context.Context, *kgo.Record) error {
			return errors.E(errors.Op("orders.Bill"), errors.Unavailable, "payments down")
		}, opts: []ddxkafka.Option{ddxkafka.WithRetries(1), ddxkafka.WithBackoff(time.Millisecond, 5*time.Millisecond), ddxkafka.WithDeadLetter(dlq)},
			runs: 2, level: "ERROR", kind: "Unavailable", isError: true, settlement: "dead_lettered", deadLetter: true},
		{name: "panic", handler: func(context.Context, *kgo.Record) error { panic("nil map") },
			opts: []ddxkafka.Option{ddxkafka.WithBackoff(time.Millisecond, 5*time.Millisecond)},
			runs: 4, level: "ERROR", kind: "Internal", isError: true, settlement: "committed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := start(t)
			addrs := cluster(t)
			request := produceInRequest(t, client(t, addrs), "42")

			var runs atomic.Int32
			stop := consuming(t, consumerClient(t, addrs), func(ctx context.Context, r *kgo.Record) error {
				runs.Add(1)
				return c.handler(ctx, r)
			}, c.opts...)

			produce := rec.RequireSpan(t, ddxtest.Name("kafka.produce"), under(request))
			span := rec.RequireSpan(t, ddxtest.Name("kafka.consume"), ddxtest.ChildOf(produce),
				ddxtest.Resource("Consume Topic orders"), ddxtest.Attr("span.kind", "consumer"),
				ddxtest.Attr("messaging.system", "kafka"), ddxtest.Attr("component", "twmb/franz-go"),
				ddxtest.Attr("messaging.destination.name", topic), ddxtest.Attr("messaging.kafka.partition", 0),
				ddxtest.Attr("offset", 0), ddxtest.Attr("messaging.kafka.consumer.group", group),
				ddxtest.Attr("messaging.kafka.settlement", c.settlement), ddxtest.Attr("messaging.kafka.attempts", c.runs),
				ddxtest.Service("billing"))
			assert.Equal(t, c.isError, span.Error, "error flag")
			line := []ddxtest.Matcher{ddxtest.Message("kafka message"), ddxtest.Level(c.level), ddxtest.InSpan(span),
				ddxtest.Attr("messaging.system", "kafka"), ddxtest.Attr("messaging.destination.name", topic),
				ddxtest.Attr("messaging.kafka.partition", 0), ddxtest.Attr("messaging.kafka.offset", 0),
				ddxtest.Attr("messaging.kafka.consumer.group", group), ddxtest.Attr("messaging.kafka.settlement", c.settlement)}
			if c.kind != "" {
				assert.Equal(t, c.kind, span.Meta["error.kind"])
				line = append(line, ddxtest.Kind(c.kind))
			} else {
				assert.NotContains(t, span.Meta, "error.kind")
			}
			if !c.isError {
				assert.NotContains(t, span.Meta, "error.message", "an expected kind has no error message on its span")
			}
			rec.RequireLog(t, line...)

			require.ErrorIs(t, stop(), context.Canceled)
			assert.Equal(t, c.runs, int(runs.Load()), "handler runs")
			assert.Len(t, rec.Logs(ddxtest.Message("kafka message")), 1, "one line per record")
			assert.Len(t, rec.Spans(ddxtest.Name("kafka.consume")), 1, "one span per record")
			assert.Equal(t, int64(1), committed(t, addrs, topic), "committed offset")
			if c.deadLetter {
				dl := readAll(t, addrs, dlq, 1)[0]
				assert.Equal(t, "42", string(dl.Value))
				for k, want := range map[string]string{"error.kind": c.kind, "original.topic": topic, "original.partition": "0",
					"original.offset": "0", "authorization": "Bearer " + secret} {
					got, _ := header(dl, k)
					assert.Equal(t, want, got, "header %s", k)
				}
				msg, _ := header(dl, "error.message")
				assert.Contains(t, msg, "payments down")
				// Produced from the handler's context: a child of the consume span.
				rec.RequireSpan(t, ddxtest.Name("kafka.produce"), ddxtest.ChildOf(span), ddxtest.Resource("Produce Topic "+dlq))
			}
			requireNoSecret(t, rec)
		})
	}
}

// TestConsumeStopsAtShutdown: a record whose handler is stopped by the
// shutdown (Canceled while Consume's context is done) is not committed,
// INFO, no span error; the one settled before it is, and the group gets
// the stopped one again.
func TestConsumeStopsAtShutdown(t *testing.T) {
	rec := start(t)
	addrs := cluster(t)
	produceInRequest(t, client(t, addrs), "1", "2")

	started := make(chan struct{})
	first := consumerClient(t, addrs)
	stop := consuming(t, first, func(ctx context.Context, r *kgo.Record) error {
		if string(r.Value) == "1" {
			return nil
		}
		close(started)
		<-ctx.Done()
		return fmt.Errorf("charge order %s: %w", r.Value, ctx.Err())
	})
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the second record never reached the handler")
	}
	require.ErrorIs(t, stop(), context.Canceled)

	span := rec.RequireSpan(t, ddxtest.Name("kafka.consume"), ddxtest.Attr("offset", 1),
		ddxtest.Attr("messaging.kafka.settlement", "not_committed"), ddxtest.Kind("Canceled"))
	assert.False(t, span.Error)
	rec.RequireLog(t, ddxtest.Message("kafka message"), ddxtest.Level("INFO"), ddxtest.InSpan(span), ddxtest.Kind("Canceled"))
	assert.Equal(t, int64(1), committed(t, addrs, topic), "only the first record is committed")

	// The service exits; the next member of the group starts at the
	// stopped record.
	first.Close()
	got := make(chan string, 1)
	stop = consuming(t, consumerClient(t, addrs), func(_ context.Context, r *kgo.Record) error {
		select {
		case got <- string(r.Value):
		default:
		}
		return nil
	})
	select {
	case v := <-got:
		assert.Equal(t, "2", v)
	case <-time.After(10 * time.Second):
		t.Fatal("the stopped record was not delivered again")
	}
	require.ErrorIs(t, stop(), context.Canceled)
	assert.Equal(t, int64(2), committed(t, addrs, topic))
}

// TestConsumeRefuses: a client Consume cannot settle with, or nothing to
// call, is an Invalid error at once, never a panic.
func TestConsumeRefuses(t *testing.T) {
	addrs := cluster(t)
	h := func(context.Context, *kgo.Record) error { return nil }
	for _, c := range []struct {
		name string
		cl   *kgo.Client
		h    ddxkafka.Handler
		want string
	}{
		{"nil client", nil, h, "nil client"},
		{"nil handler", consumerClient(t, addrs), nil, "nil client or handler"},
		{"no group", client(t, addrs, kgo.ConsumeTopics(topic)), h, "no consumer group"},
		{"auto commit", client(t, addrs, kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic)), h, "kgo.DisableAutoCommit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ddxkafka.Consume(context.Background(), c.cl, c.h)
			require.Error(t, err)
			assert.Equal(t, errors.Invalid, errors.KindOf(err))
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestConsumeClientClosed: a client closed under a running Consume ends
// it, Internal, since nobody asked it to stop.
func TestConsumeClientClosed(t *testing.T) {
	addrs := cluster(t)
	cl := consumerClient(t, addrs)
	done := make(chan error, 1)
	go func() {
		done <- ddxkafka.Consume(context.Background(), cl, func(context.Context, *kgo.Record) error { return nil })
	}()
	time.Sleep(200 * time.Millisecond)
	cl.Close()
	select {
	case err := <-done:
		require.Error(t, err)
		assert.Equal(t, errors.Internal, errors.KindOf(err), "%v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Consume did not return after its client was closed")
	}
}
