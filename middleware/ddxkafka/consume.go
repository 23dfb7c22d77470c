package ddxkafka

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/DataDog/dd-trace-go/v2/datastreams"
	"github.com/DataDog/dd-trace-go/v2/datastreams/options"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

// A Handler handles one record. Its error decides the record's fate by
// the Kind table (see [Consume]); ctx carries the record's kafka.consume
// span and is canceled when Consume is asked to stop.
type Handler func(ctx context.Context, r *kgo.Record) error

// Names of the consumer's line and of what it and the span carry beyond
// dd-trace-go's tags.
const (
	consumeMessage  = "kafka message"
	commitMessage   = "kafka commit"
	fetchMessage    = "kafka fetch"
	attrPartition   = attr.KafkaPartition
	attrOffset      = attr.KafkaOffset
	attrSettlement  = attr.KafkaSettlement
	attrAttempts    = attr.KafkaAttempts
	settleCommitted = "committed"
	settleDead      = "dead_lettered"
	settleNone      = "not_committed"
)

// Headers of a dead-letter record.
const (
	HeaderErrorKind         = attr.ErrorKind
	HeaderErrorMessage      = attr.ErrorMessage
	HeaderOriginalTopic     = "original.topic"
	HeaderOriginalPartition = "original.partition"
	HeaderOriginalOffset    = "original.offset"
)

// commitTimeout bounds a commit, which shutdown does not cancel.
const commitTimeout = 10 * time.Second

// fetchLogEvery is how often at most a failing fetch is logged: franz-go
// retries fetches on its own, and an outage must not write a line per
// poll.
const fetchLogEvery = 10 * time.Second

// Consume polls cl and hands each record to h, one at a time in the order
// of its partition, until ctx is done. Each record gets one kafka.consume
// span around h, a child of the producer's span from the record's headers
// (never of a span in ctx), and one line, "kafka message", joined to it.
// The record is settled by h's error, as package outcome's Consume decides:
//
//   - nil: committed, INFO;
//   - an expected kind (Invalid, NotFound, Conflict, FailedPrecondition,
//     ...): committed, WARN, no span error; a retry cannot help;
//   - Canceled while ctx is done: not committed, INFO; Consume stops and
//     the group delivers the record again;
//   - any other kind, or a panic (recovered): h runs again after a backoff,
//     [WithRetries] times (3 by default), and then the record goes to the
//     [WithDeadLetter] topic and is committed, or without one is committed,
//     ERROR and a span error either way. One bad record never stops the
//     service.
//
// Only settled offsets are committed: cl must be made with a consumer
// group (kgo.ConsumerGroup) and kgo.DisableAutoCommit(), else Consume
// returns an Invalid error at once. Consume commits, per partition, past
// the last settled record after each poll and when ctx is done, then
// returns ctx's error. kgo.BlockRebalanceOnPoll() is recommended: Consume
// allows the rebalance after each commit, so that no partition moves with
// settled records not committed.
//
// Consume returns before ctx is done only when it cannot go on: cl was
// closed (an error of kind Canceled if ctx is done, else Internal), or a
// record could not be written to the dead-letter topic, whose error it
// returns (the record is not committed, and comes back). Options:
// [WithRetries], [WithBackoff], [WithDeadLetter], [WithService],
// [WithLogger].
func Consume(ctx context.Context, cl *kgo.Client, h Handler, opts ...Option) error {
	const op = errors.Op("ddxkafka.Consume")
	if ctx == nil {
		ctx = context.Background()
	}
	if cl == nil || h == nil {
		return errors.E(op, errors.Invalid, "a nil client or handler")
	}
	group, _ := cl.OptValue(kgo.ConsumerGroup).(string)
	if group == "" {
		return errors.E(op, errors.Invalid, "the client has no consumer group (kgo.ConsumerGroup): there is nothing to commit to")
	}
	if off, _ := cl.OptValue(kgo.DisableAutoCommit).(bool); !off {
		return errors.E(op, errors.Invalid, "the client commits on its own: make it with kgo.DisableAutoCommit(), so that only settled records are committed")
	}
	c := newConsumer(cl, h, group, newConfig(opts))
	err := c.run(ctx)
	c.commit(ctx)
	// A client with kgo.BlockRebalanceOnPoll cannot leave its group, nor
	// close, until the last poll's rebalance is allowed.
	cl.AllowRebalance()
	if err != nil {
		return errors.E(op, err)
	}
	return ctx.Err()
}

type consumer struct {
	cl      *kgo.Client
	h       Handler
	cfg     *config
	group   string
	start   tracer.StartSpanOption               // the static part of each span
	settled map[string]map[int32]kgo.EpochOffset // next offset to commit, per partition
	lastLog time.Time                            // of a failing fetch
	// topics hold what is the same for every record of a topic, built
	// once: a consumer reads a few topics, and handle runs on one
	// goroutine. base is the handler their loggers were made from.
	topics map[string]*topicLine
	base   slog.Handler
}

// topicLine is a topic's span resource and the logger of its lines, with
// the attributes that do not change from record to record already added:
// the handler encodes them once, and a record's own attributes fit in
// slog.Record without an allocation.
type topicLine struct {
	resource string
	logger   *slog.Logger
}

func newConsumer(cl *kgo.Client, h Handler, group string, cfg *config) *consumer {
	o := []tracer.StartSpanOption{
		tracer.SpanType(ext.SpanTypeMessageConsumer),
		tracer.Tag(ext.Component, componentName),
		tracer.Tag(ext.SpanKind, ext.SpanKindConsumer),
		tracer.Tag(ext.MessagingSystem, ext.MessagingSystemKafka),
		tracer.Tag(tagGroup, group),
		tracer.Measured(),
	}
	if cfg.service != "" {
		o = append(o, tracer.ServiceName(cfg.service))
	}
	return &consumer{
		cl: cl, h: h, cfg: cfg, group: group,
		start:   tracer.WithStartSpanConfig(tracer.NewStartSpanConfig(o...)),
		settled: map[string]map[int32]kgo.EpochOffset{},
		topics:  map[string]*topicLine{},
	}
}

// topic returns topic's resource and logger. The logger is resolved per
// record (slog.Default() can change); one that is not the handler the
// loggers were made from makes them again.
func (c *consumer) topic(topic string) *topicLine {
	l := outcome.Logger(c.cfg.logger)
	if h := l.Handler(); h != c.base {
		clear(c.topics)
		c.base = h
	}
	t, ok := c.topics[topic]
	if !ok {
		t = &topicLine{resource: "Consume Topic " + topic, logger: l.With(
			slog.String(outcome.AttrMessagingSystem, ext.MessagingSystemKafka),
			slog.String(outcome.AttrMessagingDestination, topic),
			slog.String(tagGroup, c.group),
		)}
		if len(c.topics) < 1024 { // bounded: topics come from the broker
			c.topics[topic] = t
		}
	}
	return t
}

// run is the poll loop; it returns nil when ctx is done.
func (c *consumer) run(ctx context.Context) error {
	for {
		fetches := c.cl.PollFetches(ctx)
		if fetches.IsClientClosed() {
			return outcome.ClassifyIn(ctx, kgo.ErrClientClosed).Err
		}
		if ctx.Err() != nil {
			return nil
		}
		c.fetchErrors(ctx, fetches)
		for it := fetches.RecordIter(); !it.Done(); {
			if err := c.handle(ctx, it.Next()); err != nil {
				return err
			}
			if ctx.Err() != nil {
				// Stopped: what was settled is committed by Consume.
				return nil
			}
		}
		c.commit(ctx)
		c.cl.AllowRebalance()
	}
}

// fetchErrors logs a poll's errors, at most once per fetchLogEvery.
func (c *consumer) fetchErrors(ctx context.Context, fetches kgo.Fetches) {
	errs := fetches.Errors()
	if len(errs) == 0 || time.Since(c.lastLog) < fetchLogEvery {
		return
	}
	c.lastLog = time.Now()
	l := outcome.Logger(c.cfg.logger)
	for _, e := range errs {
		v := outcome.Classify(e.Err)
		outcome.Log(ctx, l, outcome.Level(v), fetchMessage, e.Err, []slog.Attr{
			slog.String(outcome.AttrMessagingSystem, ext.MessagingSystemKafka),
			slog.String(outcome.AttrMessagingDestination, e.Topic),
			slog.Int(attrPartition, int(e.Partition)),
			slog.String(tagGroup, c.group),
		})
	}
}

// handle runs the handler on r, with its retries, and settles r. It
// returns an error only when Consume cannot go on.
func (c *consumer) handle(ctx context.Context, r *kgo.Record) error {
	start := time.Now()
	hdr := carrier{r}
	var s *tracer.Span
	if pc, err := tracer.Extract(hdr); err == nil {
		//lint:ignore SA1019 an extracted SpanContext has no StartChild; dd-trace-go's httptrace uses ChildOf too
		s = tracer.StartSpan(spanConsume, tracer.ChildOf(pc), c.start, tracer.StartTime(start))
	} else {
		s = tracer.StartSpan(spanConsume, c.start, tracer.StartTime(start))
	}
	tl := c.topic(r.Topic)
	s.SetTag(ext.ResourceName, tl.resource)
	s.SetTag(ext.MessagingDestinationName, r.Topic)
	s.SetTag(ext.MessagingKafkaPartition, r.Partition)
	s.SetTag(tagOffset, r.Offset)
	hctx := tracer.ContextWithSpan(ctx, s)
	if c.cfg.dsm {
		hctx = c.consumeCheckpoint(hctx, r)
	}

	var d outcome.Consumed
	attempts := 0
	for {
		err := call(hctx, c.h, r)
		d = outcome.Consume(ctx, err, attempts, c.cfg.retries)
		attempts++
		if d.Settle != outcome.Retry {
			break
		}
		if !sleep(ctx, outcome.RetryBackoff(attempts-1, c.cfg.backoffBase, c.cfg.backoffLimit)) {
			// Stopped while waiting: decided again, as Stop.
			d = outcome.Consume(ctx, err, attempts, c.cfg.retries)
			break
		}
	}

	settlement, fatal := settleNone, error(nil)
	switch d.Settle {
	case outcome.Ack:
		settlement = settleCommitted
	case outcome.Reject:
		settlement = settleCommitted
		if c.cfg.deadLetter != "" {
			if err := c.deadLetter(hctx, r, d.Verdict); err != nil {
				settlement = settleNone
				if ctx.Err() == nil {
					fatal = err
				}
			} else {
				settlement = settleDead
			}
		}
	}
	if settlement != settleNone {
		c.settle(r)
	}

	s.SetTag(attrSettlement, settlement)
	s.SetTag(attrAttempts, attempts)
	outcome.RecordError(s, d.Verdict, d.Flag, "")
	took := time.Since(start)
	if l := tl.logger; l.Enabled(hctx, d.Level) {
		var buf [5]slog.Attr
		attrs := append(buf[:0],
			slog.Int(attrPartition, int(r.Partition)),
			slog.Int64(attrOffset, r.Offset),
			slog.String(attrSettlement, settlement),
			slog.Int(attrAttempts, attempts),
			slog.Int64(outcome.AttrDuration, int64(took)),
		)
		outcome.LogAt(hctx, l, start.Add(took), d.Level, consumeMessage, d.Verdict.Err, attrs)
	}
	s.Finish(tracer.FinishTime(start.Add(took)))
	return fatal
}

// call runs h, a panic becoming an Internal error as RunJob's does.
func call(ctx context.Context, h Handler, r *kgo.Record) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = outcome.PanicError(p)
		}
	}()
	return h(ctx, r)
}

// sleep waits d, or less when ctx is done; it reports whether ctx is
// still running.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// settle marks r for the next commit. Records of a partition are handled
// in order and one at a time, so the settled ones are always contiguous:
// the next offset to commit is the one after r.
func (c *consumer) settle(r *kgo.Record) {
	ps := c.settled[r.Topic]
	if ps == nil {
		ps = map[int32]kgo.EpochOffset{}
		c.settled[r.Topic] = ps
	}
	ps[r.Partition] = kgo.EpochOffset{Epoch: r.LeaderEpoch, Offset: r.Offset + 1}
}

// commit commits the settled offsets and forgets them: a partition whose
// commit failed (it moved to another member in a rebalance) is committed
// again by its next settled record, or delivered again to its new owner.
func (c *consumer) commit(ctx context.Context) {
	if len(c.settled) == 0 {
		return
	}
	// A shutdown must not cancel a commit under way, nor the last one,
	// made once ctx is done: the commit has a context of its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	todo := c.settled
	c.settled = map[string]map[int32]kgo.EpochOffset{}
	c.cl.CommitOffsetsSync(ctx, todo, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			c.commitFailed(ctx, "", -1, err)
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if perr := kerr.ErrorForCode(p.ErrorCode); perr != nil {
					c.commitFailed(ctx, t.Topic, p.Partition, perr)
					continue
				}
				if c.cfg.dsm {
					// At the real commit, not at fetch as the contribs
					// track it: the lag Data Streams shows is the work
					// left, retries included.
					tracer.TrackKafkaCommitOffset(c.group, t.Topic, p.Partition, todo[t.Topic][p.Partition].Offset)
				}
			}
		}
	})
}

func (c *consumer) commitFailed(ctx context.Context, topic string, partition int32, err error) {
	v := outcome.Classify(err)
	attrs := []slog.Attr{
		slog.String(outcome.AttrMessagingSystem, ext.MessagingSystemKafka),
		slog.String(tagGroup, c.group),
	}
	if topic != "" {
		attrs = append(attrs, slog.String(outcome.AttrMessagingDestination, topic), slog.Int(attrPartition, int(partition)))
	}
	outcome.Log(ctx, outcome.Logger(c.cfg.logger), outcome.Level(v), commitMessage, err, attrs)
}

// deadLetter produces r, with why it failed, to the dead-letter topic,
// through cl: with [Hooks] installed, its produce span is a child of the
// consume span.
func (c *consumer) deadLetter(ctx context.Context, r *kgo.Record, v outcome.Verdict) error {
	hs := make([]kgo.RecordHeader, 0, len(r.Headers)+5)
	for _, h := range r.Headers {
		switch {
		case isPropagation(h.Key), h.Key == HeaderErrorKind, h.Key == HeaderErrorMessage,
			h.Key == HeaderOriginalTopic, h.Key == HeaderOriginalPartition, h.Key == HeaderOriginalOffset:
			// The original's trace and a previous failure's story: this
			// record tells its own.
		default:
			hs = append(hs, h)
		}
	}
	hs = append(hs,
		kgo.RecordHeader{Key: HeaderErrorKind, Value: []byte(v.Kind.String())},
		kgo.RecordHeader{Key: HeaderErrorMessage, Value: []byte(errors.Message(v.Err))},
		kgo.RecordHeader{Key: HeaderOriginalTopic, Value: []byte(r.Topic)},
		kgo.RecordHeader{Key: HeaderOriginalPartition, Value: strconv.AppendInt(nil, int64(r.Partition), 10)},
		kgo.RecordHeader{Key: HeaderOriginalOffset, Value: strconv.AppendInt(nil, r.Offset, 10)},
	)
	dl := &kgo.Record{Topic: c.cfg.deadLetter, Key: r.Key, Value: r.Value, Headers: hs}
	if err := c.cl.ProduceSync(ctx, dl).FirstErr(); err != nil {
		return errors.E(errors.Op("ddxkafka.DeadLetter"), "write to the dead-letter topic "+c.cfg.deadLetter, err)
	}
	return nil
}

// consumeCheckpoint sets Data Streams' consume checkpoint of r, continuing
// the pathway of its headers, and returns ctx with its pathway, so that
// what the handler produces continues it.
func (c *consumer) consumeCheckpoint(ctx context.Context, r *kgo.Record) context.Context {
	ctx = datastreams.ExtractFromBase64Carrier(ctx, carrier{r})
	out, ok := tracer.SetDataStreamsCheckpointWithParams(ctx, options.CheckpointParams{PayloadSize: recordSize(r)},
		"direction:in", "group:"+c.group, "topic:"+r.Topic, "type:kafka")
	if !ok {
		return ctx
	}
	return out
}
