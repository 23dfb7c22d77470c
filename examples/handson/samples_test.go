package handson

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/examples/internal/sample"
)

// terminal runs a step as a participant does: on a terminal, with no
// Agent (at a port where nothing listens), from a directory of its own.
func terminal(t *testing.T, step string, env ...string) *sample.Term {
	t.Helper()
	cmd := exec.Command(bin(t, step))
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "DD_INSTRUMENTATION_TELEMETRY_ENABLED=false", "DD_TRACE_AGENT_URL=http://localhost:"+closedPort(t))
	cmd.Env = append(cmd.Env, env...)
	return sample.StartTerm(t, cmd)
}

// closedPort is a port where nothing listens: the Agent that is not there.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "localhost:0")
	require.NoError(t, err)
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// blocks returns a step's output samples (text and json blocks) in the
// English README, in order, and requires n of them.
func blocks(t *testing.T, step string, n int) []sample.Block {
	t.Helper()
	b := sample.Find(sample.Blocks(t, "README.md"), "`"+step+"`", "text", "json")
	require.Len(t, b, n, "output samples under the heading of %s", step)
	return b
}

var listening = regexp.MustCompile(`listening addr=(http://\S+)`)

// serve runs a serving step on a terminal with PORT=0, sends it the
// requests (paths), then Ctrl-C; it returns the answers' bodies.
func serve(t *testing.T, step string, paths ...string) (*sample.Term, []string) {
	t.Helper()
	tm := terminal(t, step, "PORT=0")
	m := listening.FindStringSubmatch(tm.WaitFor(t, sample.Stdout, "listening"))
	require.NotNil(t, m)
	var bodies []string
	for _, p := range paths {
		_, body := get(t, m[1], p)
		bodies = append(bodies, body)
	}
	tm.Interrupt(t)
	require.NoError(t, tm.Wait(t), tm.String())
	return tm, bodies
}

// TestReadmeSamples runs every step as the README says and compares each
// output sample of its section with what the step really prints (times,
// ids, durations, ports, paths and memory figures masked).
func TestReadmeSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		step string
		run  func(t *testing.T, b []sample.Block)
	}{
		{"step1-setup", func(t *testing.T, b []sample.Block) {
			tm := terminal(t, "step1-setup")
			require.NoError(t, tm.Wait(t))
			sample.Whole(t, b[0], tm.Lines(sample.Stdout), tm.Lines(sample.Stderr))
			p := start(t, "step1-setup", "DDX_LOG_FORMAT=json", "DD_TRACE_AGENT_URL=http://127.0.0.1:1")
			p.wait(t)
			sample.Whole(t, b[1], p.lines)
		}},
		{"step2-errors", func(t *testing.T, b []sample.Block) {
			tm := terminal(t, "step2-errors")
			require.NoError(t, tm.Wait(t))
			sample.Whole(t, b[0], tm.Lines(sample.Stdout), tm.Lines(sample.Stderr))
		}},
		{"step3-http", func(t *testing.T, b []sample.Block) {
			tm, bodies := serve(t, "step3-http", "/hello", "/users/7", "/boom", "/healthz")
			sample.Whole(t, b[0], bodies[1:3]) // the two error answers
			sample.Whole(t, b[1], tm.Lines(sample.Stdout), tm.Lines(sample.Stderr))
		}},
		{"step4-outbound-and-jobs", func(t *testing.T, b []sample.Block) {
			tm := terminal(t, "step4-outbound-and-jobs")
			require.NoError(t, tm.Wait(t))
			sample.Whole(t, b[0], tm.Lines(sample.Stdout), tm.Lines(sample.Stderr))
		}},
		{"step5-logs-and-traces", func(t *testing.T, b []sample.Block) {
			tm, bodies := serve(t, "step5-logs-and-traces", "/checkout/42")
			sample.Whole(t, b[0], bodies)
			sample.Whole(t, b[1], tm.Lines(sample.Stdout), tm.Lines(sample.Stderr))
		}},
		{"step6-memory", func(t *testing.T, b []sample.Block) {
			// The two runs of the page, one after the other, then pprof
			// on the second's profile.
			free := terminal(t, "step6-memory", "GOMEMLIMIT=")
			require.NoError(t, free.Wait(t))
			limited := terminal(t, "step6-memory", "GOMEMLIMIT=64MiB")
			require.NoError(t, limited.Wait(t))
			sample.Whole(t, b[0], append(free.Lines(sample.Stdout), limited.Lines(sample.Stdout)...),
				append(free.Lines(sample.Stderr), limited.Lines(sample.Stderr)...))

			dir := limited.Dir()
			out, err := exec.Command("go", "tool", "pprof", "-top", filepath.Join(dir, "heap.pprof")).CombinedOutput()
			require.NoError(t, err, "%s", out)
			sample.Whole(t, b[1], lines(string(out)))
		}},
		{"step8-database", func(t *testing.T, b []sample.Block) {
			tm, bodies := serve(t, "step8-database", "/items/1", "/items/9", "/orders/7")
			sample.Whole(t, b[0], bodies[1:]) // the 404 and the 503
			sample.Whole(t, b[1], tm.Lines(sample.Stdout), tm.Lines(sample.Stderr))
		}},
		{"step9-two-services", func(t *testing.T, b []sample.Block) {
			shop := terminal(t, "step9-two-services/shop", "PORT=0", "KAFKA_PORT=0")
			kafka := regexp.MustCompile(`kafka started addr=(\S+)`).FindStringSubmatch(shop.WaitFor(t, sample.Stdout, "kafka started"))
			m := listening.FindStringSubmatch(shop.WaitFor(t, sample.Stdout, "listening"))
			require.NotNil(t, kafka)
			require.NotNil(t, m)
			// localhost, as the page's default SHOP_URL: the lines name the host.
			worker := terminal(t, "step9-two-services/worker", "KAFKA_BROKERS="+kafka[1], "SHOP_URL="+strings.Replace(m[1], "127.0.0.1", "localhost", 1))
			// One order at a time, as a person types them.
			post(t, m[1], "/orders/1")
			worker.WaitFor(t, sample.Stdout, "kafka message")
			post(t, m[1], "/orders/0")
			worker.WaitFor(t, sample.Stdout, "error.kind=NotFound")
			worker.Interrupt(t) // first: it commits through the shop's broker
			require.NoError(t, worker.Wait(t), worker.String())
			shop.Interrupt(t)
			require.NoError(t, shop.Wait(t), shop.String())
			sample.Whole(t, b[0], shop.Lines(sample.Stdout), shop.Lines(sample.Stderr))
			sample.Whole(t, b[1], worker.Lines(sample.Stdout), worker.Lines(sample.Stderr))
		}},
		{"step7-noise", func(t *testing.T, b []sample.Block) {
			tm := terminal(t, "step7-noise")
			require.NoError(t, tm.Wait(t))
			sample.Whole(t, b[0], tm.Lines(sample.Stdout), tm.Lines(sample.Stderr))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.step, func(t *testing.T) {
			t.Parallel()
			b := blocks(t, tc.step, sampleCount[tc.step])
			tc.run(t, b)
		})
	}
}

// sampleCount is how many output samples (text and json blocks) each
// step's section shows.
var sampleCount = map[string]int{
	"step1-setup": 2, "step2-errors": 1, "step3-http": 2, "step4-outbound-and-jobs": 1,
	"step5-logs-and-traces": 2, "step6-memory": 2, "step7-noise": 1, "step8-database": 2,
	"step9-two-services": 2,
}

// TestJapaneseSamplesAreTheEnglishOnes: the Japanese guide shows the same
// program output as the English one (it explains it in Japanese), so
// TestReadmeSamples covers both.
func TestJapaneseSamplesAreTheEnglishOnes(t *testing.T) {
	t.Parallel()
	var en, ja []sample.Block
	for _, b := range sample.Blocks(t, "README.md") {
		if b.Lang == "text" || b.Lang == "json" {
			en = append(en, b)
		}
	}
	for _, b := range sample.Blocks(t, "README.ja.md") {
		if b.Lang == "text" || b.Lang == "json" {
			ja = append(ja, b)
		}
	}
	require.Equal(t, len(en), len(ja), "as many output samples in README.ja.md as in README.md")
	for i := range en {
		require.Equal(t, en[i].Lines, ja[i].Lines, "README.ja.md:%d differs from README.md:%d", ja[i].Line, en[i].Line)
	}
}

func lines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }
