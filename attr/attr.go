// Package attr is ddx's vocabulary: the names of the span tags and log
// attributes that ddx and its integrations write, and that monitors,
// facets and ddx's own log handler read. It imports nothing, so that every
// package, from the log handler to the integrations, takes the names from
// one place and a name cannot drift between the line that writes it and
// the code that reads it.
//
// The names are Datadog's standard attributes where Datadog has one
// (http.*, network.client.ip, duration, messaging.*, error.*), so that the
// log pipeline and APM recognise them without a remapping.
package attr

// The error an exchange ended with, on spans and log lines.
const (
	// Error is the log attribute the ddx handler expands into the "error"
	// object: error.kind, error.message, error.stack and the error's own
	// attributes.
	Error = "error"
	// ErrorKind carries errors.KindOf(err).String() for every recorded
	// error, expected or not, so a monitor or a facet can split real
	// problems from a client that said something wrong without parsing text.
	ErrorKind = "error.kind"
	// ErrorCode and ErrorFingerprint carry errors.CodeOf(err) when the
	// error has a code: the first for facets and monitors, the second
	// because Datadog's Error Tracking groups by it instead of by message
	// and stack.
	ErrorCode        = "error.code"
	ErrorFingerprint = "error.fingerprint"
	// ErrorMessage is the message of the error (errors.Message: its chain
	// without attribute values).
	ErrorMessage = "error.message"
)

// An HTTP access line: one per request, server side.
const (
	HTTPMethod     = "http.method"
	HTTPStatusCode = "http.status_code"
	HTTPURLPath    = "http.url_details.path"
	HTTPRoute      = "http.route"
	HTTPUserAgent  = "http.useragent"
	HTTPRequestID  = "http.request_id"
	ClientIP       = "network.client.ip"
	// Duration is in nanoseconds, as Datadog expects.
	Duration = "duration"
)

// A gRPC access line, and a client's error.
const (
	GRPCMethod = "grpc.method"
	GRPCCode   = "grpc.code"
	GRPCTarget = "grpc.target"
)

// A job run's line.
const JobName = "job.name"

// A consumer's line, and the messaging tags of its spans.
const (
	MessagingSystem      = "messaging.system"
	MessagingDestination = "messaging.destination.name" // a topic, a subscription
	MessagingOperation   = "messaging.operation.name"
	MessagingMessageID   = "messaging.message.id"

	KafkaPartition  = "messaging.kafka.partition"
	KafkaOffset     = "messaging.kafka.offset"
	KafkaGroup      = "messaging.kafka.consumer.group"
	KafkaSettlement = "messaging.kafka.settlement"
	KafkaAttempts   = "messaging.kafka.attempts"

	PubsubAck             = "pubsub.ack"
	PubsubDeliveryAttempt = "pubsub.delivery_attempt"
)

// Known are the names ddx's integrations put on every line they write
// (access lines, job runs, consumers). None is a secret by ddx's built-in
// list or needs escaping in JSON, so the log handler writes them without
// asking its secret matcher; its tests check both.
var Known = []string{
	HTTPMethod, HTTPStatusCode, HTTPURLPath, HTTPRoute, HTTPUserAgent, HTTPRequestID, ClientIP, Duration,
	GRPCMethod, GRPCCode, GRPCTarget,
	JobName,
	MessagingSystem, MessagingDestination, MessagingOperation, MessagingMessageID,
	KafkaPartition, KafkaOffset, KafkaGroup, KafkaSettlement, KafkaAttempts,
	PubsubAck, PubsubDeliveryAttempt,
}
