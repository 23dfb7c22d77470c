// Package messaging is the one test suite every message broker integration
// of ddx passes: ddxkafka's Consume and ddxpubsub's Receive. One table of
// handlers (a success, an expected kind, an outage, a panic) runs against
// the broker's in-process fake, the real dd-trace-go tracer sending to the
// in-process test Agent (ddxtest), and ddx's log handler; the settlement,
// the spans and the lines must follow the Kind table the same way,
// whatever the broker. A new broker costs one [Adapter]: its names, and a
// [Broker] that produces, consumes and reports what the broker settled.
//
// The package imports no broker client: each adapter lives in its
// module's tests, so the root module's requirements do not change.
package messaging

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/ddxtest"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

// Adapter is one broker under test.
type Adapter struct {
	// Name names the broker in failures.
	Name string
	// System is messaging.system ("kafka", "googlepubsub"), Component the
	// spans' component, dd-trace-go's name for the client.
	System, Component string
	// ProduceSpan and ConsumeSpan are the span names ("kafka.produce",
	// "kafka.consume"), ProduceResource and ConsumeResource their
	// resources.
	ProduceSpan, ConsumeSpan         string
	ProduceResource, ConsumeResource string
	// Destination is the consume span's and the line's
	// messaging.destination.name: the topic, or the subscription.
	Destination string
	// Line is the message of the consumer's line ("kafka message").
	Line string
	// SettlementTag is the consume span's and the line's settlement
	// attribute; Settlements its value for a delivery settled by outcome's
	// Ack and by its Reject (retries spent, or a nack for the server's
	// policy). Only these two: the suite never stops a consumer mid-message.
	SettlementTag string
	Settlements   map[outcome.Settlement]string
	// Redelivers says how the broker retries an unexpected failure. False:
	// in the process, the retries given to Consume, all in one delivery
	// (one span, one line); the message is then settled by giving up.
	// True: the consumer hands the message back (a nack) and the server
	// delivers it again, each delivery its own span and line; Consume's
	// retries are ignored.
	Redelivers bool
	// Start starts the broker's fake for one row, stopped when t ends.
	Start func(t *testing.T) Broker
}

// A Handler is the suite's handler, given to the broker's consumer.
type Handler func(ctx context.Context, value []byte) error

// Broker is one running fake of one row, with one topic (and one
// subscription) and one consumer group.
type Broker interface {
	// Produce produces (publishes) one message with value and headers
	// (attributes) with the integration's producer, inside ctx, and waits
	// for the broker's acknowledgement.
	Produce(ctx context.Context, value []byte, headers map[string]string) error
	// Consume consumes with the integration's consumer and h until ctx is
	// done, and returns what the consumer returned. retries is for a
	// broker that retries in the process (see Adapter.Redelivers), with a
	// backoff short enough for a test.
	Consume(ctx context.Context, h Handler, retries int) error
	// Settlement is the message's fate as the broker has it now.
	Settlement(t *testing.T) Settlement
}

// Settlement is a message's fate as the broker has it, in terms every
// broker has.
type Settlement struct {
	// Settled: the broker will not deliver the message again (Kafka: the
	// group's committed offset is past it; Pub/Sub: acked).
	Settled bool
	// Returned counts the times the consumer handed the message back to be
	// delivered again (Pub/Sub: nacks). A broker that retries in the
	// process has no such thing: 0.
	Returned int
	// Deliveries counts the times the broker delivered the message, or is
	// -1 when the broker does not count them (Kafka).
	Deliveries int
}

// Secrets set by the producer, in a header and the value: they must appear
// in no span tag, no span error and no line.
var secrets = []string{"s3cr3t-token", "hunter2"}

var headers = map[string]string{
	"authorization": "Bearer s3cr3t-token",
	"x-credentials": "user=billing password=hunter2",
}

const value = "order 42 password=hunter2"

// failures is how many runs a failing row's handler fails before it
// succeeds; retries, the in-process retries, spends them all in one
// delivery.
const (
	failures = 3
	retries  = failures - 1
)

type row struct {
	name    string
	fail    func() error // a failing run; nil for a success
	kind    string       // error.kind; "" for a success
	level   string
	isError bool // a span error, and error.message, .type and .stack
	retried bool // an unexpected kind: retried, or redelivered
}

var rows = []row{
	{name: "success", level: "INFO"},
	{name: "not found", fail: func() error {
		return errors.E(errors.Op("orders.Bill"), errors.NotFound, "order 42 not found")
	}, kind: "NotFound", level: "WARN"},
	{name: "outage", fail: func() error {
		return errors.E(errors.Op("orders.Bill"), errors.Unavailable, "payments down")
	}, kind: "Unavailable", level: "ERROR", isError: true, retried: true},
	{name: "panic", fail: func() error { panic("orders cache: nil map") },
		kind: "Internal", level: "ERROR", isError: true, retried: true},
}

// Run runs the suite against a. It starts the tracer, so the tests of one
// package must not run it in parallel with other tests that trace.
func Run(t *testing.T, a Adapter) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) { runRow(t, a, r) })
	}
}

// delivery is what the handler saw on one run.
type delivery struct {
	spanID uint64 // of the span in the handler's context
	value  string
}

func runRow(t *testing.T, a Adapter, r row) {
	rec := ddxtest.Start(t, ddx.WithService("conformance"))
	b := a.Start(t)

	request, ctx := tracer.StartSpanFromContext(context.Background(), "http.request", tracer.ResourceName("POST /orders"))
	require.NoError(t, b.Produce(ctx, []byte(value), headers), "%s: produce", a.Name)
	request.Finish()

	var mu sync.Mutex
	var runs []delivery
	h := func(ctx context.Context, v []byte) error {
		d := delivery{value: string(v)}
		if s, ok := tracer.SpanFromContext(ctx); ok {
			d.spanID = s.Context().SpanID()
		}
		mu.Lock()
		runs = append(runs, d)
		n := len(runs)
		mu.Unlock()
		if r.fail == nil || (r.retried && n > failures) {
			return nil
		}
		return r.fail()
	}

	// What the row expects of the broker, by its rule.
	deliveries, runsWant, returned := 1, 1, 0
	if r.retried {
		runsWant = failures
		if a.Redelivers {
			deliveries, runsWant, returned = failures+1, failures+1, failures
		}
	}

	cctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Consume(cctx, h, retries) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			assert.ErrorIs(t, err, context.Canceled, "%s: Consume returns its context's error", a.Name)
		case <-time.After(15 * time.Second):
			t.Fatalf("%s: Consume did not return 15 s after its context was canceled", a.Name)
		}
	}
	defer stop()

	produce := rec.RequireSpan(t, ddxtest.Name(a.ProduceSpan), ddxtest.TraceID(request.Context().TraceID()),
		ddxtest.SpanFunc("a child of the request", func(s ddxtest.Span) bool { return s.ParentID == request.Context().SpanID() }),
		ddxtest.Resource(a.ProduceResource), ddxtest.Attr("span.kind", "producer"),
		ddxtest.Attr("messaging.system", a.System), ddxtest.Attr("component", a.Component))
	// Every delivery's line: once all are written, the consumer is done.
	requireLines(t, rec, deliveries, ddxtest.Message(a.Line), ddxtest.TraceID(produce.TraceID))
	stop()
	got := waitSettlement(t, b, returned)

	assert.True(t, got.Settled, "%s: settled by the broker: %+v", a.Name, got)
	assert.Equal(t, returned, got.Returned, "%s: handed back to the broker", a.Name)
	if got.Deliveries >= 0 {
		assert.Equal(t, deliveries, got.Deliveries, "%s: deliveries, as the broker counts them", a.Name)
	}
	mu.Lock()
	seen := append([]delivery(nil), runs...)
	mu.Unlock()
	assert.Len(t, seen, runsWant, "%s: handler runs", a.Name)

	// Stopped: every span is finished and every line written.
	rec.Flush(t)
	spans := rec.Spans(ddxtest.Name(a.ConsumeSpan))
	require.Len(t, spans, deliveries, "%s: one %s span per delivery", a.Name, a.ConsumeSpan)
	lines := rec.Logs(ddxtest.Message(a.Line))
	require.Len(t, lines, deliveries, "%s: one line per delivery", a.Name)
	for i, l := range lines {
		last := i == deliveries-1
		// A redelivered message's last delivery is the success after
		// the failures.
		want := r
		if a.Redelivers && r.retried && last {
			want = rows[0]
		}
		span := checkSpan(t, a, want, spans, l, produce)
		checkLine(t, a, want, l)
		ids := 0
		for _, d := range seen {
			if d.spanID == span.SpanID {
				ids++
				assert.Equal(t, value, d.value, "%s: the handler's value", a.Name)
			}
		}
		if a.Redelivers || !r.retried {
			assert.Equal(t, 1, ids, "%s: one handler run per delivery, its context carrying the span", a.Name)
		} else {
			assert.Equal(t, runsWant, ids, "%s: every retry in the one span's context", a.Name)
		}
	}
	requireNoSecret(t, rec)
}

// requireLines waits until n lines meet ms.
func requireLines(t *testing.T, rec *ddxtest.Recorder, n int, ms ...ddxtest.Matcher) {
	t.Helper()
	rec.RequireLog(t, append(ms, ddxtest.LogFunc(fmt.Sprintf("%d such lines", n), func(ddxtest.Log) bool {
		return len(rec.Logs(ms...)) >= n
	}))...)
}

// waitSettlement waits, on the broker's own view, until the message is
// settled and handed back returned times: a client sends its acks in
// batches, and may send them as it stops.
func waitSettlement(t *testing.T, b Broker, returned int) Settlement {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := b.Settlement(t)
		if (s.Settled && s.Returned >= returned) || time.Now().After(deadline) {
			return s
		}
		time.Sleep(10 * time.Millisecond) // polling the broker's state: it has no event to wait on
	}
}

// checkSpan finds the consume span line l is joined to and checks it.
func checkSpan(t *testing.T, a Adapter, r row, spans []ddxtest.Span, l ddxtest.Log, produce ddxtest.Span) ddxtest.Span {
	t.Helper()
	var s ddxtest.Span
	found := false
	for _, x := range spans {
		if x.Matches(ddxtest.TraceID(l.TraceID())) && fmt.Sprint(x.SpanID) == l.SpanID() {
			s, found = x, true
		}
	}
	require.True(t, found, "%s: the line %s joins a %s span", a.Name, l, a.ConsumeSpan)
	assert.Equal(t, produce.TraceID, s.TraceID, "%s: the consume span is in the producer's trace", a.Name)
	assert.Equal(t, produce.SpanID, s.ParentID, "%s: its parent is the produce span", a.Name)
	assert.Equal(t, a.ConsumeResource, s.Resource)
	assert.Equal(t, "queue", s.Type)
	assert.Equal(t, "conformance", s.Service)
	assert.Equal(t, "consumer", s.Meta["span.kind"])
	assert.Equal(t, a.System, s.Meta["messaging.system"])
	assert.Equal(t, a.Component, s.Meta["component"])
	assert.Equal(t, a.Destination, s.Meta["messaging.destination.name"])
	assert.Equal(t, a.Settlements[settlement(r)], s.Meta[a.SettlementTag], "%s: %s", a.Name, a.SettlementTag)
	assert.Equal(t, r.kind, s.Meta["error.kind"], "%s: error.kind", a.Name)
	assert.Equal(t, r.isError, s.Error, "%s: the error flag", a.Name)
	for _, k := range []string{"error.message", "error.type", "error.stack"} {
		if r.isError {
			assert.NotEmpty(t, s.Meta[k], "%s: %s of an unexpected kind", a.Name, k)
		} else {
			assert.NotContains(t, s.Meta, k, "%s: no %s for an expected kind or a success", a.Name, k)
		}
	}
	return s
}

func settlement(r row) outcome.Settlement {
	if r.retried {
		return outcome.Reject
	}
	return outcome.Ack
}

func checkLine(t *testing.T, a Adapter, r row, l ddxtest.Log) {
	t.Helper()
	assert.Equal(t, r.level, l.Level(), "%s: the level follows the Kind table", a.Name)
	assert.Equal(t, a.System, l["messaging.system"])
	assert.Equal(t, a.Destination, l["messaging.destination.name"])
	assert.Equal(t, a.Settlements[settlement(r)], l[a.SettlementTag], "%s: %s on the line", a.Name, a.SettlementTag)
	assert.Contains(t, l, "duration")
	e, _ := l["error"].(map[string]any)
	if r.kind == "" {
		assert.Nil(t, e, "%s: no error on a success's line", a.Name)
		return
	}
	require.NotNil(t, e, "%s: an error line has the error", a.Name)
	assert.Equal(t, r.kind, e["kind"])
	assert.NotEmpty(t, e["message"])
}

// requireNoSecret fails t if a span (a tag, its error, its resource) or a
// line carries a producer's secret.
func requireNoSecret(t *testing.T, rec *ddxtest.Recorder) {
	t.Helper()
	rec.Flush(t)
	for _, s := range rec.Spans() {
		text := fmt.Sprint(s.Resource, s.Meta, s.Metrics)
		for _, secret := range secrets {
			assert.False(t, strings.Contains(text, secret), "span %s carries %q: %v", s.Name, secret, s.Meta)
		}
	}
	for _, l := range rec.Logs() {
		for _, secret := range secrets {
			assert.False(t, strings.Contains(l.String(), secret), "a line carries %q: %s", secret, l)
		}
	}
}
