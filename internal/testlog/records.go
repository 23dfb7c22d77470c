package testlog

import (
	"context"
	"log/slog"
	"sync"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
)

// Record is one captured log record, flattened: its attributes (those of
// the logger's With first) by key, and the span of its context.
type Record struct {
	Level   slog.Level
	Message string
	Attrs   map[string]slog.Value
	SpanID  uint64 // of the span in the record's context, 0 without one
	TraceID string
}

// Records is a slog.Handler that keeps every record as it was logged, typed
// values and errors included, before any encoding: for tests of what a
// middleware logs rather than of the bytes a handler writes (Buffer). It is
// safe for concurrent use; the zero value is ready. Loggers made from it
// with With share its records.
type Records struct {
	mu    sync.Mutex
	lines []Record
}

func (r *Records) Enabled(context.Context, slog.Level) bool { return true }

func (r *Records) Handle(ctx context.Context, rec slog.Record) error { return r.handle(ctx, rec, nil) }

func (r *Records) WithAttrs(as []slog.Attr) slog.Handler {
	return &recordsWith{root: r, attrs: append([]slog.Attr(nil), as...)}
}

func (r *Records) WithGroup(string) slog.Handler { return r }

// Lines returns the records kept so far.
func (r *Records) Lines() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Record(nil), r.lines...)
}

// Reset forgets the records kept so far.
func (r *Records) Reset() {
	r.mu.Lock()
	r.lines = nil
	r.mu.Unlock()
}

func (r *Records) handle(ctx context.Context, rec slog.Record, with []slog.Attr) error {
	l := Record{Level: rec.Level, Message: rec.Message, Attrs: map[string]slog.Value{}}
	for _, a := range with {
		l.Attrs[a.Key] = a.Value
	}
	rec.Attrs(func(a slog.Attr) bool {
		l.Attrs[a.Key] = a.Value
		return true
	})
	if s, ok := tracer.SpanFromContext(ctx); ok {
		l.SpanID = s.Context().SpanID()
		l.TraceID = s.Context().TraceID()
	}
	r.mu.Lock()
	r.lines = append(r.lines, l)
	r.mu.Unlock()
	return nil
}

// recordsWith is a Records after With: same records, more attributes.
type recordsWith struct {
	root  *Records
	attrs []slog.Attr
}

func (w *recordsWith) Enabled(context.Context, slog.Level) bool { return true }

func (w *recordsWith) Handle(ctx context.Context, rec slog.Record) error {
	return w.root.handle(ctx, rec, w.attrs)
}

func (w *recordsWith) WithAttrs(as []slog.Attr) slog.Handler {
	return &recordsWith{root: w.root, attrs: append(append([]slog.Attr(nil), w.attrs...), as...)}
}

func (w *recordsWith) WithGroup(string) slog.Handler { return w }
