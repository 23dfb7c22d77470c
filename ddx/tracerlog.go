package ddx

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
)

// tracerLogger turns dd-trace-go's and the profiler's own messages
// ("Datadog Tracer v2.12.0 ERROR: lost 3 traces: ...") into slog records at
// the right level, so every line on stdout stays one JSON object.
//
// Messages that mean "the Agent cannot be reached" get special care: the
// first is replaced by one plain explanation (where ddx looked, what is lost,
// how to fix it); later ones are counted and summarised at most once per
// summaryEvery, and the transport reports when the Agent answers again.
type tracerLogger struct {
	base    *slog.Logger // the logger as given, for ddx's own messages
	logger  *slog.Logger // base, as dd-trace-go's logger
	agent   string       // the Agent address, as the person configured it
	every   time.Duration
	now     func() time.Time
	mu      sync.Mutex
	down    bool      // an outage has been explained and not yet resolved
	lastSum time.Time // when the outage was last explained or summarised
	held    int       // agent messages not shown since lastSum
	lost    int       // traces lost during this outage, as the transport counts them

	// viewOn is whether the local trace view is showing traces, in which
	// case they are not all lost to the person watching.
	viewOn atomic.Bool
}

const summaryEvery = time.Minute

func newTracerLogger(l *slog.Logger, agent string) *tracerLogger {
	return &tracerLogger{base: l, logger: l.With(slog.String("logger.name", "dd-trace-go")), agent: agent, every: summaryEvery, now: time.Now}
}

// adapter is what tracer.UseLogger takes.
func (t *tracerLogger) adapter() tracer.Logger {
	return tracer.AdaptLogger(func(lvl tracer.LogLevel, msg string, _ ...any) { t.log(lvl, msg) })
}

// log handles one message from dd-trace-go. It must never panic: it runs on
// the tracer's goroutines.
func (t *tracerLogger) log(lvl tracer.LogLevel, msg string) {
	msg = stripPrefix(msg)
	level := slogLevel(lvl)
	if n, ok := queueDrops(msg); ok {
		t.logger.LogAttrs(context.Background(), slog.LevelError,
			"ddx: "+strconv.Itoa(n)+" traces dropped: spans finished faster than the tracer could queue them for the Agent (a burst). "+
				"The service itself is not affected.",
			slog.Int("traces_dropped", n), slog.String("error.message", msg))
		return
	}
	if cause, ok := agentTrouble(msg); ok {
		t.trouble(cause, msg)
		return
	}
	t.logger.LogAttrs(context.Background(), level, msg)
}

// queueDrops reads the tracer's "N traces dropped through payload queue":
// the tracer counts the traces it could not queue while a burst lasts and
// says so on the first span finished a second later. dd-trace-go holds
// its error messages for DD_LOGGING_RATE seconds (a minute by default,
// read before main runs); with DD_LOGGING_RATE=0 the line comes at once.
// The count is of the first message of such a period only, hence "at
// least" in what the tracer appends.
func queueDrops(msg string) (int, bool) {
	const suffix = " traces dropped through payload queue"
	i := strings.Index(msg, suffix)
	if i <= 0 {
		return 0, false
	}
	n, err := strconv.Atoi(msg[:i])
	return n, err == nil
}

// Failed is the transport's report of a request the Agent did not take,
// losing lost traces (localview.Reports). The count is the transport's:
// the tracer's own "lost N traces" messages are aggregated for a minute
// and keep the N of the first only.
func (t *tracerLogger) Failed(what string, lost int, err error) {
	msg := what + ": " + err.Error()
	cause, ok := agentTrouble("agent " + msg)
	if !ok {
		cause = err.Error()
	}
	t.mu.Lock()
	t.lost += lost
	t.mu.Unlock()
	t.trouble(cause, msg)
}

// trouble records one sign that the Agent cannot be reached: explained the
// first time, summarised at most once per t.every after that.
func (t *tracerLogger) trouble(cause, msg string) {
	t.mu.Lock()
	now := t.now()
	first := !t.down
	due := !first && now.Sub(t.lastSum) >= t.every
	held, lost := t.held, t.lost
	viewOn := t.viewOn.Load() // with down, under mu: see Showing
	if first || due {
		t.down, t.lastSum, t.held = true, now, 0
	} else {
		t.held++
	}
	t.mu.Unlock()

	switch {
	case first:
		local := ""
		if viewOn {
			local = "Meanwhile each trace is printed on stderr by the local trace view (DDX_LOCAL_VIEW=false turns it off). "
		}
		t.logger.LogAttrs(context.Background(), slog.LevelWarn,
			"Datadog Agent not reachable at "+t.agent+" ("+cause+"): traces, profiles and runtime metrics are dropped until it is. "+
				local+"The service itself is not affected. To fix: run the Datadog Agent there, or point DD_AGENT_HOST or DD_TRACE_AGENT_URL at it; "+
				"to run without Datadog, set DD_TRACE_ENABLED=false and DD_PROFILING_ENABLED=false. Repeats are summarised once a minute.",
			slog.String("agent.url", t.agent), slog.String("error.message", msg))
	case due:
		t.logger.LogAttrs(context.Background(), slog.LevelWarn,
			"Datadog Agent still not reachable at "+t.agent+" ("+cause+")",
			slog.String("agent.url", t.agent), slog.Int("suppressed", held+1), slog.Int("traces_lost", lost),
			slog.String("error.message", msg))
	}
}

// Showing is the local view's report that it shows every trace from now on
// (localview.Reports); auto: because no Agent could be dialled. That is
// said once, in one line: the hook reports the failed request that turned
// the view on right after this, and the outage's first WARN says the view
// shows the traces. Only when the outage was told before the view was on
// does a line of its own say so.
func (t *tracerLogger) Showing(auto bool) {
	t.mu.Lock()
	t.viewOn.Store(true)
	told := t.down
	t.mu.Unlock()
	if auto && told {
		t.base.Info("ddx: no Datadog Agent at "+t.agent+"; showing each finished trace on stderr instead (local trace view). "+
			"DDX_LOCAL_VIEW=false turns it off.", slog.String("agent.url", t.agent))
	}
}

// Delivered is the transport's report that the Agent took a trace payload
// (localview.Reports); it closes an outage that was reported.
func (t *tracerLogger) Delivered() {
	t.mu.Lock()
	if !t.down {
		t.mu.Unlock()
		return
	}
	lost := t.lost
	t.down, t.held, t.lost = false, 0, 0
	t.mu.Unlock()
	t.logger.LogAttrs(context.Background(), slog.LevelInfo,
		"Datadog Agent reachable again at "+t.agent, slog.String("agent.url", t.agent), slog.Int("traces_lost", lost))
}

// stripPrefix removes "Datadog Tracer v2.12.0 ERROR: " (and the profiler's
// equivalent): the level is a field of its own.
func stripPrefix(msg string) string {
	if !strings.HasPrefix(msg, "Datadog Tracer ") {
		return msg
	}
	for _, lvl := range [...]string{" DEBUG: ", " INFO: ", " WARN: ", " ERROR: "} {
		if i := strings.Index(msg, lvl); i >= 0 {
			return msg[i+len(lvl):]
		}
	}
	return msg
}

func slogLevel(l tracer.LogLevel) slog.Level {
	switch l.String() {
	case "DEBUG":
		return slog.LevelDebug
	case "INFO":
		return slog.LevelInfo
	case "WARN":
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}

// agentTrouble reports whether msg says the Agent could not be reached or
// did not answer as an Agent, and a short cause in plain words.
func agentTrouble(msg string) (cause string, ok bool) {
	m := strings.ToLower(msg)
	about := strings.Contains(m, "traces") || strings.Contains(m, "features") || strings.Contains(m, "/info") ||
		strings.Contains(m, "profile") || strings.Contains(m, "agent") || strings.Contains(m, "telemetry") ||
		strings.Contains(m, "stats")
	if !about {
		return "", false
	}
	switch {
	case strings.Contains(m, "connection refused"):
		return "connection refused: nothing listens there", true
	case strings.Contains(m, "no such host"), strings.Contains(m, "server misbehaving"):
		return "the host name does not resolve", true
	case strings.Contains(m, "i/o timeout"), strings.Contains(m, "deadline exceeded"), strings.Contains(m, "timeout awaiting"),
		strings.Contains(m, "client.timeout"):
		return "no answer in time", true
	case strings.Contains(m, "connection reset"), strings.Contains(m, "broken pipe"), strings.Contains(m, "eof"):
		return "the connection was closed", true
	case strings.Contains(m, "abandoned"):
		return "abandoned at shutdown", true
	case strings.Contains(m, "no route to host"), strings.Contains(m, "network is unreachable"):
		return "no route to the host", true
	case strings.Contains(m, "dial unix") && strings.Contains(m, "no such file or directory"):
		return "no socket file there", true
	case strings.HasPrefix(m, "lost ") && strings.Contains(m, " traces"):
		// The tracer's words for a trace payload the Agent refused, with
		// its answer's body (an HTML error page, say) as the reason.
		return "it answered, but did not take the traces", true
	case strings.Contains(m, "decoding features"), strings.Contains(m, "invalid character"),
		strings.Contains(m, "unexpected /info status"), strings.Contains(m, "status code"),
		strings.Contains(m, "500"), strings.Contains(m, "502"), strings.Contains(m, "503"):
		return "it answered, but not as a Datadog Agent should", true
	}
	return "", false
}
