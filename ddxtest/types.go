package ddxtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/internal/tracepayload"
)

// Span is a span as the Datadog Agent received it from the tracer.
type Span struct {
	Name     string // operation name, such as "http.request"
	Service  string
	Resource string // such as "GET /users/{id}"
	Type     string // such as "web", "http", "worker"

	// TraceID is the 128-bit trace id in 32 lowercase hex digits: the value
	// ddx writes to a log line's dd.trace_id.
	TraceID  string
	SpanID   uint64
	ParentID uint64 // 0 for a trace's root

	Start    time.Time
	Duration time.Duration

	// Error is the span's error flag: what Datadog counts in error rates.
	Error bool

	// Meta holds the string tags (http.status_code, error.kind,
	// error.message, ...), Metrics the numeric ones.
	Meta    map[string]string
	Metrics map[string]float64
}

func spanOf(s tracepayload.Span) Span {
	return Span{
		Name: s.Name, Service: s.Service, Resource: s.Resource, Type: s.Type,
		TraceID: s.TraceID128(), SpanID: s.SpanID, ParentID: s.ParentID,
		Start: time.Unix(0, s.Start), Duration: time.Duration(s.Duration),
		// Copies: a test that edits a span must not edit what the Agent holds.
		Error: s.Error != 0, Meta: maps.Clone(s.Meta), Metrics: maps.Clone(s.Metrics),
	}
}

// String describes the span on one line, as failure messages list it.
func (s Span) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q service=%s error=%t", s.Name, s.Resource, s.Service, s.Error)
	for _, k := range []string{attr.HTTPStatusCode, attr.GRPCCode, attr.ErrorKind, "error.type", attr.ErrorMessage} {
		if v, ok := s.Meta[k]; ok {
			fmt.Fprintf(&b, " %s=%s", k, clip(v, 80))
		}
	}
	fmt.Fprintf(&b, " trace=%s span=%d", s.TraceID, s.SpanID)
	return b.String()
}

// Log is one log line, parsed from its JSON object. JSON numbers are
// float64, as encoding/json decodes them into an any.
type Log map[string]any

// Level is the line's status: DEBUG, INFO, WARN or ERROR.
func (l Log) Level() string { return l.str("status") }

// Message is the line's message.
func (l Log) Message() string { return l.str("message") }

// TraceID is the line's dd.trace_id: the trace of the context it was logged
// with, "" without one.
func (l Log) TraceID() string { return l.str("dd.trace_id") }

// SpanID is the line's dd.span_id, in decimal.
func (l Log) SpanID() string { return l.str("dd.span_id") }

func (l Log) str(key string) string {
	s, _ := l[key].(string)
	return s
}

// Value looks an attribute up by its key or by a dotted path into nested
// objects: Value("error.kind") finds "kind" in the "error" object, and
// Value("http.status_code") the top-level key of that name.
func (l Log) Value(path string) (any, bool) {
	return lookup(map[string]any(l), path)
}

func lookup(m map[string]any, path string) (any, bool) {
	if v, ok := m[path]; ok {
		return v, true
	}
	// Try every split of the path at a dot: keys themselves contain dots.
	for i := 0; i < len(path); i++ {
		if path[i] != '.' {
			continue
		}
		if sub, ok := m[path[:i]].(map[string]any); ok {
			if v, ok := lookup(sub, path[i+1:]); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// String is the line as compact JSON with sorted keys.
func (l Log) String() string {
	b, err := json.Marshal(map[string]any(l))
	if err != nil {
		return fmt.Sprint(map[string]any(l))
	}
	return string(b)
}

// text is how Attr compares values: the JSON float 42 and the int 42 are
// both "42".
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32)
	case nil:
		return "null"
	case map[string]any, []any:
		b, _ := json.Marshal(v)
		return string(b)
	default:
		return fmt.Sprint(v)
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
