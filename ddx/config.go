package ddx

import (
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/DataDog/dd-trace-go/v2/profiler"
	"golang.org/x/term"

	"github.com/ddx-go/ddx/internal/redact"
)

// Defaults that are ddx's own choice; README's defaults table explains each.
const (
	defaultStopTimeout = 5 * time.Second
	// defaultInfoTimeout bounds the tracer's synchronous /info call at
	// start. A local Agent answers in about a millisecond; anything slower
	// is caught up by the tracer's later polls.
	defaultInfoTimeout = 50 * time.Millisecond
	// defaultStartWait bounds how long Start waits for the tracer. It is
	// up in a few milliseconds, at most the /info deadline with an Agent
	// that hangs; the bound only matters on a machine so starved that
	// tracer.Start itself is slow (470 ms seen on 2 loaded cores under
	// -race), where waiting a little longer beats losing the first spans.
	defaultStartWait = time.Second
	// defaultMemLimitRatio leaves 10% of the container's memory for what the
	// Go runtime does not count (cgo, thread stacks, page cache), the ratio
	// automemlimit and the Go GC guide both use.
	defaultMemLimitRatio = 0.9
	defaultAgentHost     = "localhost"
	defaultAgentPort     = "8126"
)

// config is the effective configuration: environment first, options over it.
type config struct {
	service, env, version string

	agentURL *url.URL // never nil after load

	tracing, profiling, runtimeMetrics bool

	logLevel    slog.Leveler
	logFormat   string // "json" or "text"
	logWriter   io.Writer
	logHandlers []slog.Handler
	redactKeys  []string

	stopTimeout   time.Duration
	infoTimeout   time.Duration
	startWait     time.Duration
	memLimitRatio float64

	// localView is the local trace view's setting: viewAuto (on when DD_ENV
	// says local or a person watches a service with no Agent), viewOn or
	// viewOff (DDX_LOCAL_VIEW, WithLocalView).
	localView viewSetting
	// viewWriter is where the local view writes; nil means os.Stderr.
	viewWriter io.Writer

	tracerOpts   []tracer.StartOption
	profilerOpts []profiler.Option
	otel         *bool // WithOpenTelemetry; nil: DDX_OTEL, else on (otel.go)
	logSampling  *bool // WithLogSampling; nil: DDX_LOG_SAMPLING, else on (sampling.go)
	memReport    *bool // WithMemoryReport; nil: DDX_MEMORY_REPORT, else on (memreport.go)

	// problems found while reading the environment, logged once at start.
	warnings []string
}

// envOnOff reads a variable that switches something on or off: on, off,
// or anything strconv.ParseBool reads. set is false when it is unset or
// empty; valid is false when it is set to something else.
func envOnOff(key string) (on, set, valid bool) {
	s, ok := getenv(key)
	if !ok {
		return false, false, true
	}
	switch s {
	case "on":
		return true, true, true
	case "off":
		return false, true, true
	}
	b, err := strconv.ParseBool(s)
	return b, true, err == nil
}

// onOff is a setting that an option sets (opt), else the variable key,
// else on. An unreadable variable counts as on and is reported with why.
func (c *config) onOff(opt *bool, key, why string) bool {
	if opt != nil {
		return *opt
	}
	on, set, valid := envOnOff(key)
	switch {
	case !set:
		return true
	case !valid:
		s, _ := getenv(key)
		c.warnings = append(c.warnings, key+"="+strconv.Quote(s)+" is not on or off; "+why)
		return true
	}
	return on
}

// getenv is os.LookupEnv with surrounding space trimmed; tests replace it.
var getenv = func(key string) (string, bool) {
	v, ok := os.LookupEnv(key)
	return strings.TrimSpace(v), ok && strings.TrimSpace(v) != ""
}

// loadConfig reads Datadog's variables (and ddx's DDX_LOG_* where Datadog has
// none) and applies opts over them.
func loadConfig(opts []Option) *config {
	c := &config{
		tracing:        true,
		profiling:      true,
		runtimeMetrics: true,
		logFormat:      "json",
		logWriter:      os.Stdout,
		stopTimeout:    defaultStopTimeout,
		infoTimeout:    defaultInfoTimeout,
		startWait:      defaultStartWait,
		memLimitRatio:  defaultMemLimitRatio,
	}
	c.service, _ = getenv("DD_SERVICE")
	if c.service == "" {
		c.service = defaultService()
	}
	c.env, _ = getenv("DD_ENV")
	c.version, _ = getenv("DD_VERSION")
	if c.version == "" {
		c.version = defaultVersion()
	}
	c.tracing = c.boolEnv("DD_TRACE_ENABLED", c.tracing)
	c.profiling = c.boolEnv("DD_PROFILING_ENABLED", c.profiling)
	c.runtimeMetrics = c.boolEnv("DD_RUNTIME_METRICS_ENABLED", c.runtimeMetrics)

	var lv slog.LevelVar
	if s, ok := getenv("DDX_LOG_LEVEL"); ok {
		if err := lv.UnmarshalText([]byte(s)); err != nil {
			c.warnings = append(c.warnings, "DDX_LOG_LEVEL="+strconv.Quote(s)+" is not a level (DEBUG, INFO, WARN, ERROR); using INFO")
		}
	}
	c.logLevel = &lv
	if s, ok := getenv("DDX_LOG_FORMAT"); ok {
		switch strings.ToLower(s) {
		case "json", "text":
			c.logFormat = strings.ToLower(s)
		default:
			c.warnings = append(c.warnings, "DDX_LOG_FORMAT="+strconv.Quote(s)+" is neither json nor text; using json")
		}
	} else if isTerminal(os.Stdout) {
		// A person is reading: text, unless they ask otherwise.
		c.logFormat = "text"
	}
	c.agentURL = c.agentURLFromEnv()
	if s, ok := getenv("DDX_LOCAL_VIEW"); ok {
		switch on, err := strconv.ParseBool(s); {
		case err != nil:
			c.warnings = append(c.warnings, "DDX_LOCAL_VIEW="+strconv.Quote(s)+" is not true or false; deciding by DD_ENV and the Agent")
		case on:
			c.localView = viewOn
		default:
			c.localView = viewOff
		}
	}

	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	if len(c.logHandlers) > 0 {
		// Every sink sees what ddx's own handler writes: redacted by the
		// same list, WithRedactKeys included (known only now, after every
		// option).
		m := redact.New(c.redactKeys...)
		for i, h := range c.logHandlers {
			c.logHandlers[i] = newRedactingHandler(h, m)
		}
	}
	return c
}

func (c *config) boolEnv(key string, def bool) bool {
	s, ok := getenv(key)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		c.warnings = append(c.warnings, key+"="+strconv.Quote(s)+" is not true or false; using "+strconv.FormatBool(def))
		return def
	}
	return b
}

// agentURLFromEnv resolves the Agent's address as dd-trace-go does:
// DD_TRACE_AGENT_URL, else DD_AGENT_HOST and DD_TRACE_AGENT_PORT, else
// localhost:8126.
func (c *config) agentURLFromEnv() *url.URL {
	if s, ok := getenv("DD_TRACE_AGENT_URL"); ok {
		u, err := url.Parse(s)
		if err == nil && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "unix") {
			return u
		}
		c.warnings = append(c.warnings, "DD_TRACE_AGENT_URL="+strconv.Quote(s)+" is not an http, https or unix URL; ignoring it")
	}
	host, _ := getenv("DD_AGENT_HOST")
	if host == "" {
		host = defaultAgentHost
	}
	port, _ := getenv("DD_TRACE_AGENT_PORT")
	if port == "" {
		port = defaultAgentPort
	}
	return &url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}
}

// defaultService is the executable's name, what a person would call the
// service if nobody set DD_SERVICE.
func defaultService() string {
	if exe, err := os.Executable(); err == nil {
		name := strings.TrimSuffix(filepath.Base(exe), ".exe")
		name = strings.TrimSuffix(name, ".test")
		if name != "" {
			return name
		}
	}
	if len(os.Args) > 0 && os.Args[0] != "" {
		return filepath.Base(os.Args[0])
	}
	return "unnamed-go-service"
}

// defaultVersion is the main module's version, or its VCS revision when the
// binary was built from a work tree, so deployments are told apart even
// without DD_VERSION.
func defaultVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && dirty {
		rev += "-dirty"
	}
	return rev
}

func isTerminal(f *os.File) bool {
	// A character device is not enough: /dev/null is one.
	return f != nil && term.IsTerminal(int(f.Fd()))
}

// agentAddr is host:port for the profiler, or "" for a unix socket.
func (c *config) agentAddr() string {
	if c.agentURL.Scheme == "unix" {
		return ""
	}
	return c.agentURL.Host
}
