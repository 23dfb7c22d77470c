package ddxkafka_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ddx-go/ddx/internal/testprog"
)

// TestExampleProgram runs the worker the template's README shows, as a
// user would, against an in-process broker: a good record is billed and
// committed at INFO, a record it cannot read is committed with one WARN
// (nobody paged), its probe answers, it writes nothing but JSON lines,
// and on SIGTERM it commits and exits 0.
func TestExampleProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	kafka, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders", "orders.dlq"))
	require.NoError(t, err)
	t.Cleanup(kafka.Close)
	addrs := kafka.ListenAddrs()
	producer, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.DefaultProduceTopic("orders"))
	require.NoError(t, err)
	defer producer.Close()
	require.NoError(t, producer.ProduceSync(context.Background(),
		&kgo.Record{Value: []byte(`{"id":1,"amount":1999}`)}, &kgo.Record{Value: []byte(`not json`)}).FirstErr())

	p := testprog.Start(t, "example", "KAFKA_BROKERS="+strings.Join(addrs, ","))
	code, _, body := testprog.Get(t, p.URL+"/healthz")
	assert.Equal(t, 200, code)
	assert.Equal(t, "ok\n", body)
	messages := func() []map[string]any {
		var out []map[string]any
		for _, l := range p.Lines() {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["message"] == "kafka message" {
				out = append(out, m)
			}
		}
		return out
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(messages()) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	lines := p.Stop()
	got := messages()
	require.Len(t, got, 2, "one line per record:\n%s", strings.Join(lines, "\n"))
	for i, want := range []map[string]any{
		{"status": "INFO", "messaging.kafka.offset": float64(0), "messaging.kafka.settlement": "committed"},
		{"status": "WARN", "messaging.kafka.offset": float64(1), "messaging.kafka.settlement": "committed"},
	} {
		for k, v := range want {
			assert.Equal(t, v, got[i][k], "record %d: %s", i, k)
		}
		assert.NotEmpty(t, got[i]["dd.trace_id"], "record %d: joined to its span", i)
	}
	if e, ok := got[1]["error"].(map[string]any); assert.True(t, ok, "the poison record's error") {
		assert.Equal(t, "Invalid", e["kind"])
	}
	var billed bool
	for _, l := range lines {
		billed = billed || strings.Contains(l, `"message":"billed"`) && strings.Contains(l, `"order.id":1`)
	}
	assert.True(t, billed, "the handler's own line")

	// Both records were committed, the last one at the stop.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...))
	require.NoError(t, err)
	defer cl.Close()
	offs, err := kadm.NewClient(cl).FetchOffsets(context.Background(), "billing")
	require.NoError(t, err)
	o, ok := offs.Lookup("orders", 0)
	require.True(t, ok, "no committed offset")
	assert.Equal(t, int64(2), o.At)

	testprog.RequireShown(t, "../../examples/template/README.md", "example/main.go")
}
