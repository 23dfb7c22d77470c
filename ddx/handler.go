package ddx

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

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
	return newHandler(w, &o, false)
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

// handler is the one core of NewHandler (JSON, for Datadog) and of the
// text handler Start installs for a person at a terminal, in the way
// log/slog builds its JSON and text handlers on one commonHandler: the
// options, the lock, the groups, redaction and the pre-formatted
// attributes are shared; only the encoding differs (handler_json.go,
// handler_text.go). Redaction happens while attributes are encoded, so
// a record costs one pass over its attributes.
type handler struct {
	w         io.Writer
	mu        *sync.Mutex
	level     slog.Leveler
	addSource bool
	replace   func([]string, slog.Attr) slog.Attr
	trace128  bool
	secrets   *redact.Matcher
	text      bool // key=value lines for people instead of JSON

	groups   []string // every group in effect, for ReplaceAttr
	secret   bool     // a group in effect is named like a secret: redact every value
	errTaken bool     // WithAttrs claimed the root error

	// root holds pre-formatted attributes. JSON: the root-level ones
	// without a leading comma (dd.service/env/version, WithAttrs
	// attributes given before any WithGroup, the error object claimed by
	// a WithAttrs error). Text: every WithAttrs pair, each with a leading
	// space.
	root []byte

	// JSON only. nested holds WithAttrs attributes given inside groups,
	// with nOpen groups left open. pending opens the groups named by
	// WithGroup after the last WithAttrs that wrote something; it is
	// written only when the record has an attribute, so that empty groups
	// never appear.
	nested   []byte
	nOpen    int
	pending  []byte
	nPending int

	// Text only: "G.H." for the groups in effect, and the stack of an
	// error claimed by WithAttrs, written on the lines after the record.
	prefix string
	stack  string
}

var _ slog.Handler = (*handler)(nil)

func newHandler(w io.Writer, o *HandlerOptions, text bool) *handler {
	h := &handler{
		w:         w,
		mu:        new(sync.Mutex),
		level:     o.Level,
		addSource: o.AddSource,
		replace:   o.ReplaceAttr,
		trace128:  trace128FromEnv(),
		secrets:   redact.New(o.RedactKeys...),
		text:      text,
	}
	if h.level == nil {
		h.level = slog.LevelInfo
	}
	if !text { // a terminal's lines leave out what never changes there
		for _, kv := range [...][2]string{{keyService, o.Service}, {keyEnv, o.Env}, {keyVersion, o.Version}} {
			if kv[1] != "" {
				h.root = appendSep(h.root)
				h.root = jsonbuf.AppendKey(h.root, kv[0])
				h.root = jsonbuf.AppendString(h.root, kv[1])
			}
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

func (h *handler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *handler) clone() *handler {
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

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := h.clone()
	h2.secret = h.secret || h.secrets.Match(name)
	if h.text {
		h2.prefix = h.prefix + name + "."
	} else {
		if len(h.groups) == 0 {
			name = unreserved(name) // a root group "dd" would read as dd.*
		}
		h2.pending = jsonbuf.AppendKey(h2.pending, name)
		h2.pending = append(h2.pending, '{')
		h2.nPending++
	}
	h2.groups = append(h2.groups, name)
	return h2
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	h2 := h.clone()
	if h.text {
		h2.withAttrsText(as)
	} else {
		h2.withAttrsJSON(as)
	}
	return h2
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	bp := jsonbuf.Get()
	if h.text {
		*bp = h.appendText(*bp, ctx, r)
	} else {
		*bp = h.appendJSON(*bp, ctx, r)
	}
	h.mu.Lock()
	_, err := h.w.Write(*bp)
	h.mu.Unlock()
	jsonbuf.Free(bp)
	return err
}

// attrState starts the attribute state of one record or WithAttrs call.
func (h *handler) attrState() attrState {
	s := attrState{replace: h.replace, secrets: h.secrets, secret: h.secret, errTaken: h.errTaken}
	if h.replace != nil {
		s.groups = clip(h.groups)
	}
	return s
}

// appendTraceID appends dd.trace_id and dd.span_id when ctx carries a
// span: the trace id is the 128-bit id in hex, or its low 64 bits in
// decimal when 128-bit logging is off.
func (h *handler) appendTraceID(b []byte, ctx context.Context) []byte {
	span, ok := tracer.SpanFromContext(ctx) // nil-safe
	if !ok {
		return b
	}
	sc := span.Context()
	id := sc.TraceIDBytes()
	if id == ([16]byte{}) {
		return b
	}
	if h.text {
		b = append(b, " "+keyTraceID+"="...)
	} else {
		b = append(b, `,"`+keyTraceID+`":"`...)
	}
	if h.trace128 {
		b = jsonbuf.AppendHex(b, id[:])
	} else {
		b = strconv.AppendUint(b, sc.TraceIDLower(), 10)
	}
	if h.text {
		b = append(b, " "+keySpanID+"="...)
	} else {
		b = append(b, `","`+keySpanID+`":"`...)
	}
	b = strconv.AppendUint(b, sc.SpanID(), 10)
	if !h.text {
		b = append(b, '"')
	}
	return b
}
