package ddx

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
)

func viewEnv(t *testing.T) {
	clearEnv(t)
	t.Setenv("DDX_LOCAL_VIEW", "")
	t.Setenv("DD_INSTRUMENTATION_TELEMETRY_ENABLED", "false")
	t.Setenv("DD_REMOTE_CONFIGURATION_ENABLED", "false")
}

// failedRequest makes the spans of a request whose database call failed.
func failedRequest() {
	root, ctx := tracer.StartSpanFromContext(context.Background(), "http.request",
		tracer.ResourceName("GET /users/{id}"), tracer.Tag("http.status_code", "503"))
	db, _ := tracer.StartSpanFromContext(ctx, "db.query", tracer.ResourceName("SELECT users"))
	err := errors.E(errors.Op("users.Get"), errors.Unavailable, "load user 7", fmt.Errorf("connection refused"))
	RecordError(db, err)
	db.Finish()
	RecordError(root, err)
	root.Finish()
}

// The view shows what the real tracer sent, and the Agent still gets it.
func TestLocalViewShowsTheRealTracersTraces(t *testing.T) {
	viewEnv(t)
	agent := testagent.Start(t)
	var view, logs testlog.Buffer
	rt := Start(WithAgentURL(agent.URL()), WithService("users"), WithEnv("local"), WithLogWriter(&logs),
		WithLogFormat("text"), WithProfiling(false), WithRuntimeMetrics(false), WithMemoryLimitRatio(0), withViewWriter(&view))
	<-rt.Ready() // spans started before the tracer is up are not recorded
	failedRequest()
	rt.Stop()

	agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool { return len(s) >= 2 })
	out := view.String()
	assert.Regexp(t, `(?m)^\d\d:\d\d:\d\d\.\d{3} trace [0-9a-f]{32}  users  \S+  2 spans, 2 errors$`, out)
	assert.Regexp(t, `(?m)^GET /users/\{id\} \(http\.request\)  \S+  503  ERROR$`, out)
	assert.Contains(t, out, "│ ! Unavailable: users.Get: load user 7: connection refused")
	assert.Regexp(t, `(?m)^└─ SELECT users \(db\.query\)  \S+  at \+\S+  ERROR$`, out)
	assert.Contains(t, logs.String(), "local_view=\"on (stderr)\"", "the start-up line says the view is on: %s", logs.String())
}

// With no Agent, the view is where the traces are, and the tracer is not
// told they were lost.
func TestLocalViewWithoutAgent(t *testing.T) {
	viewEnv(t)
	// A socket file that does not exist: unlike a closed TCP port, nothing
	// else on the machine can start listening there during the test.
	absent := "unix://" + filepath.Join(t.TempDir(), "absent.sock")
	var view, logs testlog.Buffer
	prev := watchedWriter
	watchedWriter = func(w io.Writer) bool { return w == io.Writer(&view) }
	t.Cleanup(func() { watchedWriter = prev })

	rt := Start(WithAgentURL(absent), WithService("users"), WithLogWriter(&logs), WithLogFormat("json"),
		WithProfiling(false), WithRuntimeMetrics(false), WithMemoryLimitRatio(0), withViewWriter(&view))
	<-rt.Ready() // spans started before the tracer is up are not recorded
	failedRequest()
	rt.Stop()

	out := view.String()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("view:\n%s\nlogs:\n%s", out, logs.String())
		}
	})
	assert.Contains(t, out, "GET /users/{id} (http.request)")
	assert.Contains(t, out, "2 spans, 2 errors")
	// One line speaks of the absent Agent, and says the view shows the
	// traces instead.
	var agentLines []string
	for _, l := range decodeLines(t, []byte(logs.String())) {
		if msg, _ := l["message"].(string); msg != "ddx started" {
			agentLines = append(agentLines, msg)
		}
	}
	if assert.Len(t, agentLines, 1, "lines but ddx started") {
		assert.Contains(t, agentLines[0], "printed on stderr by the local trace view (DDX_LOCAL_VIEW=false turns it off)")
	}
	assert.NotContains(t, logs.String(), "lost", "traces the view showed are not reported lost")
}
