package outcome

import (
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/errors"
)

// Datadog's messaging attribute names, for a consumer's line and spans.
const (
	AttrMessagingSystem      = attr.MessagingSystem
	AttrMessagingDestination = attr.MessagingDestination // a topic, a subscription
	AttrMessagingOperation   = attr.MessagingOperation
	AttrMessagingMessageID   = attr.MessagingMessageID
)

// A Settlement is what a consumer does with a message once its handler has
// returned: the broker's side of the Kind table.
type Settlement uint8

const (
	// Ack: the message is done with. Commit its offset, ack it. A success,
	// or an expected kind, which a retry cannot change (an invalid payload,
	// an order that no longer exists): redelivering it would fail the same
	// way forever.
	Ack Settlement = iota
	// Retry: run the handler on it again, after [RetryBackoff]. An
	// unexpected kind (an outage, a timeout, a bug) may pass next time.
	Retry
	// Reject: an unexpected kind, and the retries are spent. Hand the
	// message to the dead-letter destination (or, without one, commit it
	// with its ERROR line, or nack it for the broker's own policy): one bad
	// message must not stop the consumer.
	Reject
	// Stop: the consumer is stopping (its context is done). Neither commit
	// nor ack the message: the broker delivers it again to whoever consumes
	// next.
	Stop
)

var settlementNames = [...]string{Ack: "ack", Retry: "retry", Reject: "reject", Stop: "stop"}

// String returns "ack", "retry", "reject" or "stop".
func (s Settlement) String() string {
	if int(s) < len(settlementNames) {
		return settlementNames[s]
	}
	return "Settlement(" + strconv.Itoa(int(s)) + ")"
}

// A Consumed is one attempt at a message decided by the Kind table: its
// Verdict, the settlement, whether the span is an error (for
// [RecordError]) and the level of the message's line (for [LogAt]).
type Consumed struct {
	Verdict Verdict
	Settle  Settlement
	Flag    bool
	Level   slog.Level
}

// Consume decides attempt number attempt (0 for the first) of a message
// whose handler returned err, on a consumer running under ctx that allows
// retries attempts after the first. A recovered panic is given as
// [PanicError]'s error, Internal like any bug. By the Kind table:
//
//   - nil: Ack, INFO;
//   - an expected kind other than Canceled (Invalid, NotFound, Conflict,
//     FailedPrecondition, ...): Ack, WARN, no span error. A retry cannot
//     help;
//   - Canceled while ctx is done (the consumer shuts down): Stop, INFO, no
//     span error. Canceled while ctx is not, the handler's own doing, is
//     Internal, as [ClassifyIn] says;
//   - any other kind: Retry while attempts remain, then Reject, ERROR, a
//     span error. When ctx is done it is Stop instead, still at ERROR: the
//     message comes back after the restart, and no retry can run now.
//
// Only the last attempt's line is written: a consumer logs one line per
// message, so a Retry's Level and Flag are what the line and the span would
// say if it were the last.
func Consume(ctx context.Context, err error, attempt, retries int) Consumed {
	v := ClassifyIn(ctx, err)
	switch {
	case err == nil:
		return Consumed{Verdict: v, Settle: Ack, Level: slog.LevelInfo}
	case v.Kind.Expected() && v.Kind != errors.Canceled:
		return Consumed{Verdict: v, Settle: Ack, Level: Level(v)}
	case v.Kind.Expected():
		// Canceled survives ClassifyIn only when ctx is done.
		return Consumed{Verdict: v, Settle: Stop, Level: Level(v)}
	}
	c := Consumed{Verdict: v, Settle: Reject, Flag: true, Level: Level(v)}
	switch {
	case ctx != nil && ctx.Err() != nil:
		c.Settle = Stop
	case attempt < retries:
		c.Settle = Retry
	}
	return c
}

// RetryBackoff is how long to wait before retry number attempt+1 of a
// message: base doubled per attempt, at most limit, the upper half of it
// random so that consumers that failed together do not retry together.
// A limit that is not positive is none; a base that is not positive
// means no wait.
func RetryBackoff(attempt int, base, limit time.Duration) time.Duration {
	if base <= 0 {
		return 0
	}
	if limit <= 0 {
		limit = math.MaxInt64 / 2
	}
	d := base
	for i := 0; i < attempt && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	half := d / 2
	return half + rand.N(d-half+1)
}
