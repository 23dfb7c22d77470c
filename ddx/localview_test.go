package ddx

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/internal/localview"
	"github.com/ddx-go/ddx/internal/tracepayload"
)

// The view itself, and its hook, are tested in internal/localview; these
// tests are of how ddx decides and wires it.

// testPayload is a trace payload of a request and its database call.
func testPayload(t testing.TB) []byte {
	t.Helper()
	b, err := tracepayload.EncodeV04([]tracepayload.Span{
		{Name: "http.request", Resource: "GET /users/{id}", Service: "users", TraceID: 1, SpanID: 1, Duration: 2000},
		{Name: "db.query", Resource: "SELECT users", Service: "users", TraceID: 1, SpanID: 2, ParentID: 1, Start: 10, Duration: 1000},
	})
	require.NoError(t, err)
	return b
}

func TestLocalViewSetting(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		opts    []Option
		watched bool
		want    string // "now", "auto" or "off"
		text    bool
	}{
		{"production default", map[string]string{"DD_ENV": "prod"}, nil, false, "off", false},
		{"no env, not watched", nil, nil, false, "off", false},
		{"no env, a person watches", nil, nil, true, "auto", true},
		{"prod, a person watches", map[string]string{"DD_ENV": "prod"}, nil, true, "auto", true},
		{"DD_ENV=local", map[string]string{"DD_ENV": "local"}, nil, false, "now", false},
		{"DD_ENV=LOCAL", map[string]string{"DD_ENV": "LOCAL"}, nil, false, "now", false},
		// A dev environment may be a shared cluster whose stderr is
		// collected: on at once only with a person watching.
		{"DD_ENV=dev, watched", map[string]string{"DD_ENV": "dev"}, nil, true, "now", true},
		{"DD_ENV=Development, not watched", map[string]string{"DD_ENV": "Development"}, nil, false, "auto", false},
		{"DD_ENV=dev, text logs", map[string]string{"DD_ENV": "dev", "DDX_LOG_FORMAT": "text"}, nil, false, "auto", true},
		{"DDX_LOCAL_VIEW=true", map[string]string{"DD_ENV": "prod", "DDX_LOCAL_VIEW": "true"}, nil, false, "now", false},
		{"DDX_LOCAL_VIEW=false beats DD_ENV", map[string]string{"DD_ENV": "dev", "DDX_LOCAL_VIEW": "false"}, nil, true, "off", false},
		{"option beats variable", map[string]string{"DDX_LOCAL_VIEW": "false"}, []Option{WithLocalView(true)}, false, "now", false},
		{"option off", map[string]string{"DD_ENV": "local"}, []Option{WithLocalView(false)}, true, "off", false},
		{"tracing off", map[string]string{"DDX_LOCAL_VIEW": "true", "DD_TRACE_ENABLED": "false"}, nil, true, "off", false},
		{"bad variable: auto", map[string]string{"DDX_LOCAL_VIEW": "maybe", "DD_ENV": "local"}, nil, false, "now", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("DDX_LOCAL_VIEW", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			prev := watchedWriter
			watchedWriter = func(io.Writer) bool { return tc.watched }
			t.Cleanup(func() { watchedWriter = prev })
			c := loadConfig(append([]Option{withViewWriter(io.Discard)}, tc.opts...))
			v, now := c.newLocalView()
			got := "off"
			if v != nil {
				got = "auto"
				if now {
					got = "now"
				}
				assert.Equal(t, tc.text, v.Text(), "text form")
			}
			assert.Equal(t, tc.want, got)
			if tc.env["DDX_LOCAL_VIEW"] == "maybe" {
				assert.Contains(t, strings.Join(c.warnings, "\n"), `DDX_LOCAL_VIEW="maybe" is not true or false`)
			}
		})
	}
}

// withViewWriter sends the local view to w (tests only).
func withViewWriter(w io.Writer) Option { return optionFunc(func(c *config) { c.viewWriter = w }) }

// newTestTransport is the transport over base, with the view on when v is
// not nil.
func newTestTransport(base http.RoundTripper, v *localview.View) *agentTransport {
	u, _ := url.Parse("http://127.0.0.1:1")
	t := newAgentTransport(u, time.Second, localview.NewHook(nopReports{}, v, nil))
	t.base = base
	return t
}

type nopReports struct{}

func (nopReports) Delivered()                {}
func (nopReports) Failed(string, int, error) {}
func (nopReports) Showing(bool)              {}

// failures records the failures the transport reports through its hook.
type failures struct {
	nopReports
	mu   sync.Mutex
	what []string
}

func (f *failures) Failed(what string, _ int, _ error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.what = append(f.what, what)
}

// The real transport, with no Agent at all: the hook learns of it from the
// transport and the view answers for the traces it showed.
func TestLocalViewAnswersWhenNoAgent(t *testing.T) {
	t.Parallel()
	// A socket file that does not exist: nothing can listen there meanwhile.
	u, _ := url.Parse("unix://" + filepath.Join(t.TempDir(), "absent.sock"))
	const addr = "agent"
	var out bytes.Buffer
	rep := &failures{}
	hook := localview.NewHook(rep, nil, localview.New(&out, localview.Options{Text: true}))
	tr := newAgentTransport(u, time.Second, hook)
	defer tr.abort()

	// /info finds no Agent: the auto view turns on.
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/info", nil)
		_, err := tr.RoundTrip(req)
		require.Error(t, err)
	}
	require.True(t, hook.On())

	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v0.4/traces", bytes.NewReader(testPayload(t)))
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err, "the view answers for the absent Agent")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, `{"rate_by_service":{}}`, string(b))
	assert.Contains(t, out.String(), "SELECT users (db.query)")
	rep.mu.Lock()
	defer rep.mu.Unlock()
	assert.Equal(t, []string{"GET /info", "GET /info"}, rep.what, "the absent Agent is reported for /info, not for traces the view showed")
}

// The view's JSON form uses NewHandler's key names.
func TestLocalViewJSONHasTheHandlersKeys(t *testing.T) {
	clearEnv(t)
	t.Setenv("DDX_LOCAL_VIEW", "")
	var out bytes.Buffer
	prev := watchedWriter
	watchedWriter = func(io.Writer) bool { return false }
	t.Cleanup(func() { watchedWriter = prev })
	c := loadConfig([]Option{withViewWriter(&out), WithLocalView(true), WithService("users"), WithEnv("dev"), WithVersion("1.2.3")})
	v, now := c.newLocalView()
	require.True(t, now)
	v.Show(testPayload(t))
	for _, k := range []string{keyTime, keyLevel, keyMessage, keyTraceID, keyService, keyEnv, keyVersion} {
		assert.Contains(t, out.String(), `"`+k+`":`)
	}
	assert.True(t, strings.HasPrefix(out.String(), `{"`+keyTime+`":"`), out.String())
}

// BenchmarkAgentTransport measures what the view costs a trace request:
// off, it must cost what the transport costs without it.
//
//	go test -run '^$' -bench AgentTransport -benchmem -count 5 ./ddx/
func BenchmarkAgentTransport(b *testing.B) {
	payload := testPayload(b)
	for _, bc := range []struct {
		name string
		view *localview.View
		rt   func(*agentTransport, *http.Request) (*http.Response, error)
	}{
		// The transport as it was before the view: no view check at all.
		{"baseline", nil, (*agentTransport).roundTrip},
		{"view=off", nil, (*agentTransport).RoundTrip},
		{"view=on", localview.New(io.Discard, localview.Options{Text: true}), (*agentTransport).RoundTrip},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tr := newTestTransport(nopAgent{}, bc.view)
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodPost, "http://agent/v0.4/traces", bytes.NewReader(payload))
				resp, err := bc.rt(tr, req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
		})
	}
}

// nopAgent answers at once without reading the body, like a network that
// costs nothing: what remains is the transport's own work.
type nopAgent struct{}

func (nopAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
}
