// Package handson tests the hands-on course: every step is built once and
// run as the participants run it, and its output is checked for the shape
// the READMEs show, so the course cannot rot unnoticed.
package handson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ddx-go/ddx/examples/internal/sample"
	"github.com/ddx-go/ddx/internal/testagent"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// steps are the course, in order; each is a directory with a main package.
var steps = []string{
	"step1-setup",
	"step2-errors",
	"step3-http",
	"step4-outbound-and-jobs",
	"step5-logs-and-traces",
	"step6-memory",
	"step7-noise",
	"step8-database",
	"step9-two-services",
}

// modules are the steps that are Go modules of their own (their database
// drivers and Kafka client stay out of ddx's go.mod), with their programs;
// they are built in their directory. A step of several programs is a
// directory of binaries: bin(t, "step9-two-services/shop").
var modules = map[string][]string{"step8-database": {"."}, "step9-two-services": {"./shop", "./worker"}}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// bin returns the path of a step's program. All steps are built by one go
// build, so their links run in parallel and only once per test run.
func bin(t *testing.T, step string) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "handson")
		if buildErr != nil {
			return
		}
		// -buildvcs=false whatever GOFLAGS holds: a VCS stamp would become
		// the service's version, which the READMEs' samples do not show.
		args := []string{"build", "-buildvcs=false", "-o", binDir + string(filepath.Separator)}
		for _, s := range steps {
			if modules[s] == nil {
				args = append(args, "./"+s)
			}
		}
		cmds := []*exec.Cmd{exec.Command("go", args...)}
		for s, progs := range modules {
			out := filepath.Join(binDir, s)
			if len(progs) > 1 {
				out += string(filepath.Separator)
			}
			cmd := exec.Command("go", append([]string{"build", "-buildvcs=false", "-o", out}, progs...)...)
			cmd.Dir = s
			cmds = append(cmds, cmd)
		}
		for _, cmd := range cmds {
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build in %s: %v\n%s", cmd.Dir, err, out)
				return
			}
		}
	})
	require.NoError(t, buildErr)
	return filepath.Join(binDir, step)
}

// proc is a running step program.
type proc struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer

	mu    sync.Mutex
	lines []string      // stdout, line by line
	added chan struct{} // closed and replaced on every line
	done  chan struct{} // closed when stdout is drained
}

// start runs a step with env added to the test's environment. Every step
// runs with telemetry off; the Agent is whatever env says.
func start(t *testing.T, step string, env ...string) *proc {
	t.Helper()
	p := &proc{added: make(chan struct{}), done: make(chan struct{})}
	p.cmd = exec.Command(bin(t, step))
	p.cmd.Dir = t.TempDir()
	p.cmd.Env = append(os.Environ(), "DD_INSTRUMENTATION_TELEMETRY_ENABLED=false")
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			close(p.added)
			p.added = make(chan struct{})
			p.mu.Unlock()
		}
	}()
	return p
}

// waitLog waits for the first JSON line whose message is msg.
func (p *proc) waitLog(t *testing.T, msg string) map[string]any {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		p.mu.Lock()
		added := p.added
		for _, l := range p.jsonLocked() {
			if l["message"] == msg {
				p.mu.Unlock()
				return l
			}
		}
		p.mu.Unlock()
		select {
		case <-added:
		case <-p.done:
			t.Fatalf("the program ended without logging %q; stdout:\n%s\nstderr:\n%s", msg, p.stdout(), p.stderr.String())
		case <-deadline:
			t.Fatalf("no %q line after 30s; stdout:\n%s", msg, p.stdout())
		}
	}
}

// waitLogs waits for n JSON lines whose message is msg, and returns them.
func (p *proc) waitLogs(t *testing.T, msg string, n int) []map[string]any {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		p.mu.Lock()
		added := p.added
		p.mu.Unlock()
		if l := p.logs(msg); len(l) >= n {
			return l
		}
		select {
		case <-added:
		case <-p.done:
			t.Fatalf("the program ended with fewer than %d %q lines; stdout:\n%s\nstderr:\n%s", n, msg, p.stdout(), p.stderr.String())
		case <-deadline:
			t.Fatalf("fewer than %d %q lines after 30s; stdout:\n%s", n, msg, p.stdout())
		}
	}
}

// wait waits for the program to exit by itself and requires exit status 0.
func (p *proc) wait(t *testing.T) {
	t.Helper()
	exited := make(chan error, 1)
	go func() { <-p.done; exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		require.NoError(t, err, "exit status 0; stdout:\n%s\nstderr:\n%s", p.stdout(), p.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the program did not exit; stdout:\n%s", p.stdout())
	}
}

// interrupt is Ctrl-C: the program must shut down and exit 0.
func (p *proc) interrupt(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
	p.wait(t)
}

func (p *proc) stdout() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// json returns the stdout lines that are JSON objects, decoded.
func (p *proc) json() []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.jsonLocked()
}

func (p *proc) jsonLocked() []map[string]any {
	var out []map[string]any
	for _, l := range p.lines {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// requireAllJSON checks ddx's promise: every line on stdout is one JSON
// object, the tracer's own messages included.
func (p *proc) requireAllJSON(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.lines {
		require.True(t, json.Valid([]byte(l)), "stdout line is not JSON: %s", l)
	}
}

// logs returns the JSON lines whose message is msg.
func (p *proc) logs(msg string) []map[string]any {
	var out []map[string]any
	for _, l := range p.json() {
		if l["message"] == msg {
			out = append(out, l)
		}
	}
	return out
}

// errorOf returns a line's error object (error.kind, error.message, ...).
func errorOf(t *testing.T, line map[string]any) map[string]any {
	t.Helper()
	e, ok := line["error"].(map[string]any)
	require.True(t, ok, "the line has an error object: %v", line)
	return e
}

// withAgent points a step at a test Agent with the profiler off, so the
// test sees the spans it sends.
func withAgent(a *testagent.Agent) []string {
	return []string{"DD_TRACE_AGENT_URL=" + a.URL(), "DD_PROFILING_ENABLED=false"}
}

var traceID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// get requests base+path and returns the status and body.
func get(t *testing.T, base, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// problem is the answer middleware writes for an error.
type problem struct {
	Title   string `json:"title"`
	Status  int    `json:"status"`
	Detail  string `json:"detail"`
	TraceID string `json:"trace_id"`
}

func getProblem(t *testing.T, base, path string) (int, problem) {
	t.Helper()
	code, body := get(t, base, path)
	var p problem
	require.NoError(t, json.Unmarshal([]byte(body), &p), body)
	return code, p
}

func TestStep1Setup(t *testing.T) {
	t.Parallel()
	// No Agent: nothing listens on port 1.
	p := start(t, "step1-setup", "DD_TRACE_AGENT_URL=http://127.0.0.1:1")
	p.wait(t)
	p.requireAllJSON(t)

	started := p.waitLog(t, "ddx started")
	assert.Equal(t, "step1-setup", started["service"], "the service is named after the program")

	var warned bool
	for _, l := range p.json() {
		msg, _ := l["message"].(string)
		if strings.HasPrefix(msg, "Datadog Agent not reachable") {
			warned = true
			assert.Equal(t, "WARN", l["status"])
		}
	}
	assert.True(t, warned, "one line says the Agent is missing, in plain words")

	hello := p.waitLog(t, "hello, Datadog")
	assert.Equal(t, "INFO", hello["status"])
	assert.Equal(t, float64(42), hello["user.id"])
	assert.Equal(t, "step1-setup", hello["dd.service"], "unified service tagging in every line")
	assert.NotEmpty(t, hello["timestamp"])

	login := p.waitLog(t, "a login attempt")
	assert.Equal(t, "[REDACTED]", login["password"])
	assert.NotContains(t, p.stdout(), "hunter2", "the secret never reaches the output")
}

func TestStep2Errors(t *testing.T) {
	t.Parallel()
	p := start(t, "step2-errors", "DD_TRACE_AGENT_URL=http://127.0.0.1:1")
	p.wait(t)
	out := p.stdout()

	// What the program prints for people, as the README shows it.
	for _, want := range []string{
		"error:    users.Get: user 7 not found\n",
		"kind:     NotFound expected: true\n",
		"public:   user 7 not found\n",
		"error:    items.Get 9: sql: no rows in result set\n",
		"public:   not found\n",
		"error:    orders.Charge: charge order 42: dial tcp 127.0.0.1:1: connect: connection refused [order.id=42]\n",
		"kind:     Unavailable expected: false\n",
		"public:   service unavailable\n",
	} {
		assert.Contains(t, out+"\n", want)
	}

	lines := p.logs("failed")
	require.Len(t, lines, 3)
	assert.Equal(t, "WARN", lines[0]["status"], "expected: nobody is paged")
	notFound := errorOf(t, lines[0])
	assert.Equal(t, "NotFound", notFound["kind"])
	assert.Equal(t, "users.Get: user 7 not found", notFound["message"])

	assert.Equal(t, "WARN", lines[1]["status"], "a row that is not there is not an incident")
	noRow := errorOf(t, lines[1])
	assert.Equal(t, "NotFound", noRow["kind"], "sql.ErrNoRows needs no kind of its own")
	assert.Equal(t, "items.Get 9: sql: no rows in result set", noRow["message"])

	assert.Equal(t, "ERROR", lines[2]["status"])
	down := errorOf(t, lines[2])
	assert.Equal(t, "Unavailable", down["kind"])
	assert.Contains(t, down["message"], "orders.Charge: charge order 42: dial tcp 127.0.0.1:1")
	assert.Equal(t, float64(42), down["order.id"], "attributes travel with the error")
	assert.Contains(t, down["stack"], "main.chargeOrder", "the stack of where the error was made")
}

func TestStep3HTTP(t *testing.T) {
	t.Parallel()
	agent := testagent.Start(t)
	p := start(t, "step3-http", append(withAgent(agent), "PORT=0")...)
	base := p.waitLog(t, "listening")["addr"].(string)

	code, body := get(t, base, "/hello")
	assert.Equal(t, 200, code)
	assert.Equal(t, "hello\n", body)

	code, notFound := getProblem(t, base, "/users/7")
	assert.Equal(t, 404, code)
	assert.Equal(t, "user 7 not found", notFound.Detail, "expected kinds tell the client what went wrong")
	assert.Regexp(t, traceID, notFound.TraceID)

	code, body = get(t, base, "/boom")
	assert.Equal(t, 500, code)
	assert.NotContains(t, body, "database", "the client sees nothing internal")
	var boom problem
	require.NoError(t, json.Unmarshal([]byte(body), &boom))
	assert.Equal(t, "internal error", boom.Detail)
	assert.Regexp(t, traceID, boom.TraceID, "a trace id to quote to support")

	code, _ = get(t, base, "/healthz")
	assert.Equal(t, 200, code)

	p.interrupt(t)
	p.requireAllJSON(t)

	access := p.logs("http request")
	require.Len(t, access, 3, "one line per request, none for /healthz")
	for i, want := range []struct {
		status, route string
		code          float64
		traceID       string
	}{
		{"INFO", "/hello", 200, ""},
		{"WARN", "/users/{id}", 404, notFound.TraceID},
		{"ERROR", "/boom", 500, boom.TraceID},
	} {
		l := access[i]
		assert.Equal(t, want.status, l["status"], want.route)
		assert.Equal(t, want.route, l["http.route"])
		assert.Equal(t, want.code, l["http.status_code"])
		assert.Regexp(t, traceID, l["dd.trace_id"])
		if want.traceID != "" {
			assert.Equal(t, want.traceID, l["dd.trace_id"], "the client's trace id finds the log line")
		}
	}
	assert.Equal(t, "the database said no", errorOf(t, access[2])["message"])

	// Ctrl-C stopped ddx, which flushed the spans to the Agent.
	spans := agent.WaitFor(t, 10*time.Second, func(s []testagent.Span) bool { return len(serverSpans(s)) >= 3 })
	server := serverSpans(spans)
	assert.Equal(t, int32(0), server["GET /hello"].Error)
	assert.Equal(t, int32(0), server["GET /users/{id}"].Error, "a 404 is not an error: no monitor fires")
	assert.Equal(t, int32(1), server["GET /boom"].Error)
	assert.Equal(t, boom.TraceID, server["GET /boom"].TraceID128())
	assert.Len(t, server, 3, "no span for /healthz")
}

// serverSpans indexes the server spans by resource.
func serverSpans(spans []testagent.Span) map[string]testagent.Span {
	out := map[string]testagent.Span{}
	for _, s := range spans {
		if s.Meta["span.kind"] == "server" {
			out[s.Resource] = s
		}
	}
	return out
}

func TestStep4OutboundAndJobs(t *testing.T) {
	t.Parallel()
	agent := testagent.Start(t)
	p := start(t, "step4-outbound-and-jobs", withAgent(agent)...)
	p.wait(t)
	p.requireAllJSON(t)

	runs := p.logs("job run")
	require.GreaterOrEqual(t, len(runs), 2, "Every runs once a second for 3.5s:\n%s", p.stdout())
	for _, l := range runs {
		assert.Equal(t, "ERROR", l["status"])
		assert.Equal(t, "prices.sync", l["job.name"])
		assert.Regexp(t, traceID, l["dd.trace_id"], "each run is a trace")
		e := errorOf(t, l)
		assert.Equal(t, "Unavailable", e["kind"], "a refused connection is Unavailable")
		assert.Contains(t, e["message"], "prices.Sync: fetch prices: ")
		assert.Contains(t, e["message"], `Get "http://127.0.0.1:1/prices"`, "the error names the call that failed")
	}

	spans := agent.WaitFor(t, 10*time.Second, func(s []testagent.Span) bool {
		_, ok := testagent.Find(s, func(s testagent.Span) bool { return s.Name == "job.run" })
		return ok
	})
	for _, l := range runs {
		// The run's log line finds its trace.
		job, ok := testagent.Find(spans, func(s testagent.Span) bool {
			return s.Name == "job.run" && s.TraceID128() == l["dd.trace_id"]
		})
		if !assert.True(t, ok, "the Agent has the run's trace %v", l["dd.trace_id"]) {
			continue
		}
		assert.Equal(t, "prices.sync", job.Resource)
		assert.Equal(t, int32(1), job.Error)
		call, ok := testagent.Find(spans, func(s testagent.Span) bool {
			return s.ParentID == job.SpanID && s.Meta["span.kind"] == "client"
		})
		assert.True(t, ok, "the outbound call is a span inside the job's trace")
		assert.Equal(t, int32(1), call.Error)
	}
}

func TestStep5LogsAndTraces(t *testing.T) {
	t.Parallel()
	agent := testagent.Start(t)
	p := start(t, "step5-logs-and-traces", append(withAgent(agent), "PORT=0")...)
	base := p.waitLog(t, "listening")["addr"].(string)

	code, answer := getProblem(t, base, "/checkout/42")
	assert.Equal(t, 503, code)
	assert.Equal(t, "service unavailable", answer.Detail)
	require.Regexp(t, traceID, answer.TraceID)
	p.interrupt(t)
	p.requireAllJSON(t)

	// From the client's trace id to every line of the request.
	joined := p.waitLog(t, "checkout started")
	assert.Equal(t, answer.TraceID, joined["dd.trace_id"])
	assert.Equal(t, "42", joined["order.id"])
	alone := p.waitLog(t, "checkout started, logged without ctx")
	assert.NotContains(t, alone, "dd.trace_id", "without ctx a line cannot be joined")
	access := p.waitLog(t, "http request")
	assert.Equal(t, answer.TraceID, access["dd.trace_id"])
	assert.Equal(t, "ERROR", access["status"])
	assert.Contains(t, errorOf(t, access)["message"], "checkout: charge order 42: ")

	// From the log line to its trace: the Agent got it under the same id.
	spans := agent.WaitFor(t, 10*time.Second, func(s []testagent.Span) bool { return len(s) >= 2 })
	server, ok := testagent.Find(spans, func(s testagent.Span) bool { return s.Meta["span.kind"] == "server" })
	require.True(t, ok)
	assert.Equal(t, answer.TraceID, server.TraceID128(), "the trace has the id of the log lines")
	assert.Equal(t, "GET /checkout/{id}", server.Resource)
	assert.Equal(t, int32(1), server.Error)
	assert.Equal(t, fmt.Sprint(server.SpanID), joined["dd.span_id"], "the line points at the request's span")
	call, ok := testagent.Find(spans, func(s testagent.Span) bool { return s.Meta["span.kind"] == "client" })
	require.True(t, ok)
	assert.Equal(t, server.TraceID, call.TraceID, "the call to the payment service is in the same trace")
	assert.Equal(t, server.SpanID, call.ParentID)
}

func TestStep6Memory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, gomemlimit, memoryLimit string
		goalAtMostLive                bool // the GC aims at the live heap: no room left
	}{
		{name: "no limit", memoryLimit: "none (no container memory limit)"},
		{name: "GOMEMLIMIT", gomemlimit: "64MiB", memoryLimit: "GOMEMLIMIT=64.0MiB (from the environment)", goalAtMostLive: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := []string{"DD_TRACE_AGENT_URL=http://127.0.0.1:1", "DD_PROFILING_ENABLED=false", "GOMEMLIMIT=" + tc.gomemlimit}
			p := start(t, "step6-memory", env...)
			p.wait(t)
			p.requireAllJSON(t)

			assert.Equal(t, tc.memoryLimit, p.waitLog(t, "ddx started")["memory_limit"])
			mem := p.waitLog(t, "memory")
			live, _ := mem["heap.live.mib"].(float64)
			goal, _ := mem["heap.goal.mib"].(float64)
			assert.GreaterOrEqual(t, live, float64(50), "a quarter of 200 MiB is kept")
			if tc.goalAtMostLive {
				assert.LessOrEqual(t, goal, float64(64), "the GC aims below the limit")
			} else {
				assert.GreaterOrEqual(t, goal, 1.5*live, "without a limit the GC lets the heap double (GOGC=100)")
			}

			// With the heap near the limit for 5 s, ddx says what holds it;
			// without a limit there is nothing to be near.
			reports := p.logs("ddx: memory is near its limit")
			if tc.goalAtMostLive {
				require.Len(t, reports, 1, "one report while the pressure lasts")
				assert.Equal(t, "WARN", reports[0]["status"])
				top, _ := reports[0]["memory.top.1"].(map[string]any)
				assert.Equal(t, "main.handle", top["function"], "the function that holds the memory")
				assert.Contains(t, reports[0]["memory.top"], "main.handle (step6-memory/main.go:")
				// The repository's README shows this line.
				readme := sample.With(sample.Blocks(t, "../../README.md"), `"message":"ddx: memory is near its limit"`)
				require.Len(t, readme, 1)
				sample.Match(t, readme[0], p.lines)
			} else {
				assert.Empty(t, reports)
			}

			profile, err := os.ReadFile(filepath.Join(p.cmd.Dir, "heap.pprof"))
			require.NoError(t, err)
			require.Greater(t, len(profile), 2)
			assert.Equal(t, []byte{0x1f, 0x8b}, profile[:2], "a gzipped pprof profile, what go tool pprof reads")
		})
	}
}

func TestStep7Noise(t *testing.T) {
	t.Parallel()
	p := start(t, "step7-noise", "DD_TRACE_AGENT_URL=http://127.0.0.1:1", "DD_PROFILING_ENABLED=false")
	p.wait(t)
	p.requireAllJSON(t)

	failed := p.logs("request failed")
	// The first 10 of one failure a second; the burst takes a few
	// milliseconds, but a loaded machine may stretch it over a second.
	assert.GreaterOrEqual(t, len(failed), 10)
	assert.LessOrEqual(t, len(failed), 20)
	summaries := p.logs("ddx: repeated log lines suppressed")
	require.NotEmpty(t, summaries)
	var counted float64
	for _, s := range summaries {
		assert.Equal(t, "ERROR", s["status"])
		assert.Equal(t, "request failed", s["log.suppressed_message"])
		assert.Equal(t, "prices.Fetch", s["error.op"])
		counted += s["log.suppressed"].(float64)
	}
	assert.Equal(t, float64(1000), float64(len(failed))+counted, "nothing is lost: written + counted = 1000")

	off := start(t, "step7-noise", "DD_TRACE_AGENT_URL=http://127.0.0.1:1", "DD_PROFILING_ENABLED=false", "DDX_LOG_SAMPLING=off")
	off.wait(t)
	assert.Len(t, off.logs("request failed"), 1000, "DDX_LOG_SAMPLING=off writes every line")
}

// TestServingStepsSayWhenThePortIsTaken: a step still running in another
// terminal holds the port. The next one must not look as if it served: it
// exits non-zero, with one line that says why and how to pick another port.
func TestServingStepsSayWhenThePortIsTaken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ step, run string }{
		{"step3-http", "go run ./step3-http"},
		{"step5-logs-and-traces", "go run ./step5-logs-and-traces"},
		{"step8-database", "go run ."}, // run in its own directory
		{"step9-two-services/shop", "go run ./shop (and SHOP_URL=http://localhost:8081 go run ./worker)"},
	} {
		step := tc.step
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			taken, err := net.Listen("tcp", "localhost:0")
			require.NoError(t, err)
			defer taken.Close()
			port := strconv.Itoa(taken.Addr().(*net.TCPAddr).Port)

			p := start(t, step, "DD_TRACE_AGENT_URL=http://127.0.0.1:1", "DD_PROFILING_ENABLED=false", "PORT="+port, "KAFKA_PORT=0")
			<-p.done
			var exit *exec.ExitError
			require.ErrorAs(t, p.cmd.Wait(), &exit, "a step that cannot serve exits non-zero:\n%s", p.stdout())
			assert.NotZero(t, exit.ExitCode())

			var errs []map[string]any
			for _, l := range p.json() {
				if l["status"] == "ERROR" {
					errs = append(errs, l)
				}
			}
			require.Len(t, errs, 1, "one line says what is wrong:\n%s", p.stdout())
			assert.Equal(t, "cannot listen on port "+port+", pick another: PORT=8081 "+tc.run, errs[0]["message"])
			assert.Contains(t, errorOf(t, errs[0])["message"], "address already in use", "the cause says the port is taken")
		})
	}
}

func TestStep8Database(t *testing.T) {
	t.Parallel()
	agent := testagent.Start(t)
	p := start(t, "step8-database", append(withAgent(agent), "PORT=0")...)
	base := p.waitLog(t, "listening")["addr"].(string)

	code, body := get(t, base, "/items/1")
	assert.Equal(t, 200, code)
	assert.Equal(t, "keyboard\n", body, "the row is in SQLite")
	code, missing := getProblem(t, base, "/items/9")
	assert.Equal(t, 404, code, "sql.ErrNoRows from a real database is NotFound")
	assert.Equal(t, "not found", missing.Detail)
	code, down := getProblem(t, base, "/orders/7")
	assert.Equal(t, 503, code, "a database that refuses connections is Unavailable")
	assert.Equal(t, "service unavailable", down.Detail, "the client sees nothing internal")
	p.interrupt(t)
	p.requireAllJSON(t)

	access := p.logs("http request")
	require.Len(t, access, 3)
	assert.Equal(t, "INFO", access[0]["status"])
	assert.Equal(t, "WARN", access[1]["status"], "a row that is not there is not an incident")
	assert.Equal(t, "NotFound", errorOf(t, access[1])["kind"])
	assert.Equal(t, "items.Get 9: sql: no rows in result set", errorOf(t, access[1])["message"])
	assert.Equal(t, "ERROR", access[2]["status"], "a database that is down is one")
	assert.Equal(t, "Unavailable", errorOf(t, access[2])["kind"])
	assert.Contains(t, errorOf(t, access[2])["message"], "connection refused")

	// Every query is a span under the request's; only the outage is an error.
	spans := agent.WaitFor(t, 10*time.Second, func(spans []testagent.Span) bool {
		n := 0
		for _, s := range spans {
			if s.Meta["span.kind"] == "server" {
				n++
			}
		}
		return n == 3
	})
	for _, tc := range []struct {
		traceID, child string
		err            int32
	}{
		{missing.TraceID, "sqlite.query", 0},
		{down.TraceID, "pgx.query", 1},
	} {
		server, ok := testagent.Find(spans, func(s testagent.Span) bool {
			return s.Meta["span.kind"] == "server" && s.TraceID128() == tc.traceID
		})
		require.True(t, ok, "the Agent has the trace of the answer %s", tc.traceID)
		assert.Equal(t, tc.err, server.Error, server.Resource)
		query, ok := testagent.Find(spans, func(s testagent.Span) bool {
			return s.ParentID == server.SpanID && s.Name == tc.child
		})
		require.True(t, ok, "a %s span under %s", tc.child, server.Resource)
		assert.Equal(t, tc.err, query.Error, query.Resource)
	}
}

// post sends an empty POST to base+path and returns the status.
func post(t *testing.T, base, path string) int {
	t.Helper()
	resp, err := http.Post(base+path, "", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// startTwoServices runs step 9 as the page does, on free ports: the shop
// with its broker, then the worker pointed at both. It returns the shop's
// URL.
func startTwoServices(t *testing.T, env ...string) (shop, worker *proc, base string) {
	t.Helper()
	shop = start(t, "step9-two-services/shop", append(env, "PORT=0", "KAFKA_PORT=0")...)
	kafka := shop.waitLog(t, "kafka started")["addr"].(string)
	base = shop.waitLog(t, "listening")["addr"].(string)
	worker = start(t, "step9-two-services/worker", append(env, "KAFKA_BROKERS="+kafka, "SHOP_URL="+base)...)
	return shop, worker, base
}

func TestStep9TwoServices(t *testing.T) {
	t.Parallel()
	agent := testagent.Start(t)
	shop, worker, base := startTwoServices(t, withAgent(agent)...)

	// One order at a time, as the page types them.
	assert.Equal(t, 202, post(t, base, "/orders/1"))
	worker.waitLogs(t, "kafka message", 1)
	assert.Equal(t, 202, post(t, base, "/orders/0"), "the shop does not check: the worker finds no item 0")
	messages := worker.waitLogs(t, "kafka message", 2)
	worker.interrupt(t) // first: it commits through the shop's broker
	shop.interrupt(t)
	shop.requireAllJSON(t)
	worker.requireAllJSON(t)

	access := shop.logs("http request")
	require.Len(t, access, 4, "the two orders and the worker's two calls")
	for i, want := range []struct {
		status, route string
		code          float64
	}{
		{"INFO", "/orders/{item}", 202}, {"INFO", "/stock/{item}", 200},
		{"INFO", "/orders/{item}", 202}, {"WARN", "/stock/{item}", 404},
	} {
		assert.Equal(t, want.status, access[i]["status"], i)
		assert.Equal(t, want.route, access[i]["http.route"], i)
		assert.Equal(t, want.code, access[i]["http.status_code"], i)
	}
	good, poison := access[0]["dd.trace_id"], access[2]["dd.trace_id"]
	require.Regexp(t, traceID, good)
	require.Regexp(t, traceID, poison)
	assert.NotEqual(t, good, poison, "each order is a trace")
	assert.Equal(t, good, access[1]["dd.trace_id"], "the worker's call is in the order's trace")
	assert.Equal(t, poison, access[3]["dd.trace_id"])

	require.Len(t, messages, 2, "one line per record")
	assert.Equal(t, "INFO", messages[0]["status"])
	assert.Equal(t, "committed", messages[0]["messaging.kafka.settlement"])
	assert.Equal(t, good, messages[0]["dd.trace_id"], "one trace id across the two services")
	assert.Equal(t, good, worker.waitLog(t, "reserved")["dd.trace_id"])
	assert.Equal(t, "WARN", messages[1]["status"], "a poison message: nobody is paged")
	assert.Equal(t, "committed", messages[1]["messaging.kafka.settlement"], "committed, not retried")
	assert.Equal(t, float64(1), messages[1]["messaging.kafka.attempts"])
	assert.Equal(t, "NotFound", errorOf(t, messages[1])["kind"])
	assert.Equal(t, poison, messages[1]["dd.trace_id"])

	// Both services flushed their spans to the one Agent at Ctrl-C.
	spans := agent.WaitFor(t, 10*time.Second, func(s []testagent.Span) bool {
		n := 0
		for _, s := range s {
			if s.Name == "kafka.consume" {
				n++
			}
		}
		return n == 2 && len(serverSpansOf(s, good.(string))) == 2 && len(serverSpansOf(s, poison.(string))) == 2
	})
	for _, id := range []string{good.(string), poison.(string)} {
		in := func(match func(testagent.Span) bool) testagent.Span {
			t.Helper()
			s, ok := testagent.Find(spans, func(s testagent.Span) bool { return s.TraceID128() == id && match(s) })
			require.True(t, ok, "trace %s", id)
			return s
		}
		order := in(func(s testagent.Span) bool { return s.Resource == "POST /orders/{item}" })
		produce := in(func(s testagent.Span) bool { return s.Name == "kafka.produce" })
		consume := in(func(s testagent.Span) bool { return s.Name == "kafka.consume" })
		call := in(func(s testagent.Span) bool { return s.Meta["span.kind"] == "client" })
		stock := in(func(s testagent.Span) bool { return s.Resource == "GET /stock/{item}" })
		assert.Equal(t, "shop", order.Service)
		assert.Equal(t, order.SpanID, produce.ParentID, "the record is produced inside the request")
		assert.Equal(t, produce.SpanID, consume.ParentID, "the consume span's parent is the produce span, from the record's headers")
		assert.Equal(t, "worker", consume.Service)
		assert.Equal(t, consume.SpanID, call.ParentID, "the worker's call is inside the consume span")
		assert.Equal(t, call.SpanID, stock.ParentID, "the shop's GET /stock is the worker's call")
		assert.Equal(t, "shop", stock.Service)
		for _, s := range spans {
			if s.TraceID128() == id {
				assert.Equal(t, int32(0), s.Error, "no error span, not even for the poison message: %s %s", s.Name, s.Resource)
			}
		}
		if id == poison {
			assert.Equal(t, "committed", consume.Meta["messaging.kafka.settlement"])
			assert.Equal(t, "NotFound", consume.Meta["error.kind"], "named, not flagged")
		}
	}
}

// serverSpansOf are the server spans of one trace.
func serverSpansOf(spans []testagent.Span, id string) []testagent.Span {
	var out []testagent.Span
	for _, s := range spans {
		if s.Meta["span.kind"] == "server" && s.TraceID128() == id {
			out = append(out, s)
		}
	}
	return out
}
