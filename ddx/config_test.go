package ddx

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func clearEnv(t *testing.T) {
	for _, k := range []string{"DD_SERVICE", "DD_ENV", "DD_VERSION", "DD_AGENT_HOST", "DD_TRACE_AGENT_URL",
		"DD_TRACE_AGENT_PORT", "DD_PROFILING_ENABLED", "DD_TRACE_ENABLED", "DD_RUNTIME_METRICS_ENABLED",
		"DDX_LOG_LEVEL", "DDX_LOG_FORMAT"} {
		t.Setenv(k, "")
	}
}

func TestConfigFromEnvironmentAndOptions(t *testing.T) {
	cases := []struct {
		name  string
		env   map[string]string
		opts  []Option
		check func(t *testing.T, c *config)
	}{
		{"defaults", nil, nil, func(t *testing.T, c *config) {
			assert.NotEmpty(t, c.service, "service defaults to the executable's name")
			assert.Equal(t, "http://localhost:8126", c.agentURL.String())
			assert.True(t, c.tracing)
			assert.True(t, c.profiling)
			assert.True(t, c.runtimeMetrics)
			assert.Equal(t, "json", c.logFormat, "tests do not run on a terminal")
			assert.Equal(t, "INFO", c.logLevel.Level().String())
			assert.Equal(t, 5*time.Second, c.stopTimeout)
			assert.Empty(t, c.warnings)
		}},
		{"datadog variables", map[string]string{
			"DD_SERVICE": "checkout", "DD_ENV": "prod", "DD_VERSION": "abc123",
			"DD_AGENT_HOST": "datadog-agent", "DD_TRACE_AGENT_PORT": "9126",
			"DD_PROFILING_ENABLED": "false", "DD_RUNTIME_METRICS_ENABLED": "0", "DD_TRACE_ENABLED": "true",
		}, nil, func(t *testing.T, c *config) {
			assert.Equal(t, "checkout", c.service)
			assert.Equal(t, "prod", c.env)
			assert.Equal(t, "abc123", c.version)
			assert.Equal(t, "http://datadog-agent:9126", c.agentURL.String())
			assert.False(t, c.profiling)
			assert.False(t, c.runtimeMetrics)
			assert.True(t, c.tracing)
		}},
		{"agent URL wins over host", map[string]string{
			"DD_TRACE_AGENT_URL": "unix:///var/run/datadog/apm.socket", "DD_AGENT_HOST": "ignored",
		}, nil, func(t *testing.T, c *config) {
			assert.Equal(t, "unix", c.agentURL.Scheme)
			assert.Equal(t, "", c.agentAddr())
		}},
		{"options override the environment", map[string]string{"DD_SERVICE": "from-env", "DD_PROFILING_ENABLED": "true"},
			[]Option{WithService("from-code"), WithProfiling(false), WithAgentURL("http://10.1.2.3:8126"), WithLogFormat("text"), nil},
			func(t *testing.T, c *config) {
				assert.Equal(t, "from-code", c.service)
				assert.False(t, c.profiling)
				assert.Equal(t, "10.1.2.3:8126", c.agentAddr())
				assert.Equal(t, "text", c.logFormat)
			}},
		{"ddx variables", map[string]string{"DDX_LOG_LEVEL": "debug", "DDX_LOG_FORMAT": "TEXT"}, nil,
			func(t *testing.T, c *config) {
				assert.Equal(t, "DEBUG", c.logLevel.Level().String())
				assert.Equal(t, "text", c.logFormat)
			}},
		{"bad values are warned about, never fatal", map[string]string{
			"DD_PROFILING_ENABLED": "perhaps", "DDX_LOG_LEVEL": "loud", "DDX_LOG_FORMAT": "xml",
			"DD_TRACE_AGENT_URL": "ftp://agent",
		}, []Option{WithAgentURL("::not a url"), WithLogFormat("yaml"), WithStopTimeout(-1)},
			func(t *testing.T, c *config) {
				assert.True(t, c.profiling, "an unreadable boolean keeps the default")
				assert.Equal(t, "INFO", c.logLevel.Level().String())
				assert.Equal(t, "json", c.logFormat)
				assert.Equal(t, "http://localhost:8126", c.agentURL.String())
				assert.Equal(t, 5*time.Second, c.stopTimeout)
				assert.Len(t, c.warnings, 6)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			tc.check(t, loadConfig(tc.opts))
		})
	}
}

// TestIsTerminal: only a terminal is one; /dev/null is a character device
// too, and a program whose stderr is /dev/null must not write for people.
func TestIsTerminal(t *testing.T) {
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for name, f := range map[string]*os.File{"/dev/null": devNull, "pipe": w, "nil": nil} {
		if isTerminal(f) {
			t.Errorf("%s is taken for a terminal", name)
		}
	}
}
