package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	// Already compiled into every ddx service: dd-trace-go's tracer reads
	// its stable configuration with it. No new module for this test.
	"go.yaml.in/yaml/v3"

	"github.com/ddx-go/ddx/errors"
)

// The deploy files are checked against each other and against the code,
// so that renaming the service, changing a port or a timeout in one place
// and not the others fails here rather than in production.

// Kubernetes objects, only the fields the checks need.
type (
	k8sObject struct {
		APIVersion string   `yaml:"apiVersion"`
		Kind       string   `yaml:"kind"`
		Metadata   metadata `yaml:"metadata"`
		Spec       k8sSpec  `yaml:"spec"`
	}
	metadata struct {
		Name        string            `yaml:"name"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	}
	k8sSpec struct {
		// Deployment
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template struct {
			Metadata metadata `yaml:"metadata"`
			Spec     podSpec  `yaml:"spec"`
		} `yaml:"template"`
		// Service
		ServiceSelector map[string]string `yaml:"-"`
		Ports           []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
	}
	podSpec struct {
		TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
		SecurityContext               struct {
			RunAsNonRoot bool `yaml:"runAsNonRoot"`
			RunAsUser    int  `yaml:"runAsUser"`
		} `yaml:"securityContext"`
		Containers []container `yaml:"containers"`
	}
	container struct {
		Name  string `yaml:"name"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		Env []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom struct {
				FieldRef struct {
					FieldPath string `yaml:"fieldPath"`
				} `yaml:"fieldRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		VolumeMounts []struct {
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
		Resources struct {
			Limits map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		ReadinessProbe probe `yaml:"readinessProbe"`
		LivenessProbe  probe `yaml:"livenessProbe"`
	}
	probe struct {
		HTTPGet struct {
			Path string `yaml:"path"`
			Port string `yaml:"port"`
		} `yaml:"httpGet"`
	}
)

// readManifest decodes every document of deploy/kubernetes.yaml.
func readManifest(t *testing.T) (deploy, svc k8sObject) {
	t.Helper()
	b, err := os.ReadFile("deploy/kubernetes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var found []string
	for {
		var raw yaml.Node
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("deploy/kubernetes.yaml: %v", err)
		}
		var o k8sObject
		if err := raw.Decode(&o); err != nil {
			t.Fatalf("deploy/kubernetes.yaml: %v", err)
		}
		switch o.Kind {
		case "Deployment":
			deploy = o
		case "Service":
			// A Service's selector is a plain map, a Deployment's has matchLabels.
			var s struct {
				Spec struct {
					Selector map[string]string `yaml:"selector"`
				} `yaml:"spec"`
			}
			if err := raw.Decode(&s); err != nil {
				t.Fatalf("Service: %v", err)
			}
			o.Spec.ServiceSelector = s.Spec.Selector
			svc = o
		}
		found = append(found, o.Kind)
	}
	if deploy.Kind == "" || svc.Kind == "" {
		t.Fatalf("deploy/kubernetes.yaml holds %v, want a Deployment and a Service", found)
	}
	return deploy, svc
}

// tags are the unified service tagging labels.
var tags = []string{"tags.datadoghq.com/service", "tags.datadoghq.com/env", "tags.datadoghq.com/version"}

func TestKubernetesManifest(t *testing.T) {
	t.Parallel()
	deploy, svc := readManifest(t)
	pod := deploy.Spec.Template
	service := deploy.Metadata.Labels["tags.datadoghq.com/service"]

	t.Run("unified service tagging", func(t *testing.T) {
		for _, k := range tags {
			v := deploy.Metadata.Labels[k]
			if v == "" {
				t.Errorf("Deployment has no label %s", k)
			}
			if pod.Metadata.Labels[k] != v {
				t.Errorf("pod label %s = %q, Deployment's = %q: they must agree", k, pod.Metadata.Labels[k], v)
			}
			if svc.Metadata.Labels[k] != v {
				t.Errorf("Service label %s = %q, Deployment's = %q", k, svc.Metadata.Labels[k], v)
			}
		}
	})

	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom.FieldRef.FieldPath != "" {
			env[e.Name] = "fieldRef:" + e.ValueFrom.FieldRef.FieldPath
		} else {
			env[e.Name] = e.Value
		}
	}

	t.Run("DD_ variables from the labels and the node", func(t *testing.T) {
		for name, want := range map[string]string{
			"DD_ENV":        "fieldRef:metadata.labels['tags.datadoghq.com/env']",
			"DD_SERVICE":    "fieldRef:metadata.labels['tags.datadoghq.com/service']",
			"DD_VERSION":    "fieldRef:metadata.labels['tags.datadoghq.com/version']",
			"DD_AGENT_HOST": "fieldRef:status.hostIP",
			// dd-trace-go's error lines as they happen, not a minute late.
			"DD_LOGGING_RATE": "0",
		} {
			if env[name] != want {
				t.Errorf("%s = %q, want %q", name, env[name], want)
			}
		}
	})

	t.Run("log annotation", func(t *testing.T) {
		key := "ad.datadoghq.com/" + c.Name + ".logs"
		v, ok := pod.Metadata.Annotations[key]
		if !ok {
			t.Fatalf("no annotation %s (it must name the container, %q)", key, c.Name)
		}
		var configs []struct{ Source, Service string }
		if err := json.Unmarshal([]byte(v), &configs); err != nil {
			t.Fatalf("%s is not a JSON list: %v", key, err)
		}
		if len(configs) != 1 || configs[0].Source != "go" || configs[0].Service != service {
			t.Errorf("%s = %s, want source go and service %q", key, v, service)
		}
	})

	t.Run("the SQLite file is on a volume", func(t *testing.T) {
		// The root file system is read-only: without DATABASE_URL the
		// service writes SQLITE_PATH, which must be on a mounted volume.
		path := env["SQLITE_PATH"]
		if path == "" {
			t.Fatal("no SQLITE_PATH: the default, items.db in the working directory, is on the read-only root file system")
		}
		for _, m := range c.VolumeMounts {
			if strings.HasPrefix(path, strings.TrimSuffix(m.MountPath, "/")+"/") {
				return
			}
		}
		t.Errorf("SQLITE_PATH=%s is on no volume mount (%+v)", path, c.VolumeMounts)
	})

	t.Run("memory limit", func(t *testing.T) {
		if c.Resources.Limits["memory"] == "" {
			t.Error("no memory limit: GOMEMLIMIT would have nothing to follow, and the memory monitor nothing to compare with")
		}
	})

	t.Run("ports and probes", func(t *testing.T) {
		if len(c.Ports) != 1 {
			t.Fatalf("%d container ports, want 1", len(c.Ports))
		}
		port := c.Ports[0]
		cfg, err := loadConfig(func(k string) string { return env[k] })
		if err != nil {
			t.Fatalf("the manifest's environment does not load: %v", err)
		}
		if cfg.addr != ":"+strconv.Itoa(port.ContainerPort) {
			t.Errorf("the service listens on %s, the container port is %d", cfg.addr, port.ContainerPort)
		}
		for _, p := range []struct {
			name string
			pr   probe
			path string
		}{{"readiness", c.ReadinessProbe, "/readyz"}, {"liveness", c.LivenessProbe, "/healthz"}} {
			if p.pr.HTTPGet.Path != p.path || p.pr.HTTPGet.Port != port.Name {
				t.Errorf("%s probe %s on port %q, want %s on %q", p.name, p.pr.HTTPGet.Path, p.pr.HTTPGet.Port, p.path, port.Name)
			}
		}
		for _, sp := range svc.Spec.Ports {
			if sp.TargetPort != port.Name {
				t.Errorf("Service targets port %q, the container's is %q", sp.TargetPort, port.Name)
			}
		}
		for k, v := range svc.Spec.ServiceSelector {
			if pod.Metadata.Labels[k] != v {
				t.Errorf("the Service selects %s=%s, which the pods do not have", k, v)
			}
		}
		for k, v := range deploy.Spec.Selector.MatchLabels {
			if pod.Metadata.Labels[k] != v {
				t.Errorf("the Deployment selects %s=%s, which its pods do not have", k, v)
			}
		}

		// SIGTERM to SIGKILL: drain, wait for requests, then ddx's Stop
		// (5s) must all fit, or the last traces and logs are lost.
		budget := cfg.drainDelay + cfg.shutdownTimeout + 5*time.Second
		grace := time.Duration(pod.Spec.TerminationGracePeriodSeconds) * time.Second
		if grace == 0 {
			grace = 30 * time.Second // Kubernetes' default
		}
		if budget > grace {
			t.Errorf("shutdown may take %s, terminationGracePeriodSeconds is %s", budget, grace)
		}
	})

	t.Run("non-root", func(t *testing.T) {
		sc := pod.Spec.SecurityContext
		if !sc.RunAsNonRoot || sc.RunAsUser == 0 {
			t.Errorf("securityContext %+v, want runAsNonRoot with a numeric runAsUser", sc)
		}
		docker, err := os.ReadFile("Dockerfile")
		if err != nil {
			t.Fatal(err)
		}
		user := regexp.MustCompile(`(?m)^USER (\d+)`).FindSubmatch(docker)
		if user == nil || string(user[1]) != strconv.Itoa(sc.RunAsUser) {
			t.Errorf("the Dockerfile's USER must be the numeric runAsUser %d", sc.RunAsUser)
		}
		if want := fmt.Sprintf("EXPOSE %d", c.Ports[0].ContainerPort); !bytes.Contains(docker, []byte(want)) {
			t.Errorf("the Dockerfile does not say %q", want)
		}
	})
}

// monitor is a Datadog monitor in the API's format (POST /api/v1/monitor),
// only the fields this template uses; unknown fields fail the test, which
// catches misspelt options.
type monitor struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Query    string   `json:"query"`
	Message  string   `json:"message"`
	Tags     []string `json:"tags"`
	Priority int      `json:"priority"`
	Options  struct {
		Thresholds struct {
			Critical         *float64 `json:"critical"`
			CriticalRecovery *float64 `json:"critical_recovery"`
			Warning          *float64 `json:"warning"`
			WarningRecovery  *float64 `json:"warning_recovery"`
		} `json:"thresholds"`
		NotifyNoData      bool `json:"notify_no_data"`
		RequireFullWindow bool `json:"require_full_window"`
		IncludeTags       bool `json:"include_tags"`
	} `json:"options"`
}

// comparison is the end of a query alert: "... > 0.05".
var comparison = regexp.MustCompile(`\s(>|>=|<|<=)\s*(-?[0-9.]+)$`)

func TestMonitors(t *testing.T) {
	t.Parallel()
	deploy, _ := readManifest(t)
	service := deploy.Metadata.Labels["tags.datadoghq.com/service"]
	env := deploy.Metadata.Labels["tags.datadoghq.com/env"]

	b, err := os.ReadFile("deploy/monitors.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var monitors []monitor
	if err := dec.Decode(&monitors); err != nil {
		t.Fatalf("deploy/monitors.json: %v", err)
	}

	// Each metric ddx makes meaningful must have its monitor: the span
	// names are those of ddx's middleware (contrib/net/http's http.request,
	// RunJob's job.run).
	for _, metric := range []string{"trace.http.request.errors", "trace.http.request{", "kubernetes.memory.limits", "trace.job.run.errors"} {
		var found bool
		for _, m := range monitors {
			found = found || strings.Contains(m.Query, metric)
		}
		if !found {
			t.Errorf("no monitor uses %s", strings.TrimSuffix(metric, "{"))
		}
	}

	for _, m := range monitors {
		t.Run(m.Name, func(t *testing.T) {
			if m.Name == "" || m.Message == "" {
				t.Error("a monitor needs a name and a message that says where to look")
			}
			switch m.Type {
			case "query alert", "slo alert", "error-tracking alert":
			default:
				t.Errorf("type %q, want query alert, slo alert or error-tracking alert", m.Type)
			}
			if m.Priority < 1 || m.Priority > 5 {
				t.Errorf("priority %d, want 1 to 5", m.Priority)
			}
			for _, tag := range []string{"service:" + service, "env:" + env} {
				// A burn-rate query names its SLO by id; the SLO filters.
				if m.Type != "slo alert" && !strings.Contains(m.Query, tag) {
					t.Errorf("the query does not filter on %s (the manifest's labels): %s", tag, m.Query)
				}
			}
			if !strings.Contains(strings.Join(m.Tags, ","), "service:"+service) {
				t.Errorf("tags %v lack service:%s", m.Tags, service)
			}
			if strings.Count(m.Query, "{") != strings.Count(m.Query, "}") || strings.Count(m.Query, "(") != strings.Count(m.Query, ")") {
				t.Errorf("unbalanced braces or parentheses: %s", m.Query)
			}

			c := comparison.FindStringSubmatch(m.Query)
			if c == nil {
				t.Fatalf("the query does not end with a comparison: %s", m.Query)
			}
			th := m.Options.Thresholds
			if th.Critical == nil {
				t.Fatal("no critical threshold")
			}
			if v, _ := strconv.ParseFloat(c[2], 64); v != *th.Critical {
				t.Errorf("the query compares with %s, the critical threshold is %v: they must be equal", c[2], *th.Critical)
			}
			// Above-threshold alerts: warning and the recoveries below
			// critical, so that a value hovering at the threshold does not
			// flap between alert and OK.
			above := strings.HasPrefix(c[1], ">")
			before := func(a, b float64) bool { return (above && a < b) || (!above && a > b) }
			// Burn-rate alerts recover through their short window, and
			// an Error Tracking alert through the state.
			if th.CriticalRecovery == nil && m.Type == "query alert" {
				t.Error("no critical_recovery: the monitor would flap at the threshold")
			} else if th.CriticalRecovery != nil && !before(*th.CriticalRecovery, *th.Critical) {
				t.Errorf("critical_recovery %v must be on the OK side of critical %v", *th.CriticalRecovery, *th.Critical)
			}
			if th.Warning != nil {
				if !before(*th.Warning, *th.Critical) {
					t.Errorf("warning %v must be on the OK side of critical %v", *th.Warning, *th.Critical)
				}
				if th.WarningRecovery == nil || !before(*th.WarningRecovery, *th.Warning) {
					t.Errorf("warning needs a warning_recovery on its OK side")
				}
			}
		})
	}
}
