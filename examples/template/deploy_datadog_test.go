package main

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"
)

// The deploy files are decoded strictly into the official API client's
// models: a field the API does not know, a type or enum value it does not
// accept, or a missing required field fails here, offline, instead of at
// the first POST to Datadog.

// strictDecode decodes the file into v and fails on anything the model did
// not take as one of its own fields.
func strictDecode(t *testing.T, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, p := range leftovers(reflect.ValueOf(v), file) {
		t.Errorf("not in the API's model: %s", p)
	}
}

// leftovers walks a decoded model and returns the paths of the values the
// API client could not place: UnparsedObject (an invalid value, such as an
// unknown enum member) and AdditionalProperties (an unknown field).
func leftovers(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return leftovers(v.Elem(), path)
	case reflect.Slice, reflect.Array:
		var out []string
		for i := range v.Len() {
			out = append(out, leftovers(v.Index(i), path+"["+itoa(i)+"]")...)
		}
		return out
	case reflect.Struct:
		var out []string
		for i := range v.NumField() {
			f, ft := v.Field(i), v.Type().Field(i)
			if !ft.IsExported() {
				continue
			}
			switch ft.Name {
			case "UnparsedObject":
				if f.Len() > 0 {
					out = append(out, path+": a value the model rejects: "+mustJSON(f.Interface()))
				}
			case "AdditionalProperties":
				for _, k := range f.MapKeys() {
					out = append(out, path+"."+k.String()+": unknown field")
				}
			default:
				out = append(out, leftovers(f, path+"."+ft.Name)...)
			}
		}
		return out
	}
	return nil
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestMonitorsDecodeIntoTheAPIModel(t *testing.T) {
	t.Parallel()
	var monitors []datadogV1.Monitor
	strictDecode(t, "deploy/monitors.json", &monitors)

	byType := map[datadogV1.MonitorType][]datadogV1.Monitor{}
	for _, m := range monitors {
		if !m.Type.IsValid() {
			t.Errorf("%s: type %q is not one the API has", m.GetName(), m.Type)
		}
		byType[m.Type] = append(byType[m.Type], m)
	}

	// Datadog's recommended paging: a fast and a slow burn-rate pair on the
	// SLO, 14.4x over 1h/5m and 6x over 6h/30m.
	burn := regexp.MustCompile(`^burn_rate\("SLO_ID"\)\.over\("30d"\)\.long_window\("(\w+)"\)\.short_window\("(\w+)"\) > ([0-9.]+)$`)
	pairs := map[string]bool{}
	for _, m := range byType[datadogV1.MONITORTYPE_SLO_ALERT] {
		c := burn.FindStringSubmatch(m.Query)
		if c == nil {
			t.Errorf("%s: not a burn-rate query on the SLO: %s", m.GetName(), m.Query)
			continue
		}
		pairs[c[1]+"/"+c[2]+" "+c[3]] = true
	}
	for _, want := range []string{"1h/5m 14.4", "6h/30m 6"} {
		if !pairs[want] {
			t.Errorf("no burn-rate monitor %s; have %v", want, pairs)
		}
	}

	et := byType[datadogV1.MONITORTYPE_ERROR_TRACKING_ALERT]
	if len(et) != 1 || !strings.HasPrefix(et[0].Query, `error-tracking-traces("service:myservice env:prod")`) {
		t.Errorf("want one Error Tracking monitor on the service's traces, got %v", et)
	}

	var oom, memory bool
	for _, m := range byType[datadogV1.MONITORTYPE_QUERY_ALERT] {
		oom = oom || strings.Contains(m.Query, "reason:oomkilled")
		if strings.Contains(m.Query, "kubernetes.memory.working_set") {
			th := m.GetOptions().Thresholds
			memory = th != nil && th.CriticalRecovery.Get() != nil && *th.CriticalRecovery.Get() < th.GetCritical()
		}
	}
	if !oom {
		t.Error("no monitor on containers killed for memory")
	}
	if !memory {
		t.Error("the memory-near-limit monitor needs a recovery threshold below its critical one")
	}
}

func TestSLODecodesIntoTheAPIModel(t *testing.T) {
	t.Parallel()
	var slo datadogV1.ServiceLevelObjectiveRequest
	strictDecode(t, "deploy/slo.json", &slo)
	if slo.Type != datadogV1.SLOTYPE_METRIC {
		t.Errorf("type %q, want metric", slo.Type)
	}
	q := slo.GetQuery()
	// Good requests are all requests but the span errors, and ddx makes
	// only unexpected kinds span errors: the Kind table decides what is bad.
	if q.Numerator != "sum:trace.http.request.hits{service:myservice,env:prod}.as_count() - sum:trace.http.request.errors{service:myservice,env:prod}.as_count()" ||
		q.Denominator != "sum:trace.http.request.hits{service:myservice,env:prod}.as_count()" {
		t.Errorf("query = %+v", q)
	}
	if len(slo.Thresholds) != 1 || slo.Thresholds[0].Timeframe != datadogV1.SLOTIMEFRAME_THIRTY_DAYS || slo.Thresholds[0].Target != 99.9 {
		t.Errorf("thresholds = %+v, want 99.9%% over 30d (what the burn rates assume)", slo.Thresholds)
	}
}

// TestStrictDecodeCatchesMistakes: the check itself finds an unknown field
// at any depth and an enum value the API does not have.
func TestStrictDecodeCatchesMistakes(t *testing.T) {
	t.Parallel()
	file := t.TempDir() + "/m.json"
	bad := `[{"name":"x","type":"query alert","query":"q > 1","priorty":2,"options":{"thresholdz":{"critical":1}}},
	         {"name":"y","type":"burn-rate alert","query":"q > 1"}]`
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	var monitors []datadogV1.Monitor
	if err := json.Unmarshal([]byte(bad), &monitors); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(leftovers(reflect.ValueOf(monitors), file), "\n")
	for _, want := range []string{"priorty: unknown field", "thresholdz: unknown field", "a value the model rejects"} {
		if !strings.Contains(got, want) {
			t.Errorf("leftovers miss %q:\n%s", want, got)
		}
	}
}
