package ddx

import (
	"context"
	"hash/maphash"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/jsonbuf"
)

// Repeated-failure suppression. When a dependency is down every request
// fails the same way; at 1,000 requests a second that is 1,000 identical
// ERROR lines with a stack each, which cost money and bury the one line
// that says something new. The logger Start installs writes the first
// sampleBurst records of one failure per second, counts the rest, and
// writes one summary line per failure and second with the count and one
// trace id to open.
//
// A failure is a record at WARN or above, or an access line (one with
// http.status_code or grpc.code) that carries an error. Its key is the
// level, the message, the error's kind and operation and, for access lines,
// the route and status. Records below WARN that are not failing access
// lines are never counted, and the first occurrences of a key are always
// written.
const (
	// sampleBurst is how many records of one key are written per window.
	// zap's production default writes 100 per message per second, for
	// every level; a failure repeated identically needs far fewer: the
	// first lines show it, Error Tracking needs one, and the summary gives
	// the count. Ten keeps a burst visible without the flood.
	sampleBurst = 10
	// sampleWindow is the period a burst is counted in, and the summary
	// interval.
	sampleWindow = time.Second
	// sampleMaxKeys bounds the keys remembered per shard; records with new
	// keys beyond it are written, never dropped.
	sampleMaxKeys = 1024
	sampleShards  = 16
)

// Attribute keys the sampler reads to tell access lines and their route.
const (
	attrHTTPStatus = "http.status_code"
	attrHTTPRoute  = "http.route"
	attrGRPCCode   = "grpc.code"
	attrGRPCMethod = "grpc.method"
)

// sampler is the shared state of a sampling handler and its clones.
type sampler struct {
	seed   maphash.Seed
	shards [sampleShards]sampleShard
	now    func() time.Time // nil: the record's time, else time.Now; tests move it
	tick   time.Duration    // how often summaries are written
	out    slog.Handler     // where summaries go: the unsampled handler
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

type sampleShard struct {
	mu   sync.Mutex
	keys map[uint64]*sampleEntry
}

// sampleEntry is one key's count in the current window.
type sampleEntry struct {
	window     int64 // the window's start, Unix nanoseconds
	written    int
	suppressed int
	last       int64 // the last record's time, for forgetting idle keys

	// What the summary says about the key, taken from its first record.
	level  slog.Level
	msg    string
	kind   string
	op     string
	route  string
	status string
	// trace is a suppressed record's trace id, 16 zero bytes when none.
	trace [16]byte
}

// newSampler starts the goroutine that writes the summaries to out; stop it
// with close.
func newSampler(out slog.Handler) *sampler { return newSamplerClock(out, nil, sampleWindow) }

// newSamplerClock is newSampler with a clock and a summary interval of the
// caller's, for tests. A nil clock means the records' own times (reading
// the clock again costs as much as the rest of the sampling).
func newSamplerClock(out slog.Handler, now func() time.Time, tick time.Duration) *sampler {
	s := &sampler{seed: maphash.MakeSeed(), now: now, out: out, tick: tick,
		stop: make(chan struct{}), done: make(chan struct{})}
	for i := range s.shards {
		s.shards[i].keys = make(map[uint64]*sampleEntry)
	}
	go s.loop()
	return s
}

func (s *sampler) loop() {
	defer close(s.done)
	t := time.NewTicker(s.tick)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.flush()
		case <-s.stop:
			s.flush()
			return
		}
	}
}

// close writes the last summaries and stops the goroutine. Safe to call
// more than once.
func (s *sampler) close() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}

// handler returns h with sampling in front of it.
func (s *sampler) handler(h slog.Handler) slog.Handler { return &samplingHandler{s: s, next: h} }

// samplingHandler counts failures before its next handler sees them.
type samplingHandler struct {
	s    *sampler
	next slog.Handler
}

var _ slog.Handler = (*samplingHandler)(nil)

func (h *samplingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *samplingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	return &samplingHandler{s: h.s, next: h.next.WithAttrs(as)}
}

func (h *samplingHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &samplingHandler{s: h.s, next: h.next.WithGroup(name)}
}

func (h *samplingHandler) Handle(ctx context.Context, r slog.Record) error {
	if !h.s.admit(ctx, &r) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

// failure is what the key of a record is made of.
type failure struct {
	err    error
	route  string
	status slog.Value
	access bool
}

// admit reports whether r is to be written, counting it if not.
func (s *sampler) admit(ctx context.Context, r *slog.Record) bool {
	if r.NumAttrs() == 0 && r.Level < slog.LevelWarn {
		return true
	}
	var f failure
	f.read(r)
	if r.Level < slog.LevelWarn && (!f.access || f.err == nil) {
		return true
	}
	kind, op := failureOf(f.err)

	key := s.key(r.Level, r.Message, kind, op, f.route, f.status)

	now := s.clock(r.Time).UnixNano()
	sh := &s.shards[key%sampleShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.keys[key]
	if e == nil {
		if len(sh.keys) >= sampleMaxKeys {
			return true // never lose a distinct record for want of room
		}
		e = &sampleEntry{level: r.Level, msg: r.Message, kind: kind, op: op, route: f.route,
			status: string(appendStatus(nil, f.status))}
		sh.keys[key] = e
	}
	e.last = now
	if now-e.window >= int64(sampleWindow) {
		e.window, e.written = now, 0
	}
	if e.written < sampleBurst {
		e.written++
		return true
	}
	e.suppressed++
	if e.trace == ([16]byte{}) {
		if span, ok := tracer.SpanFromContext(ctx); ok {
			e.trace = span.Context().TraceIDBytes()
		}
	}
	return false
}

// read finds in r the attributes a key is made of. With classifying the
// error, it is the part of admit any sampler keyed on the error and the
// status pays: slog lets a handler read a record's attributes only by
// visiting each.
func (f *failure) read(r *slog.Record) {
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case keyError:
			if err, ok := errorOf(a.Value); ok {
				f.err = err
			}
		case attrHTTPStatus, attrGRPCCode:
			f.status, f.access = a.Value, true
		case attrHTTPRoute, attrGRPCMethod:
			if a.Value.Kind() == slog.KindString {
				f.route = a.Value.String()
			}
		}
		return true
	})
}

// key hashes what makes two failures the same; it does not allocate.
func (s *sampler) key(level slog.Level, msg, kind, op, route string, status slog.Value) uint64 {
	const prime = 1099511628211 // FNV's, to mix the parts' hashes in order
	h := uint64(level) + 1
	for _, part := range [...]string{msg, kind, op, route} {
		h = (h ^ maphash.String(s.seed, part)) * prime
	}
	switch status.Kind() {
	case slog.KindInt64:
		h = (h ^ uint64(status.Int64())) * prime
	case slog.KindUint64:
		h = (h ^ status.Uint64()) * prime
	case slog.KindString:
		h = (h ^ maphash.String(s.seed, status.String())) * prime
	}
	return h
}

// clock returns the time to count a record at: t, the record's time,
// unless a test set a clock.
func (s *sampler) clock(t time.Time) time.Time {
	if s.now != nil {
		return s.now()
	}
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// failureOf names an error's kind and operation for a key; it never
// panics, whatever the error's methods do.
func failureOf(err error) (kind, op string) {
	if err == nil {
		return "", ""
	}
	defer func() {
		if recover() != nil {
			kind, op = "", ""
		}
	}()
	return errors.KindOf(err).String(), string(opOf(err))
}

// opOf is the operation of the outermost *errors.Error in err's chain.
func opOf(err error) errors.Op {
	for depth := 0; err != nil && depth < 64; depth++ {
		if e, ok := err.(*errors.Error); ok && e != nil && e.Op != "" {
			return e.Op
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return ""
		}
		err = u.Unwrap()
	}
	return ""
}

// appendStatus appends a status value (an int for HTTP, a name for gRPC)
// without allocating.
func appendStatus(b []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindString:
		return append(b, v.String()...)
	}
	return b
}

// summaryMessage is the message of the line that counts suppressed records.
const summaryMessage = "ddx: repeated log lines suppressed"

// flush writes one summary per key that suppressed records since the last
// flush, and forgets keys idle for a minute. It runs every interval, so
// during an outage a summary comes every interval with that interval's
// count: waiting for the key's burst window to end would wait for the end
// of the outage, since every new record starts a new window (issue 21,
// item 11), and a crash would lose the whole outage's count. close runs
// it a last time.
func (s *sampler) flush() {
	now := s.clock(time.Time{}).UnixNano()
	type summary struct {
		e     sampleEntry
		count int
	}
	var out []summary
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for k, e := range sh.keys {
			if e.suppressed > 0 {
				out = append(out, summary{*e, e.suppressed})
				e.suppressed, e.trace = 0, [16]byte{}
			}
			if e.suppressed == 0 && now-e.last >= int64(time.Minute) {
				delete(sh.keys, k)
			}
		}
		sh.mu.Unlock()
	}
	for _, sm := range out {
		s.writeSummary(sm.e, sm.count)
	}
}

func (s *sampler) writeSummary(e sampleEntry, n int) {
	r := slog.NewRecord(time.Now(), e.level, summaryMessage, 0)
	r.AddAttrs(
		slog.Int("log.suppressed", n),
		slog.String("log.suppressed_message", e.msg),
		slog.Duration("log.suppressed_window", sampleWindow),
	)
	if e.kind != "" {
		r.AddAttrs(slog.String("error.kind", e.kind))
	}
	if e.op != "" {
		r.AddAttrs(slog.String("error.op", e.op))
	}
	if e.route != "" {
		r.AddAttrs(slog.String("log.suppressed_route", e.route))
	}
	if e.status != "" {
		r.AddAttrs(slog.String("log.suppressed_status", e.status))
	}
	if e.trace != ([16]byte{}) {
		r.AddAttrs(slog.String("example.trace_id", string(jsonbuf.AppendHex(nil, e.trace[:]))))
	}
	if s.out.Enabled(context.Background(), e.level) {
		_ = s.out.Handle(context.Background(), r)
	}
}

// WithLogSampling sets whether the logger Start installs suppresses
// repeated failures: beyond the first ten records of one failure a second,
// it counts them and writes one summary line per second instead (see the
// README's "Log lines"). On by default; overrides DDX_LOG_SAMPLING.
func WithLogSampling(on bool) Option {
	return optionFunc(func(c *config) { c.logSampling = &on })
}

// logSamplingEnabled is WithLogSampling's setting, else DDX_LOG_SAMPLING's
// (on, off, true, false), else on. An unreadable value is reported in the
// start-up warnings and counts as on.
func (c *config) logSamplingEnabled() bool {
	return c.onOff(c.logSampling, "DDX_LOG_SAMPLING", "repeated failures are suppressed")
}
