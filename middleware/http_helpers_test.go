package middleware_test

import (
	"context"
	"log/slog"
	"sync"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
)

// httpLine is one captured log record, flattened.
type httpLine struct {
	Level   slog.Level
	Message string
	Attrs   map[string]slog.Value
	SpanID  uint64 // of the span in the record's context, 0 without one
	TraceID string
}

// httpLogs is a slog.Handler that keeps every record, with the span of its
// context, so tests can check levels, attributes and correlation.
type httpLogs struct {
	mu    sync.Mutex
	lines []httpLine
	attrs []slog.Attr
}

func (h *httpLogs) Enabled(context.Context, slog.Level) bool { return true }

func (h *httpLogs) Handle(ctx context.Context, r slog.Record) error {
	l := httpLine{Level: r.Level, Message: r.Message, Attrs: map[string]slog.Value{}}
	for _, a := range h.attrs {
		l.Attrs[a.Key] = a.Value
	}
	r.Attrs(func(a slog.Attr) bool {
		l.Attrs[a.Key] = a.Value
		return true
	})
	if s, ok := tracer.SpanFromContext(ctx); ok {
		l.SpanID = s.Context().SpanID()
		l.TraceID = s.Context().TraceID()
	}
	h.mu.Lock()
	h.lines = append(h.lines, l)
	h.mu.Unlock()
	return nil
}

func (h *httpLogs) WithAttrs(as []slog.Attr) slog.Handler {
	return &httpLogs{attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *httpLogs) WithGroup(string) slog.Handler { return h }

func (h *httpLogs) Lines() []httpLine {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]httpLine(nil), h.lines...)
}

func (h *httpLogs) Reset() {
	h.mu.Lock()
	h.lines = nil
	h.mu.Unlock()
}
