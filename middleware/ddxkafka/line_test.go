package ddxkafka

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestLineFollowsTheDefaultLogger pins the cache of a topic's logger: the
// topic, system and group are added once per topic, yet a line still goes
// to slog.Default() as it is when the record is handled, with every
// messaging attribute, and a topic does not take another's.
func TestLineFollowsTheDefaultLogger(t *testing.T) {
	before := slog.Default()
	t.Cleanup(func() { slog.SetDefault(before) })
	var first, second bytes.Buffer
	c := newConsumer(nil, func(context.Context, *kgo.Record) error { return nil }, "billing", newConfig(nil))
	handle := func(topic string, offset int64) {
		require.NoError(t, c.handle(context.Background(), &kgo.Record{Topic: topic, Partition: 1, Offset: offset}))
	}

	slog.SetDefault(slog.New(slog.NewJSONHandler(&first, nil)))
	handle("orders", 0)
	handle("refunds", 0)
	slog.SetDefault(slog.New(slog.NewJSONHandler(&second, nil)))
	handle("orders", 1)

	lines := func(b *bytes.Buffer) []map[string]any {
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &m), l)
			out = append(out, m)
		}
		return out
	}
	want := func(topic string, offset int64) map[string]any {
		return map[string]any{
			"msg": "kafka message", "level": "INFO",
			"messaging.system": "kafka", "messaging.destination.name": topic,
			"messaging.kafka.consumer.group": "billing", "messaging.kafka.partition": float64(1),
			"messaging.kafka.offset": float64(offset), "messaging.kafka.settlement": "committed",
			"messaging.kafka.attempts": float64(1),
		}
	}
	got := append(lines(&first), lines(&second)...)
	require.Len(t, got, 3)
	for i, w := range []map[string]any{want("orders", 0), want("refunds", 0), want("orders", 1)} {
		for k, v := range w {
			assert.Equal(t, v, got[i][k], "line %d, %s", i, k)
		}
		assert.Contains(t, got[i], "duration", "line %d", i)
	}
	assert.Len(t, lines(&first), 2, "the lines before the default changed")
}
