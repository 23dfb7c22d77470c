package ddx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"

	"github.com/ddx-go/ddx/errors"
)

// decodeLines parses every line of out as a JSON object and fails the test
// on anything else.
func decodeLines(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	var ms []map[string]any
	for line := range bytes.Lines(out) {
		if !bytes.HasSuffix(line, []byte("\n")) {
			t.Fatalf("line without newline: %s", line)
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("not a JSON object: %v\n%s", err, line)
		}
		ms = append(ms, m)
	}
	return ms
}

// logOne logs with a logger over NewHandler(opts) and returns the one line.
func logOne(t *testing.T, opts *HandlerOptions, f func(*slog.Logger)) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	f(slog.New(NewHandler(&buf, opts)))
	ms := decodeLines(t, buf.Bytes())
	if len(ms) != 1 {
		t.Fatalf("got %d lines, want 1:\n%s", len(ms), buf.Bytes())
	}
	return ms[0]
}

// path follows keys through nested objects.
func path(m map[string]any, keys ...string) (any, bool) {
	var v any = m
	for _, k := range keys {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

func TestHandlerSlogtest(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	slogtest.Run(t,
		func(*testing.T) slog.Handler {
			buf.Reset()
			return NewHandler(&buf, nil)
		},
		func(t *testing.T) map[string]any {
			ms := decodeLines(t, buf.Bytes())
			if len(ms) != 1 {
				t.Fatalf("got %d lines, want 1", len(ms))
			}
			m := ms[0]
			// slogtest looks for slog's key names; ours are Datadog's.
			for dd, std := range map[string]string{keyTime: slog.TimeKey, keyLevel: slog.LevelKey, keyMessage: slog.MessageKey} {
				if v, ok := m[dd]; ok {
					delete(m, dd)
					m[std] = v
				}
			}
			return m
		})
}

var timestampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func TestHandlerBuiltins(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(NewHandler(&buf, &HandlerOptions{Service: "shop", Env: "prod", Version: "1.4.2"}))
	l.Info("order paid", "order", 42)
	line := buf.String()
	if !strings.HasPrefix(line, `{"timestamp":"`) || !strings.HasSuffix(line, "}\n") || strings.Count(line, "\n") != 1 {
		t.Fatalf("line shape: %q", line)
	}
	m := decodeLines(t, buf.Bytes())[0]
	if ts, _ := m["timestamp"].(string); !timestampRE.MatchString(ts) {
		t.Errorf("timestamp = %q, want RFC 3339 UTC with milliseconds", ts)
	}
	want := map[string]any{
		"status": "INFO", "message": "order paid", "order": 42.0,
		"dd.service": "shop", "dd.env": "prod", "dd.version": "1.4.2",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	for _, k := range []string{"time", "level", "msg", "dd.trace_id", "dd.span_id", "error"} {
		if _, ok := m[k]; ok {
			t.Errorf("unexpected key %q", k)
		}
	}
}

func TestHandlerOmitsEmptyServiceTags(t *testing.T) {
	t.Parallel()
	m := logOne(t, &HandlerOptions{Env: "dev"}, func(l *slog.Logger) { l.Info("x") })
	if _, ok := m["dd.service"]; ok {
		t.Error("dd.service written while empty")
	}
	if _, ok := m["dd.version"]; ok {
		t.Error("dd.version written while empty")
	}
	if m["dd.env"] != "dev" {
		t.Errorf("dd.env = %v", m["dd.env"])
	}
}

func TestHandlerLevels(t *testing.T) {
	t.Parallel()
	var lv slog.LevelVar
	var buf bytes.Buffer
	l := slog.New(NewHandler(&buf, &HandlerOptions{Level: &lv}))
	l.Debug("hidden")
	l.Info("info")
	lv.Set(slog.LevelDebug - 4)
	l.Debug("debug")
	l.Warn("warn")
	l.Error("error")
	l.Log(context.Background(), slog.LevelError+4, "fatal")
	l.Log(context.Background(), slog.LevelDebug-4, "trace")
	var got []string
	for _, m := range decodeLines(t, buf.Bytes()) {
		got = append(got, fmt.Sprint(m["status"], ":", m["message"]))
	}
	want := "INFO:info DEBUG:debug WARN:warn ERROR:error ERROR+4:fatal DEBUG-4:trace"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

type point struct{ X, Y int }

type marshalPanics struct{}

func (marshalPanics) MarshalJSON() ([]byte, error) { panic("boom") }

type valuerPanics struct{}

func (valuerPanics) LogValue() slog.Value { panic("boom") }

type valuerLoops struct{}

func (v valuerLoops) LogValue() slog.Value { return slog.AnyValue(v) }

type valuerNests struct{}

func (v valuerNests) LogValue() slog.Value { return slog.GroupValue(slog.Any("again", v)) }

type nilErr struct{ msg string }

func (e *nilErr) Error() string { return e.msg } // panics on a nil receiver

type panicErr struct{}

func (panicErr) Error() string { panic("no message") }

type valuerErr struct{}

func (valuerErr) Error() string { return "valuer failed" }
func (valuerErr) LogValue() slog.Value {
	return slog.GroupValue(slog.String("code", "E42"))
}

func TestHandlerValues(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 3, 4, 5, 6, 7, 891011121, time.UTC)
	tests := []struct {
		name string
		attr slog.Attr
		want any // decoded JSON of the attribute's value under its key
	}{
		{"string", slog.String("k", "a\"b\n"), "a\"b\n"},
		{"int", slog.Int("k", -3), -3.0},
		{"uint", slog.Uint64("k", math.MaxUint32), float64(math.MaxUint32)},
		{"float", slog.Float64("k", 2.5), 2.5},
		{"NaN", slog.Float64("k", math.NaN()), "NaN"},
		{"Inf", slog.Float64("k", math.Inf(1)), "+Inf"},
		{"bool", slog.Bool("k", true), true},
		{"duration in nanoseconds", slog.Duration("k", 1500*time.Millisecond), 1.5e9},
		{"time", slog.Time("k", when), "2026-03-04T05:06:07.891011121Z"},
		{"nil", slog.Any("k", nil), nil},
		{"nil error", slog.Any("k", error(nil)), nil},
		{"struct", slog.Any("k", point{1, 2}), map[string]any{"X": 1.0, "Y": 2.0}},
		{"bytes", slog.Any("k", []byte("hi")), "aGk="},
		{"level", slog.Any("k", slog.LevelWarn), "WARN"},
		{"channel", slog.Any("k", make(chan int)), "!ERROR:json: unsupported type: chan int"},
		{"MarshalJSON panics", slog.Any("k", marshalPanics{}), "!PANIC: boom"},
		{"typed nil pointer", slog.Any("k", (*point)(nil)), nil},
		{"group", slog.Group("k", "a", 1, slog.Group("b", "c", "d")), map[string]any{"a": 1.0, "b": map[string]any{"c": "d"}}},
		{"group with empty members", slog.Group("k", slog.Attr{}, "a", 1, slog.Group("e")), map[string]any{"a": 1.0}},
		{"LogValuer loops", slog.Any("k", valuerLoops{}), map[string]any{"kind": "Internal", "message": "LogValue called too many times on Value of type ddx.valuerLoops"}},
		{"source", slog.Any("k", &slog.Source{Function: "f", File: "a.go", Line: 3}), map[string]any{"function": "f", "file": "a.go", "line": 3.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := logOne(t, nil, func(l *slog.Logger) { l.Info("m", tt.attr) })
			got, ok := m["k"]
			if !ok {
				t.Fatalf("key k missing: %v", m)
			}
			if !jsonEqual(got, tt.want) {
				t.Errorf("k = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func TestHandlerOddValuesNeverPanic(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(NewHandler(&buf, nil))
	args := []any{
		"valuer panics", valuerPanics{},
		"nests", valuerNests{},
		"typed nil error", (*nilErr)(nil),
		"error panics", panicErr{},
		"empty key", "v",
		slog.Attr{},
		slog.Group(""),
		slog.Group("", "inline", true),
		"dangling", // slog turns a lone value into !BADKEY
	}
	l.Info("odd", args...)
	m := decodeLines(t, buf.Bytes())[0]
	if s, _ := path(m, "valuer panics", "message"); !strings.HasPrefix(fmt.Sprint(s), "LogValue panicked") {
		t.Errorf("panicking LogValuer: %v", m["valuer panics"])
	}
	depth := 0
	for v := m["nests"]; ; depth++ {
		obj, ok := v.(map[string]any)
		if !ok {
			if v != "!DEPTH" {
				t.Errorf("self-nesting LogValuer ended with %v", v)
			}
			break
		}
		v = obj["again"]
	}
	if depth < 10 || depth > maxDepth {
		t.Errorf("self-nesting LogValuer depth %d", depth)
	}
	// The first error, even typed nil, is the root error object.
	if msg, _ := path(m, "error", "message"); msg != "<nil>" {
		t.Errorf("typed nil error: %v", m["error"])
	}
	if typ, _ := path(m, "error", "type"); typ != "*ddx.nilErr" {
		t.Errorf("typed nil error type: %v", m["error"])
	}
	// errors.Message recovers as fmt does, so the rest of the error
	// object (kind, type) is still written.
	if msg, _ := path(m, "error panics", "message"); msg != "%!v(PANIC=Error method: no message)" {
		t.Errorf("panicking Error: %v", m["error panics"])
	}
	if m["empty key"] != "v" || m["inline"] != true || m["!BADKEY"] != "dangling" {
		t.Errorf("plain values lost: %v", m)
	}
	if _, ok := m[""]; ok {
		t.Errorf("empty attribute written: %v", m)
	}
}

func TestHandlerErrors(t *testing.T) {
	t.Parallel()
	notFound := errors.E(errors.Op("orders.Get"), errors.NotFound, "order 42", slog.Int("order_id", 42))
	wrapped := fmt.Errorf("checkout: %w", notFound)
	tests := []struct {
		name  string
		log   func(*slog.Logger)
		check func(t *testing.T, m map[string]any)
	}{
		{
			name: "ddx error at any key becomes the root error",
			log:  func(l *slog.Logger) { l.Error("failed", "err", notFound) },
			check: func(t *testing.T, m map[string]any) {
				want := map[string]any{"kind": "NotFound", "message": "orders.Get: order 42", "order_id": 42.0}
				for k, v := range want {
					if got, _ := path(m, "error", k); got != v {
						t.Errorf("error.%s = %v, want %v", k, got, v)
					}
				}
				if st, _ := path(m, "error", "stack"); !strings.Contains(fmt.Sprint(st), "TestHandlerErrors") {
					t.Errorf("error.stack = %v, want the creation site", st)
				}
				if _, ok := m["err"]; ok {
					t.Error("error also written at its own key")
				}
			},
		},
		{
			name: "wrapped error keeps kind, stack and attributes, message is the chain",
			log:  func(l *slog.Logger) { l.Error("failed", "err", wrapped) },
			check: func(t *testing.T, m map[string]any) {
				if got, _ := path(m, "error", "kind"); got != "NotFound" {
					t.Errorf("kind = %v", got)
				}
				if got, _ := path(m, "error", "message"); !strings.HasPrefix(fmt.Sprint(got), "checkout: orders.Get: order 42") {
					t.Errorf("message = %v", got)
				}
				if _, ok := path(m, "error", "stack"); !ok {
					t.Error("stack missing")
				}
				if got, _ := path(m, "error", "order_id"); got != 42.0 {
					t.Errorf("order_id = %v", got)
				}
			},
		},
		{
			name: "plain error: kind, message, meaningful type, no stack",
			log: func(l *slog.Logger) {
				l.Error("failed", "err", &strconv.NumError{Func: "Atoi", Num: "x", Err: strconv.ErrSyntax})
			},
			check: func(t *testing.T, m map[string]any) {
				e, _ := m["error"].(map[string]any)
				if e["kind"] == nil || e["message"] != `strconv.Atoi: parsing "x": invalid syntax` || e["type"] != "*strconv.NumError" {
					t.Errorf("error = %v", e)
				}
				if _, ok := e["stack"]; ok {
					t.Error("stack invented for an error without one")
				}
			},
		},
		{
			name: "second error stays at its key",
			log:  func(l *slog.Logger) { l.Error("failed", "first", io.EOF, "second", notFound) },
			check: func(t *testing.T, m map[string]any) {
				if got, _ := path(m, "error", "message"); got != "EOF" {
					t.Errorf("error.message = %v", got)
				}
				if got, _ := path(m, "second", "kind"); got != "NotFound" {
					t.Errorf("second.kind = %v", got)
				}
			},
		},
		{
			name: "error inside WithGroup goes to the root",
			log:  func(l *slog.Logger) { l.WithGroup("req").Error("failed", "id", 7, "err", notFound, "n", 1) },
			check: func(t *testing.T, m map[string]any) {
				if got, _ := path(m, "error", "kind"); got != "NotFound" {
					t.Errorf("error.kind = %v (%v)", got, m)
				}
				if got, _ := path(m, "req", "id"); got != 7.0 {
					t.Errorf("req.id = %v", got)
				}
				if got, _ := path(m, "req", "n"); got != 1.0 {
					t.Errorf("req.n = %v", got)
				}
				if _, ok := path(m, "req", "err"); ok {
					t.Error("error written twice")
				}
			},
		},
		{
			name: "error in WithAttrs inside a group goes to the root",
			log: func(l *slog.Logger) {
				l.WithGroup("job").With("err", notFound, "try", 2).Error("failed", "again", io.EOF)
			},
			check: func(t *testing.T, m map[string]any) {
				if got, _ := path(m, "error", "kind"); got != "NotFound" {
					t.Errorf("error.kind = %v", got)
				}
				if got, _ := path(m, "job", "try"); got != 2.0 {
					t.Errorf("job.try = %v", got)
				}
				if got, _ := path(m, "job", "again", "message"); got != "EOF" {
					t.Errorf("job.again = %v", got)
				}
			},
		},
		{
			name: "error inside a group attribute stays there",
			log:  func(l *slog.Logger) { l.Error("failed", slog.Group("db", "err", io.EOF)) },
			check: func(t *testing.T, m map[string]any) {
				if _, ok := m["error"]; ok {
					t.Error("nested error moved to the root")
				}
				if got, _ := path(m, "db", "err", "message"); got != "EOF" {
					t.Errorf("db.err = %v", m["db"])
				}
			},
		},
		{
			name: "error with its own LogValue is completed",
			log:  func(l *slog.Logger) { l.Error("failed", "err", valuerErr{}) },
			check: func(t *testing.T, m map[string]any) {
				e, _ := m["error"].(map[string]any)
				if e["code"] != "E42" || e["message"] != "valuer failed" || e["kind"] == nil || e["type"] != "ddx.valuerErr" {
					t.Errorf("error = %v", e)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(t, logOne(t, nil, tt.log))
		})
	}
}

func TestHandlerGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		log  func(*slog.Logger)
		want string // the line without timestamp, status and message
	}{
		{"WithAttrs", func(l *slog.Logger) { l.With("a", 1).Info("m", "b", 2) }, `"a":1,"b":2`},
		{"WithGroup", func(l *slog.Logger) { l.WithGroup("g").Info("m", "b", 2) }, `"g":{"b":2}`},
		{"empty WithGroup omitted", func(l *slog.Logger) { l.WithGroup("g").Info("m") }, ``},
		{"WithGroup of empty attributes omitted", func(l *slog.Logger) { l.WithGroup("g").Info("m", slog.Group("h")) }, ``},
		{"WithGroup empty name", func(l *slog.Logger) { l.WithGroup("").Info("m", "b", 2) }, `"b":2`},
		{"multi", func(l *slog.Logger) {
			l.With("a", "b").WithGroup("G").With("c", "d").WithGroup("H").Info("m", "e", "f")
		}, `"a":"b","G":{"c":"d","H":{"e":"f"}}`},
		{"pending group closed without attrs", func(l *slog.Logger) {
			l.With("a", "b").WithGroup("G").With("c", "d").WithGroup("H").WithGroup("I").Info("m")
		}, `"a":"b","G":{"c":"d"}`},
		{"WithAttrs of only empty attrs", func(l *slog.Logger) {
			l.WithGroup("G").With(slog.Attr{}).Info("m")
		}, ``},
		{"inline group", func(l *slog.Logger) { l.Info("m", slog.Group("", "a", 1)) }, `"a":1`},
		{"keys escaped", func(l *slog.Logger) { l.WithGroup("q\"").Info("m", "k\n", 1) }, `"q\"":{"k\n":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			tt.log(slog.New(NewHandler(&buf, &HandlerOptions{ReplaceAttr: dropTime})))
			got := strings.TrimPrefix(buf.String(), `{"status":"INFO","message":"m"`)
			got = strings.TrimPrefix(strings.TrimSuffix(got, "}\n"), ",")
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			decodeLines(t, buf.Bytes())
		})
	}
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}

func TestHandlerDerivedHandlersIndependent(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	base := slog.New(NewHandler(&buf, &HandlerOptions{ReplaceAttr: dropTime})).WithGroup("g").With("a", 1)
	// Sibling loggers built from one parent must not see each other's
	// attributes, however their buffers grow.
	x := base.With("x", strings.Repeat("x", 10))
	y := base.With("y", 2)
	x.Info("m")
	y.Info("m")
	base.Info("m")
	want := `{"status":"INFO","message":"m","g":{"a":1,"x":"xxxxxxxxxx"}}
{"status":"INFO","message":"m","g":{"a":1,"y":2}}
{"status":"INFO","message":"m","g":{"a":1}}
`
	if buf.String() != want {
		t.Errorf("got\n%swant\n%s", buf.String(), want)
	}
}

func TestHandlerReplaceAttr(t *testing.T) {
	t.Parallel()
	var seen []string
	var mu sync.Mutex
	opts := &HandlerOptions{
		AddSource: true,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			mu.Lock()
			seen = append(seen, strings.Join(append(groups, a.Key), "."))
			mu.Unlock()
			switch a.Key {
			case slog.TimeKey:
				return slog.Attr{}
			case slog.LevelKey:
				return a // unchanged: written under "status"
			case slog.MessageKey:
				return slog.String("text", a.Value.String()) // renamed: kept
			case "secret_sauce":
				return slog.Attr{} // dropped
			case "n":
				return slog.Int("n", int(a.Value.Int64())*10)
			}
			return a
		},
	}
	m := logOne(t, opts, func(l *slog.Logger) {
		l.With("w", 1).WithGroup("g").Info("hello", "n", 4, "secret_sauce", "x", slog.Group("h", "z", true))
	})
	if _, ok := m["timestamp"]; ok {
		t.Error("time not removed")
	}
	if m["status"] != "INFO" || m["text"] != "hello" {
		t.Errorf("built-ins: %v", m)
	}
	if _, ok := m["message"]; ok {
		t.Error("message written under both keys")
	}
	if got, _ := path(m, "source", "function"); !strings.HasSuffix(fmt.Sprint(got), "TestHandlerReplaceAttr.func2") {
		t.Errorf("source = %v", m["source"])
	}
	if got, _ := path(m, "g", "n"); got != 40.0 {
		t.Errorf("g.n = %v", got)
	}
	if _, ok := path(m, "g", "secret_sauce"); ok {
		t.Error("attribute not dropped")
	}
	want := "w time level msg source g.n g.secret_sauce g.h.z"
	if got := strings.Join(seen, " "); got != want {
		t.Errorf("ReplaceAttr saw %s\nwant %s", got, want)
	}
}

func TestHandlerAddSource(t *testing.T) {
	t.Parallel()
	m := logOne(t, &HandlerOptions{AddSource: true}, func(l *slog.Logger) { l.Info("m") })
	file, _ := path(m, "source", "file")
	line, _ := path(m, "source", "line")
	if !strings.HasSuffix(fmt.Sprint(file), "handler_test.go") || line == nil {
		t.Errorf("source = %v", m["source"])
	}
	// A record without a PC has no source.
	var buf bytes.Buffer
	h := NewHandler(&buf, &HandlerOptions{AddSource: true})
	if err := h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)); err != nil {
		t.Fatal(err)
	}
	if m := decodeLines(t, buf.Bytes())[0]; m["source"] != nil {
		t.Errorf("source without PC = %v", m["source"])
	}
}

func TestHandlerOptionsCopied(t *testing.T) {
	t.Parallel()
	opts := &HandlerOptions{Service: "a"}
	var buf bytes.Buffer
	h := NewHandler(&buf, opts)
	opts.Service, opts.Level = "b", slog.LevelError
	slog.New(h).Info("m")
	if m := decodeLines(t, buf.Bytes())[0]; m["dd.service"] != "a" {
		t.Errorf("dd.service = %v: options not copied", m["dd.service"])
	}
	if opts.Level != slog.LevelError || opts.ReplaceAttr != nil || opts.RedactKeys != nil {
		t.Error("NewHandler wrote to the options")
	}
	if h := NewHandler(io.Discard, nil); !h.Enabled(context.Background(), slog.LevelInfo) || h.Enabled(context.Background(), slog.LevelDebug) {
		t.Error("nil options: level is not INFO")
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, io.ErrShortWrite }

func TestHandlerReturnsWriteError(t *testing.T) {
	t.Parallel()
	h := NewHandler(errWriter{}, nil)
	if err := h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)); err != io.ErrShortWrite {
		t.Errorf("Handle = %v, want the writer's error", err)
	}
}

// lineWriter fails the test when two Writes overlap or a Write is not
// exactly one line.
type lineWriter struct {
	t      *testing.T
	active atomic.Int32
	lines  atomic.Int64
}

func (w *lineWriter) Write(p []byte) (int, error) {
	if w.active.Add(1) != 1 {
		w.t.Error("concurrent Write calls")
	}
	defer w.active.Add(-1)
	if bytes.Count(p, []byte("\n")) != 1 || p[len(p)-1] != '\n' || !json.Valid(p) {
		w.t.Errorf("Write is not one JSON line: %q", p)
	}
	w.lines.Add(1)
	time.Sleep(time.Microsecond) // widen the window for overlaps
	return len(p), nil
}

func TestHandlerConcurrentClonesShareOneLock(t *testing.T) {
	t.Parallel()
	w := &lineWriter{t: t}
	root := slog.New(NewHandler(w, nil))
	loggers := []*slog.Logger{root, root.With("a", 1), root.WithGroup("g"), root.WithGroup("g").With("b", 2)}
	const perLogger = 50
	var wg sync.WaitGroup
	for _, l := range loggers {
		wg.Go(func() {
			for i := range perLogger {
				l.Info("m", "i", i)
			}
		})
	}
	wg.Wait()
	if got := w.lines.Load(); got != int64(len(loggers)*perLogger) {
		t.Errorf("%d lines, want %d", got, len(loggers)*perLogger)
	}
}

func TestHandlerNilContext(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := NewHandler(&buf, nil)
	//lint:ignore SA1012 a nil context is what is being tested
	if err := h.Handle(nil, slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)); err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1012 a nil context is what is being tested
	if err := newTextHandler(&buf, nil).Handle(nil, slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)); err != nil {
		t.Fatal(err)
	}
}

// TestHandlerTraceIDs runs the mock tracer, so it is not parallel: the
// mock replaces the global tracer.
func TestHandlerTraceIDs(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	span, ctx := tracer.StartSpanFromContext(context.Background(), "op")
	defer span.Finish()
	sc := span.Context()
	wantTrace, wantSpan := sc.TraceID(), strconv.FormatUint(sc.SpanID(), 10)
	if wantTrace == tracer.TraceIDZero || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(wantTrace) {
		t.Fatalf("mock span trace id %q", wantTrace)
	}

	var buf bytes.Buffer
	l := slog.New(NewHandler(&buf, nil))
	l.InfoContext(ctx, "root")
	l.WithGroup("g").With("a", 1).WithGroup("h").InfoContext(ctx, "grouped", "b", 2)
	l.InfoContext(context.Background(), "no span")
	ms := decodeLines(t, buf.Bytes())
	for _, m := range ms[:2] {
		if m["dd.trace_id"] != wantTrace || m["dd.span_id"] != wantSpan {
			t.Errorf("%v: ids %v/%v, want %v/%v", m["message"], m["dd.trace_id"], m["dd.span_id"], wantTrace, wantSpan)
		}
	}
	if _, ok := path(ms[1], "g", "dd.trace_id"); ok {
		t.Error("trace id written inside the group")
	}
	if _, ok := ms[2]["dd.trace_id"]; ok {
		t.Error("trace id without a span")
	}

	t.Run("64-bit", func(t *testing.T) {
		t.Setenv("DD_TRACE_128_BIT_TRACEID_LOGGING_ENABLED", "false")
		var buf bytes.Buffer
		slog.New(NewHandler(&buf, nil)).InfoContext(ctx, "m")
		m := decodeLines(t, buf.Bytes())[0]
		if want := strconv.FormatUint(sc.TraceIDLower(), 10); m["dd.trace_id"] != want {
			t.Errorf("dd.trace_id = %v, want %v", m["dd.trace_id"], want)
		}
		var tbuf bytes.Buffer
		slog.New(newTextHandler(&tbuf, nil)).InfoContext(ctx, "m")
		if want := "dd.trace_id=" + strconv.FormatUint(sc.TraceIDLower(), 10) + " "; !strings.Contains(tbuf.String(), want) {
			t.Errorf("text: %q lacks %q", tbuf.String(), want)
		}
	})

	t.Run("text", func(t *testing.T) {
		var buf bytes.Buffer
		slog.New(newTextHandler(&buf, nil)).WithGroup("g").InfoContext(ctx, "m", "a", 1)
		want := " g.a=1 dd.trace_id=" + wantTrace + " dd.span_id=" + wantSpan + "\n"
		if !strings.HasSuffix(buf.String(), want) {
			t.Errorf("got %q, want suffix %q", buf.String(), want)
		}
	})
}

func TestHandlerReplaceAttrSeesErrorFields(t *testing.T) {
	t.Parallel()
	var seen []string
	opts := &HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) > 0 && groups[len(groups)-1] == "error" || len(groups) > 1 && groups[len(groups)-1] == "cause" {
			seen = append(seen, strings.Join(append(groups, a.Key), "."))
			if a.Key == errors.KeyStack {
				return slog.Attr{}
			}
		}
		return a
	}}
	err := errors.E(errors.Op("orders.Get"), errors.NotFound, "order 42")
	m := logOne(t, opts, func(l *slog.Logger) { l.WithGroup("g").Error("m", "err", err, "cause", err) })
	if _, ok := path(m, "error", "stack"); ok {
		t.Error("ReplaceAttr could not drop error.stack")
	}
	if _, ok := path(m, "g", "cause", "stack"); ok {
		t.Error("ReplaceAttr could not drop g.cause.stack")
	}
	if got, _ := path(m, "error", "kind"); got != "NotFound" {
		t.Errorf("error.kind = %v", got)
	}
	want := "g.cause.kind g.cause.message g.cause.stack error.kind error.message error.stack"
	if got := strings.Join(seen, " "); got != want {
		t.Errorf("ReplaceAttr saw %s\nwant %s", got, want)
	}
}

func TestHandlerReservedKeysRenamed(t *testing.T) {
	t.Parallel()
	m := logOne(t, nil, func(l *slog.Logger) {
		l.With("message", "w").Info("real", "status", 200, "timestamp", "t", slog.Group("", "message", "inline"), slog.Group("http", "status", 404))
	})
	want := map[string]any{"status": "INFO", "message": "real", "fields.status": 200.0, "fields.timestamp": "t", "fields.message": "inline"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if got, _ := path(m, "http", "status"); got != 404.0 {
		t.Errorf("http.status = %v: keys inside groups must stay", got)
	}
	var buf bytes.Buffer
	slog.New(NewHandler(&buf, nil)).Info("m", "status", 200)
	if strings.Count(buf.String(), `"status":`) != 1 {
		t.Errorf("duplicate status key: %s", buf.String())
	}
}
