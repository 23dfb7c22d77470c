package ddx_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/internal/jsonbuf"
	"github.com/ddx-go/ddx/internal/redact"
	"github.com/ddx-go/ddx/outcome"
)

// Every name an access line carries takes the handler's short path, and the
// short path writes what the long one would: the key encoded as it is, never
// a secret by the default list, never renamed as a reserved key.
func TestKnownKeys(t *testing.T) {
	t.Parallel()
	names := []string{
		outcome.AttrHTTPMethod, outcome.AttrHTTPStatusCode, outcome.AttrHTTPURLPath, outcome.AttrHTTPRoute,
		outcome.AttrHTTPUserAgent, outcome.AttrHTTPRequestID, outcome.AttrClientIP, outcome.AttrDuration,
		"grpc.method", "grpc.code", "grpc.target", "job.name",
		outcome.AttrMessagingSystem, outcome.AttrMessagingDestination, outcome.AttrMessagingOperation,
		outcome.AttrMessagingMessageID,
		// ddxkafka's and ddxpubsub's line: modules of their own, which
		// this one cannot import, so their names are spelled out here.
		"messaging.kafka.partition", "messaging.kafka.offset", "messaging.kafka.consumer.group",
		"messaging.kafka.settlement", "messaging.kafka.attempts", "pubsub.ack", "pubsub.delivery_attempt",
	}
	for _, k := range names {
		enc, ok := ddx.KnownKey(k)
		if !ok {
			t.Errorf("knownKey(%q) is not known", k)
			continue
		}
		if want := string(jsonbuf.AppendKey(nil, k)); enc != want {
			t.Errorf("knownKey(%q) = %s, want %s", k, enc, want)
		}
		if redact.Key(k) {
			t.Errorf("%q is a secret by the default list: it cannot skip the matcher", k)
		}
		var buf bytes.Buffer
		slog.New(ddx.NewHandler(&buf, nil)).Info("m", k, 1)
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line[k] != 1.0 {
			t.Errorf("%q written as %s (%v)", k, buf.Bytes(), err)
		}
	}
	for _, k := range []string{"", "http.methods", "HTTP.METHOD", "duration ", "error", "password"} {
		if _, ok := ddx.KnownKey(k); ok {
			t.Errorf("knownKey(%q) is known", k)
		}
	}
}

// A handler with extra secret names asks the matcher for every key, known
// ones included.
func TestKnownKeysYieldToExtraSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(ddx.NewHandler(&buf, &ddx.HandlerOptions{RedactKeys: []string{"useragent"}}))
	l.Info("http request", outcome.AttrHTTPUserAgent, "curl/8.0", outcome.AttrHTTPMethod, "GET")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line[outcome.AttrHTTPUserAgent] != redact.Value || line[outcome.AttrHTTPMethod] != "GET" {
		t.Errorf("line = %s, want the user agent redacted and the method kept", buf.Bytes())
	}
}
