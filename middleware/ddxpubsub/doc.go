// Package ddxpubsub traces Google Cloud Pub/Sub (cloud.google.com/go/pubsub/v2)
// with ddx's rules: one trace from the request that publishes to the
// handler that receives, and a message's fate decided by the Kind table,
// so that a poison message is acked with one WARN instead of coming back
// and paging forever.
//
//	res := ddxpubsub.Publish(ctx, publisher, &pubsub.Message{Data: body})
//	...
//	err := ddxpubsub.Receive(ctx, client.Subscriber("billing"),
//		func(ctx context.Context, m *pubsub.Message) error {
//			return bill(ctx, m.Data) // the error decides ack or nack
//		})
//
// # Spans
//
// Spans follow dd-trace-go's contrib for Pub/Sub: pubsub.publish for a
// published message, a child of the span in the caller's context,
// resource the topic's name ("projects/shop/topics/orders"), span.kind
// "producer", messaging.operation.name "send"; pubsub.receive for a
// received message, resource the subscription's name, span.kind
// "consumer", messaging.operation.name "receive", message_id,
// publish_time and delivery_attempt (when the subscription has a
// dead-letter policy). Both have type "queue", component
// "cloud.google.com/go/pubsub.v2", messaging.system "googlepubsub",
// messaging.destination.name, messaging.message.id (the server's id, once
// published), gcloud.project_id, message_size and num_attributes. A
// publish span keeps the application's service; a receive span takes the
// tracer's, or [WithService]'s.
//
// [Publish] writes the trace context (Datadog's and W3C's) into the
// message's attributes, keeping an attribute the caller set (in any
// case): a message forwarded with its attributes keeps its trace. The
// span is finished when the result is ready, whether or not the caller
// waits on it. The receive span is a child of the publish span from the
// attributes, never of a span in Receive's context, and covers exactly
// the handler.
//
// # Settlement
//
// [Receive] hands each message to the [Handler] and settles it by the
// handler's error, as the shared consumer core (outcome.Consume) decides
// for every consumer of ddx:
//
//	nil                                       Ack    INFO
//	an expected kind (Invalid, NotFound,
//	Conflict, FailedPrecondition, ...)        Ack    WARN, no span error
//	Canceled while Receive's ctx is done      Nack   INFO, no span error
//	any other kind, or a panic (recovered)    Nack   ERROR, a span error
//
// The span's pubsub.ack tag says which, "ack" or "nack", and one line per
// message, "pubsub message", joined to the span, carries
// messaging.system, messaging.destination.name (the subscription),
// messaging.operation.name, messaging.message.id, pubsub.ack,
// pubsub.delivery_attempt and duration. Receive does not retry in the
// process: a nacked message comes back as the subscription's retry policy
// says, and goes to its dead-letter topic after its maximum delivery
// attempts.
//
// # Errors
//
// A publish's failure is recorded on its span by this table, whatever
// other classifier is linked:
//
//	NotFound (no such topic), PermissionDenied,
//	Unauthenticated, InvalidArgument             Internal: our configuration; it pages
//	Unavailable, ResourceExhausted, Aborted      Unavailable
//	pubsub.ErrOversizedMessage                   Internal
//	pubsub.ErrFlowControllerMaxOutstanding*      Unavailable
//	pubsub.ErrPublisherStopped                   Canceled when the caller's
//	                                             context is done, else Internal
//
// Linking the package also teaches errors.KindOf that table (a
// classifier registered in init), for a handler that returns a publish's
// error. It claims the Google Cloud client's errors (*apierror.APIError)
// only, never a plain gRPC client's status error. KindOf asks the
// innermost error first, the status error inside: when ddxgrpc is linked
// too, its table decides that one (a missing topic is NotFound, no page);
// to keep ours, return errors.E(op, errors.Internal, err).
//
// # Secrets
//
// No span and no line carries a message's data or an attribute's value:
// the propagators read only the trace context's attributes.
package ddxpubsub
