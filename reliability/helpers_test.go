package reliability_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/middleware"
)

// quietEnv keeps the tests independent of the machine's DD_* variables and
// of Datadog's telemetry. Tests that use it cannot be parallel: ddx.Start
// and the tracer are process-wide anyway.
func quietEnv(tb testing.TB) {
	for _, k := range []string{"DD_SERVICE", "DD_ENV", "DD_VERSION", "DD_AGENT_HOST", "DD_TRACE_AGENT_URL",
		"DD_TRACE_AGENT_PORT", "DD_PROFILING_ENABLED", "DD_TRACE_ENABLED", "DD_RUNTIME_METRICS_ENABLED",
		"DDX_LOG_LEVEL", "DDX_LOG_FORMAT", "GOMEMLIMIT", "DD_TRACE_HEADER_TAGS"} {
		tb.Setenv(k, "")
	}
	tb.Setenv("DD_INSTRUMENTATION_TELEMETRY_ENABLED", "false")
	tb.Setenv("DD_REMOTE_CONFIGURATION_ENABLED", "false")
}

// startDDX starts ddx the way a service does, against agentURL, with its
// logs going to a jsonLines. GOMEMLIMIT is left alone so heap figures are
// the program's, not the container's.
func startDDX(tb testing.TB, agentURL string, opts ...ddx.Option) (*ddx.Runtime, *jsonLines) {
	return startDDXLogs(tb, agentURL, &jsonLines{}, opts...)
}

func startDDXLogs(tb testing.TB, agentURL string, logs *jsonLines, opts ...ddx.Option) (*ddx.Runtime, *jsonLines) {
	tb.Helper()
	quietEnv(tb)
	opts = append([]ddx.Option{
		ddx.WithAgentURL(agentURL),
		ddx.WithService("reliability"),
		ddx.WithLogWriter(logs),
		ddx.WithLogFormat("json"),
		ddx.WithMemoryLimitRatio(0),
	}, opts...)
	return ddx.Start(opts...), logs
}

// jsonLines is a log destination that checks every Write as it happens:
// one whole JSON object ending in exactly one newline. It counts the
// access-log lines and keeps the others, which are few, for inspection.
type jsonLines struct {
	keepAll bool // keep the access-log lines too, for tests with few requests

	mu     sync.Mutex
	access int      // "http request" lines
	other  []string // every other line (and the access-log lines if keepAll)
	bad    []string // writes that were not one JSON line
}

func (j *jsonLines) Write(p []byte) (int, error) {
	ok := bytes.HasSuffix(p, []byte("\n")) && bytes.Count(p, []byte("\n")) == 1 && json.Valid(p)
	isAccess := bytes.Contains(p, []byte(`"message":"http request"`))
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case !ok:
		j.bad = append(j.bad, string(p))
	case isAccess && !j.keepAll:
		j.access++
	default:
		if isAccess {
			j.access++
		}
		j.other = append(j.other, string(p))
	}
	return len(p), nil
}

// check fails the test for any write that was not one JSON line.
func (j *jsonLines) check(tb testing.TB) {
	tb.Helper()
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, b := range j.bad {
		tb.Errorf("log write is not one JSON line: %.500q", b)
	}
}

// statuses returns the "status" of every line kept.
func (j *jsonLines) statuses() map[string]int {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := map[string]int{}
	for _, l := range j.other {
		var m struct{ Status string }
		_ = json.Unmarshal([]byte(l), &m)
		out[m.Status]++
	}
	return out
}

func (j *jsonLines) accessLines() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.access
}

// containing returns the lines kept that contain s.
func (j *jsonLines) containing(s string) []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for _, l := range j.other {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

// serviceMux is the service under test: small handlers, as most requests
// of a real service are, so that any cost ddx adds shows.
func serviceMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /work/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"`+r.PathValue("id")+`"}`)
	})
	mux.HandleFunc("GET /after/{id}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	return mux
}

// service is an HTTP server on 127.0.0.1 serving middleware.Wrap(h), with
// a client that keeps enough connections open for the load generator.
type service struct {
	url    string
	client *http.Client
	srv    *http.Server
	done   chan struct{} // closed when Serve has returned
}

func startService(tb testing.TB, h http.Handler) *service {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &service{
		url: "http://" + ln.Addr().String(),
		client: &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxIdleConns: 64, IdleConnTimeout: 30 * time.Second},
			Timeout:   30 * time.Second,
		},
		srv:  &http.Server{Handler: middleware.Wrap(h), ReadHeaderTimeout: 5 * time.Second},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	tb.Cleanup(s.close)
	return s
}

// close shuts the server down gracefully, then drops the client's idle
// connections. It may be called more than once.
func (s *service) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	<-s.done
	s.client.CloseIdleConnections()
}

// get fetches path and returns the status, or 0 and the error.
func (s *service) get(ctx context.Context, path string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+path, nil)
	if err != nil {
		return 0, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// loadResult is what a load run saw.
type loadResult struct {
	requests  int      // sent
	ok        int      // answered 200
	failures  []string // anything else, a few kept
	latencies []time.Duration
}

// load sends GET requests to paths made by path(i) from workers goroutines
// as fast as they are answered, until d has passed (or max requests were
// sent, when max > 0), and records each latency. It stops by itself.
func (s *service) load(workers int, d time.Duration, max int, path func(i int) string) loadResult {
	return s.paced(workers, d, max, 0, path)
}

// paced is load with each worker sending at most one request per every.
func (s *service) paced(workers int, d time.Duration, max int, every time.Duration, path func(i int) string) loadResult {
	start := time.Now()
	deadline := start.Add(d)
	var next atomic.Int64
	var mu sync.Mutex
	var res loadResult
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var lat []time.Duration
			var ok, sent int
			var fails []string
			for n := 0; time.Now().Before(deadline); n++ {
				if every > 0 {
					time.Sleep(time.Until(start.Add(time.Duration(n) * every)))
				}
				i := int(next.Add(1))
				if max > 0 && i > max {
					break
				}
				begin := time.Now()
				code, err := s.get(context.Background(), path(i))
				lat = append(lat, time.Since(begin))
				sent++
				switch {
				case err != nil:
					fails = append(fails, err.Error())
				case code != http.StatusOK:
					fails = append(fails, http.StatusText(code))
				default:
					ok++
				}
			}
			mu.Lock()
			res.requests += sent
			res.ok += ok
			res.latencies = append(res.latencies, lat...)
			if len(res.failures) < 10 {
				res.failures = append(res.failures, fails[:min(len(fails), 10)]...)
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return res
}

// percentile returns the p-th percentile (0 < p ≤ 100) of ds, sorting it.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds))*p/100+0.5) - 1
	return ds[max(0, min(i, len(ds)-1))]
}
