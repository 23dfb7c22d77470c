// Package ddxpubsub traces Google Cloud Pub/Sub (cloud.google.com/go/pubsub/v2)
// with ddx's rules.
package ddxpubsub
