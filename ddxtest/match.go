package ddxtest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ddx-go/ddx/attr"
)

// A Matcher is one condition on a span or a log line, for
// [Recorder.RequireSpan], [Recorder.RequireLog] and their kin. Some apply to
// both (TraceID, Kind, Attr, HTTPStatus, Service), some to spans only
// (Name, Resource, IsError, ChildOf) or to log lines only (Level, Message,
// InSpan); using one where it does not apply fails the test with a message
// saying so. Build Matchers with the functions of this package.
type Matcher struct {
	desc string
	span func(Span) bool // nil: does not apply to spans
	log  func(Log) bool  // nil: does not apply to log lines
}

// String is the matcher as it was written, such as Resource("GET /x").
func (m Matcher) String() string { return m.desc }

func spanMatcher(desc string, f func(Span) bool) Matcher { return Matcher{desc: desc, span: f} }
func logMatcher(desc string, f func(Log) bool) Matcher   { return Matcher{desc: desc, log: f} }

// Name matches spans whose operation name is name, such as "http.request".
func Name(name string) Matcher {
	return spanMatcher(fmt.Sprintf("Name(%q)", name), func(s Span) bool { return s.Name == name })
}

// Resource matches spans whose resource is resource, such as
// "GET /users/{id}".
func Resource(resource string) Matcher {
	return spanMatcher(fmt.Sprintf("Resource(%q)", resource), func(s Span) bool { return s.Resource == resource })
}

// IsError matches spans flagged as errors: those Datadog counts in error
// rates.
func IsError() Matcher {
	return spanMatcher("IsError()", func(s Span) bool { return s.Error })
}

// ChildOf matches spans whose parent is parent.
func ChildOf(parent Span) Matcher {
	return spanMatcher(fmt.Sprintf("ChildOf(%s %d)", parent.Name, parent.SpanID), func(s Span) bool {
		return s.TraceID == parent.TraceID && s.ParentID == parent.SpanID
	})
}

// Service matches spans of the service and log lines whose dd.service is
// service.
func Service(service string) Matcher {
	return Matcher{
		desc: fmt.Sprintf("Service(%q)", service),
		span: func(s Span) bool { return s.Service == service },
		log:  func(l Log) bool { return l.str("dd.service") == service },
	}
}

// Level matches log lines whose status is level: "DEBUG", "INFO", "WARN" or
// "ERROR" (any case).
func Level(level string) Matcher {
	return logMatcher(fmt.Sprintf("Level(%q)", level), func(l Log) bool { return strings.EqualFold(l.Level(), level) })
}

// Message matches log lines whose message is msg exactly.
func Message(msg string) Matcher {
	return logMatcher(fmt.Sprintf("Message(%q)", msg), func(l Log) bool { return l.Message() == msg })
}

// MessageContains matches log lines whose message contains substr.
func MessageContains(substr string) Matcher {
	return logMatcher(fmt.Sprintf("MessageContains(%q)", substr), func(l Log) bool { return strings.Contains(l.Message(), substr) })
}

// InSpan matches log lines written with the context of span s: their
// dd.trace_id and dd.span_id are s's. This is the join Datadog makes
// between a trace and its logs.
func InSpan(s Span) Matcher {
	sid := strconv.FormatUint(s.SpanID, 10)
	return logMatcher(fmt.Sprintf("InSpan(%s %d)", s.Name, s.SpanID), func(l Log) bool {
		return l.TraceID() == s.TraceID && l.SpanID() == sid
	})
}

// TraceID matches spans of the trace id and log lines whose dd.trace_id is
// id (32 hex digits, as [Span.TraceID]):
//
//	span := rec.RequireSpan(t, ddxtest.Resource("GET /users/{id}"))
//	rec.RequireLog(t, ddxtest.Level("ERROR"), ddxtest.TraceID(span.TraceID))
func TraceID(id string) Matcher {
	return Matcher{
		desc: fmt.Sprintf("TraceID(%q)", id),
		span: func(s Span) bool { return s.TraceID == id },
		log:  func(l Log) bool { return l.TraceID() == id },
	}
}

// Kind matches the errors package's Kind, by name ("Unavailable",
// "NotFound", ...): a span's error.kind tag or a log line's error.kind.
func Kind(kind string) Matcher {
	return Matcher{
		desc: fmt.Sprintf("Kind(%q)", kind),
		span: func(s Span) bool { return s.Meta[attr.ErrorKind] == kind },
		log: func(l Log) bool {
			v, ok := l.Value(attr.ErrorKind)
			return ok && text(v) == kind
		},
	}
}

// HTTPStatus matches spans and log lines whose http.status_code is code.
func HTTPStatus(code int) Matcher {
	return Attr(attr.HTTPStatusCode, code)
}

// Attr matches spans with the tag key (a string tag, or a numeric one) and
// log lines with the attribute key (a top-level key, or a dotted path into
// nested objects, see [Log.Value]) whose value is value. Values are
// compared as text, so Attr("order_id", 42) matches the JSON number 42 and
// the tag "42".
func Attr(key string, value any) Matcher {
	want := text(value)
	return Matcher{
		desc: fmt.Sprintf("Attr(%q, %#v)", key, value),
		span: func(s Span) bool {
			if v, ok := s.Meta[key]; ok {
				return v == want
			}
			if v, ok := s.Metrics[key]; ok {
				return text(v) == want
			}
			return false
		},
		log: func(l Log) bool {
			v, ok := l.Value(key)
			return ok && text(v) == want
		},
	}
}

// HasAttr matches spans with the tag key and log lines with the attribute
// key, whatever the value.
func HasAttr(key string) Matcher {
	return Matcher{
		desc: fmt.Sprintf("HasAttr(%q)", key),
		span: func(s Span) bool {
			_, m := s.Meta[key]
			_, n := s.Metrics[key]
			return m || n
		},
		log: func(l Log) bool { _, ok := l.Value(key); return ok },
	}
}

// Not matches what m does not match. It applies where m does.
func Not(m Matcher) Matcher {
	n := Matcher{desc: "Not(" + m.desc + ")"}
	if m.span != nil {
		n.span = func(s Span) bool { return !m.span(s) }
	}
	if m.log != nil {
		n.log = func(l Log) bool { return !m.log(l) }
	}
	return n
}

// SpanFunc matches spans for which f returns true; desc names the condition
// in failure messages.
func SpanFunc(desc string, f func(Span) bool) Matcher {
	if f == nil {
		return Matcher{desc: "SpanFunc(" + desc + ", nil)"}
	}
	return spanMatcher(desc, f)
}

// LogFunc matches log lines for which f returns true; desc names the
// condition in failure messages.
func LogFunc(desc string, f func(Log) bool) Matcher {
	if f == nil {
		return Matcher{desc: "LogFunc(" + desc + ", nil)"}
	}
	return logMatcher(desc, f)
}

// Matches reports whether s meets every matcher. A matcher that does not
// apply to spans does not match.
func (s Span) Matches(ms ...Matcher) bool {
	_, ok := firstFailSpan(s, ms)
	return ok
}

// Matches reports whether l meets every matcher. A matcher that does not
// apply to log lines does not match.
func (l Log) Matches(ms ...Matcher) bool {
	_, ok := firstFailLog(l, ms)
	return ok
}

func firstFailSpan(s Span, ms []Matcher) (Matcher, bool) {
	for _, m := range ms {
		if m.span == nil || !m.span(s) {
			return m, false
		}
	}
	return Matcher{}, true
}

func firstFailLog(l Log, ms []Matcher) (Matcher, bool) {
	for _, m := range ms {
		if m.log == nil || !m.log(l) {
			return m, false
		}
	}
	return Matcher{}, true
}

// misuse names the matchers that do not apply to what is being matched.
func misuse(ms []Matcher, spans bool) string {
	var bad []string
	for _, m := range ms {
		switch {
		case m.span == nil && m.log == nil:
			bad = append(bad, fmt.Sprintf("%q (a zero or nil-func Matcher)", m.desc))
		case spans && m.span == nil:
			bad = append(bad, m.desc+" applies to log lines, not spans")
		case !spans && m.log == nil:
			bad = append(bad, m.desc+" applies to spans, not log lines")
		}
	}
	return strings.Join(bad, "; ")
}

func describe(ms []Matcher) string {
	if len(ms) == 0 {
		return "(any)"
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.desc
	}
	return strings.Join(parts, ", ")
}
