package ddx

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	slogmulti "github.com/samber/slog-multi"

	"github.com/ddx-go/ddx/internal/jsonbuf"
	"github.com/ddx-go/ddx/internal/redact"
)

// Keys of the built-in attributes: the names Datadog's log intake already
// takes as the official date, status and message of a JSON log, so that no
// pipeline rule is needed. "status" and "message" are Datadog's reserved
// attributes; "timestamp" heads the list of attributes the date remapper
// reads by default (docs.datadoghq.com/logs/log_configuration/processors/
// log_date_remapper). slog's own "time" is not on that list: with it,
// Datadog dates a line by its arrival.
const (
	keyTime    = "timestamp"
	keyLevel   = "status"
	keyMessage = "message"
	keySource  = "source"
	keyError   = "error"

	keyTraceID = "dd.trace_id"
	keySpanID  = "dd.span_id"
	keyService = "dd.service"
	keyEnv     = "dd.env"
	keyVersion = "dd.version"
	keyDD      = "dd" // the group the dd.* keys nest in
)

// HandlerOptions configures [NewHandler]. A nil *HandlerOptions means the
// zero value: level INFO, no source, no dd.service/dd.env/dd.version, the
// default redaction list. NewHandler copies the options; changing them
// afterwards has no effect, and NewHandler never writes to them.
type HandlerOptions struct {
	// Level is the minimum level logged; nil means slog.LevelInfo. Pass a
	// *slog.LevelVar to change it at run time.
	Level slog.Leveler

	// AddSource adds a "source" object (function, file, line) to each line.
	AddSource bool

	// Service, Env and Version are written as dd.service, dd.env and
	// dd.version on every line (Datadog's unified service tagging). An empty
	// value is taken from DD_SERVICE, DD_ENV or DD_VERSION, as the tracer
	// takes them, so that a handler built without [Start] still tags its
	// lines the way the tracer tags its spans; when that is empty too, the
	// key is left out.
	Service, Env, Version string

	// RedactKeys adds patterns to the built-in redaction list (password,
	// secret, token, api_key, authorization, cookie, session, ...). The
	// built-in list cannot be removed: secrets never reaching the logs is a
	// promise, not a default. Patterns match anywhere in a key, ignoring
	// case and the separators '_', '-', '.' and ' '; the value of a
	// matching attribute, or of a whole matching group, becomes
	// "[REDACTED]".
	RedactKeys []string

	// ReplaceAttr works as in slog.HandlerOptions: it is called for every
	// non-group attribute after redaction, with the groups it is in. The
	// built-ins are passed with slog's keys (slog.TimeKey, slog.LevelKey,
	// slog.MessageKey, slog.SourceKey); when the returned key is unchanged
	// the Datadog key (timestamp, status, message, source) is written. The
	// dd.* attributes are not passed to it. An error attribute is passed
	// before it is resolved, so that it is still an error.
	ReplaceAttr func(groups []string, a slog.Attr) slog.Attr
}

// NewHandler returns a slog.Handler that writes each record to w as one
// line of JSON in the shape Datadog's log pipeline expects:
//
//	{"timestamp":"2026-01-02T15:04:05.000Z","status":"INFO","message":"order paid",
//	 "dd.trace_id":"6789...","dd.span_id":"1234","dd.service":"shop","dd.env":"prod",
//	 "dd.version":"1.4.2","order":42}
//
// The timestamp is UTC with millisecond precision; status is the slog level
// name (INFO, WARN, ERROR, DEBUG, or ERROR+4 and the like), which Datadog
// maps by its first letters.
//
// When the record's context carries a dd-trace-go span, dd.trace_id and
// dd.span_id are written at the root of the object, even inside WithGroup,
// so Datadog joins the line to its trace. The trace id is the 128-bit id in
// 32 lowercase hex digits, or the low 64 bits in decimal when the
// environment variable DD_TRACE_128_BIT_TRACEID_LOGGING_ENABLED is false
// (read once, here); the span id is decimal.
//
// The first attribute whose value is an error (at the top level of the
// record or of WithAttrs) is written at the root as the "error" object
// Datadog's Error Tracking reads: kind (errors.KindOf), message (the whole
// chain), type (errors.TypeName) and stack (where the error was created,
// when it carries one), plus whatever else the error's LogValue adds.
// Other error values are written as the same kind of object at their own
// key.
//
// A root-level attribute named like a built-in (timestamp, status,
// message, dd.trace_id, dd.span_id, dd.service, dd.env, dd.version, or a
// group named dd) is written as fields.<key>, so that "status":200 cannot
// replace the line's status, nor a caller's dd.trace_id join the line to
// another trace. Attributes whose key looks like a secret are
// redacted, see [HandlerOptions.RedactKeys].
//
// Each record is written with a single Write call; handlers derived with
// WithAttrs and WithGroup share a lock, so w needs no locking of its own.
// Odd values never make it panic or drop a line: a panicking LogValue,
// Error or MarshalJSON method is reported in place of the value.
func NewHandler(w io.Writer, opts *HandlerOptions) slog.Handler {
	o := handlerOptions(opts)
	return slogmulti.Pipe(redactMiddleware(redact.New(o.RedactKeys...))).Handler(newJSONHandler(w, &o))
}

// handlerOptions copies opts, with the unified service tags that it leaves
// empty taken from the environment.
func handlerOptions(opts *HandlerOptions) HandlerOptions {
	var o HandlerOptions
	if opts != nil {
		o = *opts
	}
	for _, f := range [...]struct {
		v   *string
		env string
	}{{&o.Service, "DD_SERVICE"}, {&o.Env, "DD_ENV"}, {&o.Version, "DD_VERSION"}} {
		if *f.v == "" {
			*f.v = os.Getenv(f.env)
		}
	}
	return o
}

// jsonHandler is the core of NewHandler; redaction happens before it.
type jsonHandler struct {
	w         io.Writer
	mu        *sync.Mutex
	level     slog.Leveler
	addSource bool
	replace   func([]string, slog.Attr) slog.Attr
	trace128  bool

	// root holds pre-formatted root-level attributes without a leading
	// comma: dd.service/env/version, WithAttrs attributes given before any
	// WithGroup, and the error object claimed by a WithAttrs error.
	root    []byte
	rootErr bool // root has claimed the "error" key

	// nested holds WithAttrs attributes given inside groups, with nOpen
	// groups left open.
	nested []byte
	nOpen  int

	// pending opens the groups named by WithGroup after the last WithAttrs
	// that wrote something. It is written only when the record has an
	// attribute, so that empty groups never appear.
	pending  []byte
	nPending int

	groups []string // every group in effect, for ReplaceAttr
}

var _ slog.Handler = (*jsonHandler)(nil)

func newJSONHandler(w io.Writer, o *HandlerOptions) *jsonHandler {
	h := &jsonHandler{
		w:         w,
		mu:        new(sync.Mutex),
		level:     o.Level,
		addSource: o.AddSource,
		replace:   o.ReplaceAttr,
		trace128:  trace128FromEnv(),
	}
	if h.level == nil {
		h.level = slog.LevelInfo
	}
	for _, kv := range [...][2]string{{keyService, o.Service}, {keyEnv, o.Env}, {keyVersion, o.Version}} {
		if kv[1] != "" {
			h.root = appendSep(h.root)
			h.root = jsonbuf.AppendKey(h.root, kv[0])
			h.root = jsonbuf.AppendString(h.root, kv[1])
		}
	}
	return h
}

// trace128FromEnv reads DD_TRACE_128_BIT_TRACEID_LOGGING_ENABLED the way
// dd-trace-go does: true unless set to something strconv.ParseBool reads
// as false.
func trace128FromEnv() bool {
	if v, ok := os.LookupEnv("DD_TRACE_128_BIT_TRACEID_LOGGING_ENABLED"); ok {
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	return true
}

func (h *jsonHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *jsonHandler) clone() *jsonHandler {
	h2 := *h
	h2.root = clip(h.root)
	h2.nested = clip(h.nested)
	h2.pending = clip(h.pending)
	h2.groups = clip(h.groups)
	return &h2
}

// clip makes the next append to s copy, so that clones never share a
// backing array they write to.
func clip[S ~[]E, E any](s S) S { return s[:len(s):len(s)] }

func (h *jsonHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := h.clone()
	if len(h.groups) == 0 {
		name = unreserved(name) // a root group "dd" would read as dd.*
	}
	h2.pending = jsonbuf.AppendKey(h2.pending, name)
	h2.pending = append(h2.pending, '{')
	h2.nPending++
	h2.groups = append(h2.groups, name)
	return h2
}

func (h *jsonHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	h2 := h.clone()
	e := encoder{replace: h.replace, errTaken: h.rootErr}
	if h.replace != nil {
		e.groups = h2.groups
	}
	if len(h.groups) == 0 {
		e.buf = h2.root
		for _, a := range as {
			e.attr(a, true)
		}
		h2.root, h2.rootErr = e.buf, e.errTaken
		return h2
	}
	// Inside groups: the first error still goes to the root.
	skip := -1
	if !e.errTaken {
		for i, a := range as {
			if _, ok := errorOf(a.Value); ok {
				e.buf = h2.root
				e.attr(a, true)
				skip = i
				h2.root, h2.rootErr = e.buf, e.errTaken
				break
			}
		}
	}
	e.buf = h2.nested
	if len(h2.pending) > 0 {
		e.buf = appendSep(e.buf)
		e.buf = append(e.buf, h2.pending...)
	}
	mark := len(e.buf)
	for i, a := range as {
		if i != skip {
			e.attr(a, false)
		}
	}
	if len(e.buf) > mark {
		h2.nested = e.buf
		h2.nOpen += h2.nPending
		h2.pending, h2.nPending = nil, 0
	}
	return h2
}

func (h *jsonHandler) Handle(ctx context.Context, r slog.Record) error {
	bp := jsonbuf.Get()
	e := encoder{replace: h.replace, buf: append(*bp, '{'), errTaken: h.rootErr}
	if h.replace != nil {
		e.groups = clip(h.groups)
		e.builtinsReplaced(r, h.addSource)
	} else {
		if !r.Time.IsZero() {
			e.buf = append(e.buf, `"`+keyTime+`":`...)
			e.buf = jsonbuf.AppendTime(e.buf, r.Time)
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, `"`+keyLevel+`":`...)
		e.buf = appendLevel(e.buf, r.Level)
		e.buf = append(e.buf, `,"`+keyMessage+`":`...)
		e.buf = jsonbuf.AppendString(e.buf, r.Message)
		if h.addSource {
			e.attr(slog.Any(keySource, r.Source()), false)
		}
	}
	e.buf = h.appendTrace(e.buf, ctx)
	if len(h.root) > 0 {
		e.buf = appendSep(e.buf)
		e.buf = append(e.buf, h.root...)
	}
	grouped := len(h.nested) > 0 || len(h.pending) > 0
	if len(h.nested) > 0 {
		e.buf = appendSep(e.buf)
		e.buf = append(e.buf, h.nested...)
	}
	closing, rootErr := h.nOpen, -1
	if r.NumAttrs() > 0 {
		mark := len(e.buf)
		if len(h.pending) > 0 {
			e.buf = appendSep(e.buf)
			e.buf = append(e.buf, h.pending...)
		}
		wrote, i := false, 0
		r.Attrs(func(a slog.Attr) bool {
			if grouped && rootErr < 0 && !e.errTaken {
				// The record's first error goes to the root, after
				// the groups close.
				if _, ok := errorOf(a.Value); ok {
					rootErr = i
					i++
					return true
				}
			}
			if e.attr(a, !grouped) {
				wrote = true
			}
			i++
			return true
		})
		if wrote {
			closing += h.nPending
		} else {
			e.buf = e.buf[:mark]
		}
	}
	for range closing {
		e.buf = append(e.buf, '}')
	}
	if rootErr >= 0 {
		i := 0
		r.Attrs(func(a slog.Attr) bool {
			if i == rootErr {
				e.attr(a, true)
				return false
			}
			i++
			return true
		})
	}
	e.buf = append(e.buf, '}', '\n')

	h.mu.Lock()
	_, err := h.w.Write(e.buf)
	h.mu.Unlock()
	*bp = e.buf
	jsonbuf.Free(bp)
	return err
}

// appendTrace appends dd.trace_id and dd.span_id when ctx carries a span.
func (h *jsonHandler) appendTrace(b []byte, ctx context.Context) []byte {
	span, ok := tracer.SpanFromContext(ctx) // nil-safe
	if !ok {
		return b
	}
	sc := span.Context()
	id := sc.TraceIDBytes()
	if id == ([16]byte{}) {
		return b
	}
	b = append(b, `,"`+keyTraceID+`":"`...)
	if h.trace128 {
		b = jsonbuf.AppendHex(b, id[:])
	} else {
		b = strconv.AppendUint(b, sc.TraceIDLower(), 10)
	}
	b = append(b, `","`+keySpanID+`":"`...)
	b = strconv.AppendUint(b, sc.SpanID(), 10)
	return append(b, '"')
}

// builtinsReplaced writes the built-in attributes through ReplaceAttr.
func (e *encoder) builtinsReplaced(r slog.Record, addSource bool) {
	groups := e.groups
	e.groups = nil // built-ins are not in a group
	if !r.Time.IsZero() {
		e.builtin(slog.Time(slog.TimeKey, r.Time.Round(0)), slog.TimeKey, keyTime)
	}
	e.builtin(slog.Any(slog.LevelKey, r.Level), slog.LevelKey, keyLevel)
	e.builtin(slog.String(slog.MessageKey, r.Message), slog.MessageKey, keyMessage)
	if addSource {
		e.builtin(slog.Any(slog.SourceKey, r.Source()), slog.SourceKey, keySource)
	}
	e.groups = groups
}

func (e *encoder) builtin(a slog.Attr, slogKey, ddKey string) {
	a = e.replace(nil, a)
	if a.Key == slogKey {
		a.Key = ddKey
	}
	v := a.Value.Resolve()
	switch {
	case a.Key == ddKey && slogKey == slog.TimeKey && v.Kind() == slog.KindTime:
		e.buf = appendSep(e.buf)
		e.buf = jsonbuf.AppendKey(e.buf, a.Key)
		e.buf = jsonbuf.AppendTime(e.buf, v.Time())
	case v.Kind() == slog.KindAny && isLevel(v.Any()):
		e.buf = appendSep(e.buf)
		e.buf = jsonbuf.AppendKey(e.buf, a.Key)
		e.buf = appendLevel(e.buf, v.Any().(slog.Level))
	default:
		// ReplaceAttr has had its say: do not call it a second time.
		replace := e.replace
		e.replace = nil
		e.attr(slog.Attr{Key: a.Key, Value: v}, false)
		e.replace = replace
	}
}
