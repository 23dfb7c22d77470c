package ddx

import (
	"io"
	"log/slog"
	"net/url"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/DataDog/dd-trace-go/v2/profiler"
)

// An Option changes what [Start] does. Options override the environment.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithService sets the service name (default: DD_SERVICE, else the
// executable's name).
func WithService(name string) Option {
	return optionFunc(func(c *config) {
		if name != "" {
			c.service = name
		}
	})
}

// WithEnv sets the environment, such as "prod" or "staging" (default: DD_ENV).
func WithEnv(env string) Option {
	return optionFunc(func(c *config) {
		if env != "" {
			c.env = env
		}
	})
}

// WithVersion sets the version (default: DD_VERSION, else the module version
// or VCS revision the binary was built from).
func WithVersion(version string) Option {
	return optionFunc(func(c *config) {
		if version != "" {
			c.version = version
		}
	})
}

// WithAgentURL sets the Datadog Agent's address, such as
// "http://datadog-agent:8126" or "unix:///var/run/datadog/apm.socket"
// (default: DD_TRACE_AGENT_URL, else DD_AGENT_HOST:DD_TRACE_AGENT_PORT, else
// localhost:8126). An invalid URL is ignored with a warning at start.
func WithAgentURL(agentURL string) Option {
	return optionFunc(func(c *config) {
		u, err := url.Parse(agentURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "unix") {
			c.warnings = append(c.warnings, "WithAgentURL("+agentURL+") is not an http, https or unix URL; ignoring it")
			return
		}
		c.agentURL = u
	})
}

// WithTracing switches tracing on or off (default: on; DD_TRACE_ENABLED).
func WithTracing(on bool) Option { return optionFunc(func(c *config) { c.tracing = on }) }

// WithProfiling switches the continuous profiler on or off (default: on;
// DD_PROFILING_ENABLED).
func WithProfiling(on bool) Option { return optionFunc(func(c *config) { c.profiling = on }) }

// WithRuntimeMetrics switches Go runtime metrics on or off (default: on;
// DD_RUNTIME_METRICS_ENABLED).
func WithRuntimeMetrics(on bool) Option {
	return optionFunc(func(c *config) { c.runtimeMetrics = on })
}

// WithLogLevel sets the minimum level of the default logger (default:
// DDX_LOG_LEVEL, else INFO). Pass a *slog.LevelVar to change it at run time.
func WithLogLevel(level slog.Leveler) Option {
	return optionFunc(func(c *config) {
		if level != nil {
			c.logLevel = level
		}
	})
}

// WithLogFormat chooses "json" or "text" log output (default: DDX_LOG_FORMAT,
// else text when stdout is a terminal and JSON otherwise).
func WithLogFormat(format string) Option {
	return optionFunc(func(c *config) {
		switch format {
		case "json", "text":
			c.logFormat = format
		default:
			c.warnings = append(c.warnings, "WithLogFormat("+format+") is neither json nor text; ignoring it")
		}
	})
}

// WithLogWriter sets where the default logger writes (default: os.Stdout).
func WithLogWriter(w io.Writer) Option {
	return optionFunc(func(c *config) {
		if w != nil {
			c.logWriter = w
		}
	})
}

// WithLogHandlers adds sinks that receive every record the default logger
// handles, fanned out with slog-multi. Each applies its own level.
//
// Each sink gets the records redacted as ddx's own handler writes them: the
// values of attributes whose key (or a group's name, or a WithGroup's)
// matches the built-in list or [WithRedactKeys] read "[REDACTED]", and so
// do the secrets inside maps, structs, slices and headers. Errors reach a
// sink as errors (an *errors.Error redacts its own attributes); a record
// with nothing to redact reaches it unchanged. What a sink then writes of
// the message and of free text is, as for ddx's handler, not redacted.
func WithLogHandlers(handlers ...slog.Handler) Option {
	return optionFunc(func(c *config) {
		for _, h := range handlers {
			if h != nil {
				c.logHandlers = append(c.logHandlers, h)
			}
		}
	})
}

// WithRedactKeys adds attribute names to redact in every log line, on top of
// the built-in list (see [HandlerOptions]).
func WithRedactKeys(keys ...string) Option {
	return optionFunc(func(c *config) { c.redactKeys = append(c.redactKeys, keys...) })
}

// WithStopTimeout bounds how long [Runtime.Stop] may take (default 5s).
func WithStopTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.stopTimeout = d
		}
	})
}

// WithTracerOptions passes options through to dd-trace-go's tracer.Start,
// after ddx's own, for what ddx does not cover (sampling rules, global tags).
func WithTracerOptions(opts ...tracer.StartOption) Option {
	return optionFunc(func(c *config) { c.tracerOpts = append(c.tracerOpts, opts...) })
}

// WithProfilerOptions passes options through to dd-trace-go's
// profiler.Start, after ddx's own (for example more profile types).
func WithProfilerOptions(opts ...profiler.Option) Option {
	return optionFunc(func(c *config) { c.profilerOpts = append(c.profilerOpts, opts...) })
}

// WithMemoryLimitRatio sets the share of the container's memory limit that
// GOMEMLIMIT is set to when GOMEMLIMIT is unset (default 0.9). Zero or less
// leaves GOMEMLIMIT alone.
func WithMemoryLimitRatio(ratio float64) Option {
	return optionFunc(func(c *config) { c.memLimitRatio = ratio })
}

// WithLocalView switches the local trace view on or off. The view shows a
// person running the service without Datadog what Datadog would show: each
// finished trace as an indented tree of its spans with durations, HTTP
// status or gRPC code and errors (kind, type, message), on stderr:
//
//	trace 6a0f3c2e00000000a1b2c3d4e5f60718  users  12.4ms  2 spans, 1 error
//	GET /users/{id} (http.request)  12.4ms  503  ERROR
//	│ ! Unavailable: users.Get: load user 7: dial tcp 10.0.0.5:5432: connect: connection refused
//	└─ SELECT users (db.query)  3.10ms  at +300µs
//
// It is text when the log format is text or stderr is a terminal, and
// otherwise one JSON object per trace (a log line with status INFO, the
// trace's dd.trace_id and its spans), so that stdout and stderr both stay
// one JSON object per line for a log collector.
//
// The spans are those the tracer sends to the Agent, decoded on their way
// there; when no Agent can be reached, ddx answers the tracer in the
// Agent's place, so nothing is reported lost for traces the view showed.
// While the view is on, the tracer is kept on the v0.4 trace protocol and
// sends unsampled traces too, so the view sees every trace.
//
// Default: DDX_LOCAL_VIEW (true or false); else on when DD_ENV is local, or
// is development or dev and stderr is a terminal; else, when DD_ENV is
// development or dev or stderr is a terminal, on from the moment the Agent
// cannot be dialled; off otherwise. So a shared dev cluster with an Agent
// and collected stderr does not get it, nor does production, where stderr
// is not a terminal, unless asked. Off, it costs nothing: no payload is
// read.
func WithLocalView(on bool) Option {
	return optionFunc(func(c *config) {
		if on {
			c.localView = viewOn
		} else {
			c.localView = viewOff
		}
	})
}
