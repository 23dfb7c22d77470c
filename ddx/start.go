package ddx

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/DataDog/dd-trace-go/v2/profiler"
	"github.com/KimMachineGun/automemlimit/memlimit"
	slogmulti "github.com/samber/slog-multi"

	"github.com/ddx-go/ddx/attr"
	"github.com/ddx-go/ddx/errors"
)

// Runtime is what [Start] started: the tracer, the profiler, runtime metrics
// and the default logger. Stop it once, when the service ends:
//
//	defer ddx.Start().Stop()
type Runtime struct {
	cfg       *config
	logger    *slog.Logger
	prev      *slog.Logger // the default logger before Start, restored by Stop
	transport *agentTransport
	sampler   *sampler      // nil when log sampling is off
	mem       *memWatch     // nil when the memory report is off
	started   chan struct{} // closed when the tracer and profiler are up
	stopOnce  sync.Once
	stopped   chan struct{} // closed when Stop has returned
}

var (
	activeMu sync.Mutex
	active   *Runtime
	// stopping is closed when the last Stop's tracer.Stop and
	// profiler.Stop have returned. A Stop that hit its bound returns while
	// they still run, and dd-trace-go's Stop stops whatever tracer is
	// global then: a Start in between would have its new tracer stopped
	// under it, and record nothing.
	stopping <-chan struct{}
)

// Start sets the service up for Datadog and returns at once: it never waits
// on the Agent for more than a few tens of milliseconds, whether the Agent is
// absent, slow or hanging.
//
// It installs a default slog logger that writes one JSON object per line to
// stdout with trace correlation and Datadog's attribute names (text when
// stdout is a terminal), sets GOMEMLIMIT from the container's memory limit
// when it is unset, and starts dd-trace-go's tracer, the profiler (CPU and
// heap) and runtime metrics. Configuration comes from Datadog's own
// environment variables; options override them. One INFO line tells the
// effective configuration.
//
// Start while a Runtime is running returns that Runtime and logs a warning.
func Start(opts ...Option) *Runtime {
	activeMu.Lock()
	defer activeMu.Unlock()
	if active != nil {
		active.logger.Warn("ddx.Start called while ddx is already running; keeping the running configuration")
		return active
	}
	cfg := loadConfig(opts)
	r := &Runtime{cfg: cfg, started: make(chan struct{}), stopped: make(chan struct{})}
	h := cfg.handler()
	if cfg.logSamplingEnabled() {
		r.sampler = newSampler(h)
		h = r.sampler.handler(h)
	}
	r.logger = slog.New(h)
	r.prev = slog.Default()
	slog.SetDefault(r.logger)
	for _, w := range cfg.warnings {
		r.logger.Warn("ddx: " + w)
	}

	mem := setMemoryLimit(cfg, r.logger)
	if cfg.memReportEnabled() {
		r.mem = newMemWatch(r.logger, memPoll, memSustain, memQuiet)
	}

	tl := newTracerLogger(r.logger, cfg.agentURL.Redacted())
	tracer.UseLogger(tl.adapter())
	hook, viewState := cfg.newAgentHook(tl)
	r.transport = newAgentTransport(cfg.agentURL, cfg.infoTimeout, hook)

	// Start returns once the tracer is up, so that every span started
	// after it is recorded: the first requests after a deploy are the ones
	// somebody looks at. That is quick whatever the Agent does: /info has
	// its own short deadline, and AppSec's rules, the slow part of
	// tracer.Start, are not loaded unless asked for (see appsecOff). The
	// profiler keeps starting in the background. startWait only bounds a
	// tracer.Start that a starved machine makes slow.
	tracerUp := make(chan struct{})
	go r.startDatadog(tracerUp, stopping)
	wait := time.NewTimer(cfg.startWait)
	select {
	case <-tracerUp:
	case <-wait.C:
		// Still starting: let it finish in the background. Spans started
		// until then are not recorded.
		r.logger.Info("ddx: the tracer is still starting; continuing without waiting for the Datadog Agent",
			slog.String("agent.url", cfg.agentURL.Redacted()))
	}
	wait.Stop()

	r.logger.LogAttrs(context.Background(), slog.LevelInfo, "ddx started",
		slog.String("service", cfg.service), slog.String("env", cfg.env), slog.String("version", cfg.version),
		slog.String("agent.url", cfg.agentURL.Redacted()),
		slog.Bool("tracing", cfg.tracing), slog.Bool("profiling", cfg.profiling), slog.Bool("runtime_metrics", cfg.runtimeMetrics),
		slog.String("log.format", cfg.logFormat), slog.String("log.level", cfg.logLevel.Level().String()),
		slog.Bool("log.sampling", r.sampler != nil),
		slog.String("local_view", viewState),
		slog.String("memory_limit", mem),
		slog.String("stop_timeout", cfg.stopTimeout.String()))
	active = r
	return r
}

// handler builds the default logger's handler: JSON or text on the
// configured writer, fanned out to extra sinks with slog-multi.
func (c *config) handler() slog.Handler {
	ho := &HandlerOptions{
		Level:      c.logLevel,
		Service:    c.service,
		Env:        c.env,
		Version:    c.version,
		RedactKeys: c.redactKeys,
	}
	var h slog.Handler
	if c.logFormat == "text" {
		h = newTextHandler(c.logWriter, ho)
	} else {
		h = NewHandler(c.logWriter, ho)
	}
	if len(c.logHandlers) == 0 {
		return h
	}
	return slogmulti.Fanout(append([]slog.Handler{h}, c.logHandlers...)...)
}

// startDatadog starts the tracer, closes tracerUp, and starts the
// profiler. It runs on its own goroutine so that Start can bound the wait.
func (r *Runtime) startDatadog(tracerUp chan struct{}, prev <-chan struct{}) {
	defer close(r.started)
	tracerClosed := false
	defer func() {
		if !tracerClosed {
			close(tracerUp)
		}
	}()
	defer func() {
		// dd-trace-go must never take the service down with it.
		if v := recover(); v != nil {
			r.logger.Error("ddx: the Datadog tracer panicked while starting; continuing without it",
				slog.Any(attr.Error, recoveredError(v)))
		}
	}()
	c := r.cfg
	if prev != nil {
		// The Agent transport of the previous Runtime was aborted at its
		// bound, so this wait ends soon; Start does not wait for it beyond
		// startWait either way.
		<-prev
	}
	if c.tracing {
		topts := []tracer.StartOption{
			tracer.WithService(c.service),
			tracer.WithHTTPClient(r.transport.client()),
			tracer.WithLogStartup(false), // ddx logs its own one-line summary
		}
		if c.runtimeMetrics {
			topts = append(topts, tracer.WithRuntimeMetrics())
		}
		if c.env != "" {
			topts = append(topts, tracer.WithEnv(c.env))
		}
		if c.version != "" {
			topts = append(topts, tracer.WithServiceVersion(c.version))
		}
		topts = append(topts, tracer.WithAgentURL(c.agentURL.String()))
		if appsecOff() {
			topts = append(topts, tracer.WithAppSecEnabled(false))
		}
		topts = append(topts, c.tracerOpts...)
		if err := startTracer(c, r.logger, topts); err != nil {
			r.logger.Error("ddx: the Datadog tracer did not start; the service runs without traces",
				slog.Any(attr.Error, err))
		}
	}
	close(tracerUp)
	tracerClosed = true
	if c.profiling {
		popts := []profiler.Option{
			profiler.WithService(c.service),
			profiler.WithHTTPClient(r.transport.client()),
			profiler.WithLogStartup(false),
			profiler.WithProfileTypes(profiler.CPUProfile, profiler.HeapProfile),
		}
		if addr := c.agentAddr(); addr != "" {
			popts = append(popts, profiler.WithAgentAddr(addr))
		} else {
			popts = append(popts, profiler.WithUDS(c.agentURL.Path))
		}
		if c.env != "" {
			popts = append(popts, profiler.WithEnv(c.env))
		}
		if c.version != "" {
			popts = append(popts, profiler.WithVersion(c.version))
		}
		popts = append(popts, c.profilerOpts...)
		if err := profiler.Start(popts...); err != nil {
			r.logger.Error("ddx: the Datadog profiler did not start; the service runs without profiles",
				slog.Any(attr.Error, err))
		}
	}
}

// appsecOff reports whether Start turns AppSec off: when DD_APPSEC_ENABLED
// is not set at all. dd-trace-go then loads AppSec's WAF rules at start in
// case remote configuration activates it, which is most of tracer.Start's
// time (about 25 ms of 28 without an Agent) and memory for a product that
// has to be bought and switched on anyway. DD_APPSEC_ENABLED=true (or
// false) is passed through as set; tracer.WithAppSecEnabled in
// WithTracerOptions overrides this.
func appsecOff() bool {
	_, set := os.LookupEnv("DD_APPSEC_ENABLED")
	return !set
}

// Ready returns a channel that is closed when the tracer and the profiler
// are up (or have given up starting). Start does not wait for them for more
// than a few tens of milliseconds, and spans started before they are up are
// not recorded: a test, or a program that must trace its very first
// request, waits on it:
//
//	rt := ddx.Start()
//	<-rt.Ready()
//
// On a nil Runtime it returns a closed channel.
func (r *Runtime) Ready() <-chan struct{} {
	if r == nil {
		return closedChan
	}
	return r.started
}

var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// Logger returns the logger Start installed as slog's default.
func (r *Runtime) Logger() *slog.Logger {
	if r == nil {
		return slog.Default()
	}
	return r.logger
}

// Stop flushes what the tracer and the profiler hold and stops them, within
// the stop timeout (default 5s) whatever the Agent does: with a healthy
// Agent every finished span is delivered; with a hanging one, requests are
// abandoned at the bound and the loss is logged. It restores the default
// logger that was in place before Start. Calling Stop again, or on nil, does
// nothing.
func (r *Runtime) Stop() {
	if r == nil {
		return
	}
	r.stopOnce.Do(r.stop)
	<-r.stopped
}

func (r *Runtime) stop() {
	defer close(r.stopped)
	deadline := time.Now().Add(r.cfg.stopTimeout)
	done := make(chan struct{})
	activeMu.Lock()
	stopping = done // a later Start waits for it before starting its tracer
	activeMu.Unlock()
	go func() {
		defer close(done)
		defer func() {
			if v := recover(); v != nil {
				r.logger.Error("ddx: the Datadog tracer panicked while stopping",
					slog.Any(attr.Error, recoveredError(v)))
			}
		}()
		<-r.started
		// The profiler first: its last upload is less valuable than spans,
		// and stopping it frees the CPU the span flush may need.
		if r.cfg.profiling {
			profiler.Stop()
		}
		if r.cfg.tracing {
			tracer.Stop()
		}
	}()

	// Leave a tenth of the budget for abandoning requests to a hanging Agent.
	soft := time.NewTimer(time.Until(deadline) * 9 / 10)
	defer soft.Stop()
	select {
	case <-done:
	case <-soft.C:
		r.transport.abort()
		hard := time.NewTimer(time.Until(deadline))
		defer hard.Stop()
		select {
		case <-done:
			r.logger.Warn("ddx: the Datadog Agent did not take the last data in time; what was not sent is lost",
				slog.String("agent.url", r.cfg.agentURL.Redacted()), slog.String("stop_timeout", r.cfg.stopTimeout.String()))
		case <-hard.C:
			r.logger.Error("ddx: Stop gave up waiting for the Datadog tracer; what was not sent is lost",
				slog.String("agent.url", r.cfg.agentURL.Redacted()), slog.String("stop_timeout", r.cfg.stopTimeout.String()))
		}
	}
	// The tracer and profiler are done with the Agent: release whatever
	// they left open.
	r.transport.abort()

	activeMu.Lock()
	if active == r {
		active = nil
	}
	activeMu.Unlock()
	if r.mem != nil {
		r.mem.close()
	}
	if r.sampler != nil {
		r.sampler.close() // the last counts, before the logger goes
	}
	if slog.Default() == r.logger {
		slog.SetDefault(r.prev)
	}
}

// setMemoryLimit sets GOMEMLIMIT from the container's memory limit when the
// variable is unset, with automemlimit, and says what it did.
func setMemoryLimit(c *config, l *slog.Logger) string {
	if _, ok := getenv("GOMEMLIMIT"); ok {
		return "GOMEMLIMIT=" + formatBytes(debug.SetMemoryLimit(-1)) + " (from the environment)"
	}
	if c.memLimitRatio <= 0 {
		return "not set (disabled by option)"
	}
	limit, err := memlimit.Set(
		memlimit.WithRatio(math.Min(c.memLimitRatio, 1)),
		memlimit.WithProvider(memlimit.FromCgroup),
	)
	switch {
	case err != nil:
		l.Warn("ddx: could not read the container's memory limit; GOMEMLIMIT left unset",
			slog.Any(attr.Error, err))
		return "not set (" + err.Error() + ")"
	case limit == math.MaxInt64:
		return "none (no container memory limit)"
	default:
		return "GOMEMLIMIT=" + formatBytes(limit) + fmt.Sprintf(" (%.0f%% of the container limit)", c.memLimitRatio*100)
	}
}

func formatBytes(n int64) string {
	if n == math.MaxInt64 {
		return "unlimited"
	}
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// recoveredError is a panic recovered by ddx as the error of its line:
// Internal, with the stack of the panic (made in the deferred function, it
// holds the frames that panicked).
func recoveredError(v any) error { return errors.E(errors.Internal, "panic: "+fmt.Sprint(v)) }
