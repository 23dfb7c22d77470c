package ddx

import (
	"context"
	"hash/maphash"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/attr"
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
	// sampleMaxKeys bounds the keys remembered per shard, 4,096 in all.
	// A full shard forgets its least recently seen key to make room (its
	// count, if any, is written at once), so one-off records (client text
	// in a message) cannot push a real repeated failure out of the table
	// for good: it would have to go unseen while a shard's 256 other keys
	// arrive. A forgotten key that comes back starts a new burst.
	sampleMaxKeys = 256
	sampleShards  = 16
	// What an entry keeps of a record's strings, for its summary: the key
	// is a hash of the whole strings, the summary shows a truncated copy,
	// so a key costs under a KiB whatever the record's size. (Entries kept
	// the whole message: 20,000 distinct 16 KiB WARN messages held ~260 MiB
	// for a minute, issue 21, item 12.)
	sampleExampleBytes = 256 // the message
	samplePartBytes    = 128 // the operation, route and status
)

// Attribute keys the sampler reads to tell access lines and their route.
const (
	attrHTTPStatus = attr.HTTPStatusCode
	attrHTTPRoute  = attr.HTTPRoute
	attrGRPCCode   = attr.GRPCCode
	attrGRPCMethod = attr.GRPCMethod
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
	// lru is the sentinel of the entries' list, most recently seen first.
	lru sampleEntry
}

// sampleEntry is one key's count in the current window.
type sampleEntry struct {
	key        uint64
	prev, next *sampleEntry // in the shard's lru list

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
		sh := &s.shards[i]
		sh.keys = make(map[uint64]*sampleEntry)
		sh.lru.prev, sh.lru.next = &sh.lru, &sh.lru
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
	write, gone := s.shards[key%sampleShards].admit(ctx, key, now, r, kind, op, &f)
	if gone != nil && gone.suppressed > 0 {
		// The count of a key forgotten to make room is written now, not
		// lost; gone is no one else's any more.
		s.writeSummary(*gone, gone.suppressed)
	}
	return write
}

// admit counts r under key at now and reports whether it is written, and
// the entry it forgot to make room, if any.
func (sh *sampleShard) admit(ctx context.Context, key uint64, now int64, r *slog.Record, kind, op string,
	f *failure) (write bool, gone *sampleEntry) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.keys[key]
	if e != nil {
		sh.unlink(e)
	} else {
		if len(sh.keys) >= sampleMaxKeys {
			gone = sh.lru.prev
			sh.forget(gone)
		}
		e = newSampleEntry(key, r.Level, r.Message, kind, op, f.route, f.status)
		sh.keys[key] = e
	}
	sh.pushFront(e)
	e.last = now
	if now-e.window >= int64(sampleWindow) {
		e.window, e.written = now, 0
	}
	if e.written < sampleBurst {
		e.written++
		return true, gone
	}
	e.suppressed++
	if e.trace == ([16]byte{}) {
		if span, ok := tracer.SpanFromContext(ctx); ok {
			e.trace = span.Context().TraceIDBytes()
		}
	}
	return false, gone
}

// newSampleEntry is a key's entry, with copies of its strings no longer
// than an example needs: the key is their hash, and a copy, unlike a
// substring, keeps none of the record's memory alive.
func newSampleEntry(key uint64, level slog.Level, msg, kind, op, route string, status slog.Value) *sampleEntry {
	e := &sampleEntry{key: key, level: level, msg: truncateExample(msg, sampleExampleBytes),
		kind: truncateExample(kind, samplePartBytes), op: truncateExample(op, samplePartBytes),
		route: truncateExample(route, samplePartBytes)}
	if status.Kind() == slog.KindString {
		e.status = truncateExample(status.String(), samplePartBytes)
	} else {
		e.status = string(appendStatus(nil, status))
	}
	return e
}

// truncateExample returns a copy of s of at most n bytes, cut at a rune
// boundary and ending in "…" when it is cut.
func truncateExample(s string, n int) string {
	if len(s) <= n {
		return strings.Clone(s)
	}
	const ellipsis = "…"
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis // the concatenation copies
}

func (sh *sampleShard) unlink(e *sampleEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (sh *sampleShard) pushFront(e *sampleEntry) {
	e.prev, e.next = &sh.lru, sh.lru.next
	sh.lru.next.prev = e
	sh.lru.next = e
}

// forget removes e from the table.
func (sh *sampleShard) forget(e *sampleEntry) {
	sh.unlink(e)
	delete(sh.keys, e.key)
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
		for _, e := range sh.keys {
			if e.suppressed > 0 {
				out = append(out, summary{*e, e.suppressed})
				e.suppressed, e.trace = 0, [16]byte{}
			}
			if now-e.last >= int64(time.Minute) {
				sh.forget(e)
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
		r.AddAttrs(slog.String(attr.ErrorKind, e.kind))
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
