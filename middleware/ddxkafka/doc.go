// Package ddxkafka traces franz-go with ddx's rules, and consumes with
// them: one trace from the request that produced a record to the handler
// that consumed it, and a record settled by the Kind table, so that a
// poison message is committed with a WARN instead of retried forever, and
// an outage is retried, then dead-lettered, with one ERROR per record.
//
//	cl, err := kgo.NewClient(
//		kgo.SeedBrokers(os.Getenv("KAFKA_BROKERS")),
//		kgo.ConsumerGroup("billing"), kgo.ConsumeTopics("orders"),
//		kgo.DisableAutoCommit(), kgo.BlockRebalanceOnPoll(),
//		ddxkafka.Hooks(),
//	)
//	...
//	err = ddxkafka.Consume(ctx, cl, func(ctx context.Context, r *kgo.Record) error {
//		return bill(ctx, r.Value) // NotFound: committed, WARN; Unavailable: retried
//	}, ddxkafka.WithDeadLetter("orders.dlq"))
//
// # Spans
//
// Spans follow dd-trace-go's contrib for franz-go: type "queue",
// messaging.system "kafka", component "twmb/franz-go", the topic as
// messaging.destination.name, messaging.kafka.partition and offset.
// [Hooks] gives every record produced a kafka.produce span, resource
// "Produce Topic <topic>", span.kind "producer", a child of the span of
// the context given to Produce or ProduceSync, finished with that record's
// own result, and writes the trace context into the record's headers
// (x-datadog-* and W3C traceparent/tracestate), keeping any header of those
// names the caller set: a record forwarded with its headers keeps its
// trace. The record's Context is the caller's again before its promise
// runs.
//
// [Consume] gives every record one kafka.consume span, resource "Consume
// Topic <topic>", span.kind "consumer", with messaging.kafka.consumer.group,
// messaging.kafka.attempts and messaging.kafka.settlement ("committed",
// "dead_lettered", "not_committed"). It covers the handler's runs, and
// only them (dd-trace-go's contribs end it at the next poll), and its
// parent is the producer's span from the headers, never a span in Consume's
// context: the service map shows one flow, producer to consumer. The
// handler's context carries it, so that the handler's own calls are its
// children. A record a dead-letter topic gets is produced from that
// context: with Hooks on the consuming client, its span is a child of the
// consume span. Like ddxredis, the spans keep the application's service;
// [WithService] names another.
//
// # Settlement
//
// The handler's error decides, as package outcome's Consume does for every
// consumer of ddx:
//
//	nil                                          committed        INFO
//	Invalid, NotFound, Conflict, FailedPrecondition,
//	any expected kind (a retry cannot help)      committed        WARN, no span error
//	Canceled while Consume's context is done     not committed    INFO; Consume stops
//	any other kind, a panic                      retried (WithRetries, 3; WithBackoff),
//	                                             then dead-lettered (WithDeadLetter) and
//	                                             committed, or committed; ERROR, span error
//
// One line per record, "kafka message", at that level, joined to its span,
// with messaging.system, messaging.destination.name,
// messaging.kafka.partition, messaging.kafka.offset,
// messaging.kafka.consumer.group, the settlement, the attempts, the
// duration and the error. Only settled offsets are committed, per
// partition past the last settled record, after each poll and when
// Consume stops; a record stopped by the shutdown comes back to the
// group's next member. A dead-letter record has the original's key, value
// and headers (its trace headers replaced), and error.kind,
// error.message, original.topic, original.partition and original.offset.
//
// # Errors
//
// Linking the package teaches errors.KindOf franz-go's errors (a
// classifier registered in init), so that a handler that returns its own
// produce's failure is retried or pages as it should:
//
//	a broker error Kafka calls retriable (kerr.IsRetriable: a leader moving,
//	a coordinator loading), kgo.ErrRecordRetries, kgo.ErrMaxBuffered   Unavailable
//	kgo.ErrRecordTimeout                                              DeadlineExceeded
//	an authorization or SASL failure, a message too large, an invalid
//	record, any other broker error, a first read EOF (SASL or TLS
//	missing), data loss                                               Internal: our bug or our credentials
//	kgo.ErrClientClosed                                               Canceled when the caller's context
//	                                                                  is done, else Internal
//
// # Data Streams
//
// With DD_DATA_STREAMS_ENABLED=true, as for dd-trace-go's contribs, a
// produced record gets a checkpoint (direction:out, topic, type:kafka)
// that continues the pathway of the producing context (a handler's) or of
// its headers, and its pathway header; a consumed one gets its checkpoint
// (direction:in, group, topic, type:kafka) and the handler's context its
// pathway. Produce offsets are tracked when the broker acknowledges them
// and commit offsets at the real commit, so that the lag Data Streams
// shows is the work left, retries included.
//
// # Secrets
//
// Spans and lines carry the topic, the partition, the offset and the
// group. No header and no key or value reaches a span or a line: the
// propagators read their own headers only.
package ddxkafka
