package ddxpubsub

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"cloud.google.com/go/pubsub/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLineFollowsTheDefaultLogger pins the cache of the lines' logger:
// the system, subscription and operation are added once, yet a line
// still goes to slog.Default() as it is when the message is handled, with
// every messaging attribute, from handlers that run concurrently.
func TestLineFollowsTheDefaultLogger(t *testing.T) {
	before := slog.Default()
	t.Cleanup(func() { slog.SetDefault(before) })
	var first, second syncBuffer
	r := newReceiver(&pubsub.Subscriber{}, func(context.Context, *pubsub.Message) error { return nil }, newConfig(nil))
	handle := func(n int) {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() { r.handle(context.Background(), context.Background(), &pubsub.Message{ID: "m1"}) })
		}
		wg.Wait()
	}

	slog.SetDefault(slog.New(slog.NewJSONHandler(&first, nil)))
	handle(4)
	slog.SetDefault(slog.New(slog.NewJSONHandler(&second, nil)))
	handle(1)

	lines := func(b *syncBuffer) []map[string]any {
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &m), l)
			out = append(out, m)
		}
		return out
	}
	assert.Len(t, lines(&first), 4, "the lines before the default changed")
	got := append(lines(&first), lines(&second)...)
	require.Len(t, got, 5)
	for i, l := range got {
		for k, v := range map[string]any{
			"msg": "pubsub message", "level": "INFO", "messaging.system": "googlepubsub",
			"messaging.destination.name": r.sub, "messaging.operation.name": "receive",
			"messaging.message.id": "m1", "pubsub.ack": "ack",
		} {
			assert.Equal(t, v, l[k], "line %d, %s", i, k)
		}
		assert.Contains(t, l, "duration", "line %d", i)
	}
}

// syncBuffer is a bytes.Buffer for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
