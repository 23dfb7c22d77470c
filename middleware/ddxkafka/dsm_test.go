package ddxkafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/datastreams"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestDataStreams: with DD_DATA_STREAMS_ENABLED, a produced record carries
// its pathway in its headers and the handler's context continues it, so
// that what the handler produces is the next hop; without it, neither.
func TestDataStreams(t *testing.T) {
	for _, c := range []struct {
		env  string
		want bool
	}{
		{"true", true},
		{"false", false},
	} {
		t.Run("DD_DATA_STREAMS_ENABLED="+c.env, func(t *testing.T) {
			t.Setenv("DD_DATA_STREAMS_ENABLED", c.env)
			start(t)
			addrs := cluster(t)
			produceInRequest(t, client(t, addrs), "42")
			type seen struct {
				header, pathway bool
			}
			got := make(chan seen, 1)
			stop := consuming(t, consumerClient(t, addrs), func(ctx context.Context, r *kgo.Record) error {
				_, h := header(r, "dd-pathway-ctx-base64")
				_, p := datastreams.PathwayFromContext(ctx)
				select {
				case got <- seen{h, p}:
				default:
				}
				return nil
			})
			var s seen
			select {
			case s = <-got:
			case <-time.After(10 * time.Second):
				t.Fatal("the record never reached the handler")
			}
			require.ErrorIs(t, stop(), context.Canceled)
			assert.Equal(t, c.want, s.header, "pathway header")
			assert.Equal(t, c.want, s.pathway, "pathway in the handler's context")
		})
	}
}
