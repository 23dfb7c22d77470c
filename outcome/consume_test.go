package outcome

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/errors"
)

// TestConsume is the consumer's row of the Kind table, case by case: what
// is settled, whether the span is an error, and the line's level, for each
// kind, attempt and state of the consumer's context.
func TestConsume(t *testing.T) {
	running := context.Background()
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name     string
		ctx      context.Context
		err      error
		attempt  int
		retries  int
		settle   Settlement
		flag     bool
		level    slog.Level
		kind     errors.Kind
		internal bool // the error became ClassifyIn's Internal
	}{
		{name: "success", ctx: running, settle: Ack, level: slog.LevelInfo},
		{name: "success at shutdown", ctx: stopped, settle: Ack, level: slog.LevelInfo},
		{name: "invalid payload", ctx: running, err: errors.E(errors.Invalid, "bad json"), retries: 3,
			settle: Ack, level: slog.LevelWarn, kind: errors.Invalid},
		{name: "order gone", ctx: running, err: fmt.Errorf("load: %w", errors.E(errors.NotFound, "order 7")), retries: 3,
			settle: Ack, level: slog.LevelWarn, kind: errors.NotFound},
		{name: "conflict", ctx: running, err: errors.E(errors.Conflict, "already paid"), retries: 3,
			settle: Ack, level: slog.LevelWarn, kind: errors.Conflict},
		{name: "failed precondition", ctx: running, err: errors.E(errors.FailedPrecondition, "closed"), retries: 3,
			settle: Ack, level: slog.LevelWarn, kind: errors.FailedPrecondition},
		{name: "shutdown", ctx: stopped, err: fmt.Errorf("charge: %w", context.Canceled), retries: 3,
			settle: Stop, level: slog.LevelInfo, kind: errors.Canceled},
		{name: "canceled inside the handler", ctx: running, err: context.Canceled, retries: 3,
			settle: Retry, flag: true, level: slog.LevelError, kind: errors.Internal, internal: true},
		{name: "outage, first attempt", ctx: running, err: errors.E(errors.Unavailable, "db down"), retries: 3,
			settle: Retry, flag: true, level: slog.LevelError, kind: errors.Unavailable},
		{name: "outage, last retry", ctx: running, err: errors.E(errors.Unavailable, "db down"), attempt: 2, retries: 3,
			settle: Retry, flag: true, level: slog.LevelError, kind: errors.Unavailable},
		{name: "outage, retries spent", ctx: running, err: errors.E(errors.Unavailable, "db down"), attempt: 3, retries: 3,
			settle: Reject, flag: true, level: slog.LevelError, kind: errors.Unavailable},
		{name: "no retries", ctx: running, err: context.DeadlineExceeded,
			settle: Reject, flag: true, level: slog.LevelError, kind: errors.DeadlineExceeded},
		{name: "outage at shutdown", ctx: stopped, err: errors.E(errors.Unavailable, "db down"), retries: 3,
			settle: Stop, flag: true, level: slog.LevelError, kind: errors.Unavailable},
		{name: "plain error", ctx: running, err: fmt.Errorf("boom"), attempt: 1, retries: 1,
			settle: Reject, flag: true, level: slog.LevelError, kind: errors.Internal},
		{name: "panic of a NotFound", ctx: running, err: PanicError(errors.E(errors.NotFound, "x")), retries: 1,
			settle: Retry, flag: true, level: slog.LevelError, kind: errors.Internal},
		{name: "nil context", ctx: nil, err: errors.E(errors.NotFound, "x"),
			settle: Ack, level: slog.LevelWarn, kind: errors.NotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Consume(c.ctx, c.err, c.attempt, c.retries)
			assert.Equal(t, c.settle.String(), got.Settle.String(), "settlement")
			assert.Equal(t, c.flag, got.Flag, "span error")
			assert.Equal(t, c.level, got.Level, "level")
			if c.err == nil {
				assert.NoError(t, got.Verdict.Err)
				return
			}
			assert.Equal(t, c.kind, got.Verdict.Kind, "kind")
			if c.internal {
				assert.Contains(t, got.Verdict.Err.Error(), "canceled inside the server")
			} else {
				assert.Equal(t, c.err, got.Verdict.Err)
			}
		})
	}
}

func TestSettlementString(t *testing.T) {
	for s, want := range map[Settlement]string{Ack: "ack", Retry: "retry", Reject: "reject", Stop: "stop", 9: "Settlement(9)", 200: "Settlement(200)"} {
		assert.Equal(t, want, s.String())
	}
}

// TestRetryBackoff: doubling from base, capped, and never below half of
// the doubled value (the random part is the upper half).
func TestRetryBackoff(t *testing.T) {
	for _, c := range []struct {
		attempt     int
		base, limit time.Duration
		lo, hi      time.Duration
	}{
		{0, 100 * time.Millisecond, 5 * time.Second, 50 * time.Millisecond, 100 * time.Millisecond},
		{1, 100 * time.Millisecond, 5 * time.Second, 100 * time.Millisecond, 200 * time.Millisecond},
		{3, 100 * time.Millisecond, 5 * time.Second, 400 * time.Millisecond, 800 * time.Millisecond},
		{10, 100 * time.Millisecond, time.Second, 500 * time.Millisecond, time.Second},
		{1 << 20, time.Millisecond, time.Second, 500 * time.Millisecond, time.Second},
		{2, time.Millisecond, 0, 2 * time.Millisecond, 4 * time.Millisecond}, // no limit
		{5, 0, time.Second, 0, 0},
		{5, -time.Second, time.Second, 0, 0},
	} {
		for range 50 {
			d := RetryBackoff(c.attempt, c.base, c.limit)
			assert.GreaterOrEqual(t, d, c.lo, "%+v", c)
			assert.LessOrEqual(t, d, c.hi, "%+v", c)
		}
	}
}
