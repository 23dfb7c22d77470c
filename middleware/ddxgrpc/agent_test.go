package ddxgrpc_test

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"google.golang.org/grpc"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/testagent"
	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware/ddxgrpc"
)

// TestRealTracer runs the interceptors under the real tracer, whose payloads
// a test Agent on 127.0.0.1 decodes: resources, error flags and error.* tags
// as Datadog receives them, and the join of access-log line and span
// through the ddx handler's dd.trace_id and dd.span_id.
func TestRealTracer(t *testing.T) {
	agent := testagent.Start(t)
	testagent.StartTracer(t, agent, tracer.WithService("ddxgrpc-test"))

	out := &testlog.Buffer{}
	logger := slog.New(ddx.NewHandler(out, nil))
	sd := newService(map[string]unaryFunc{
		"Fine": func(context.Context) error { return nil },
		"Missing": func(context.Context) error {
			return errors.E(errors.Op("users.Get"), errors.NotFound, "user 42 not found")
		},
		"Down": func(context.Context) error {
			return errors.E(errors.Op("payment.Charge"), errors.Unavailable, errors.New("dial tcp 10.0.0.5:443: connect: connection refused"))
		},
		"Explodes": func(context.Context) error { panicHere("boom"); return nil },
	}, nil)
	srv := grpc.NewServer(ddxgrpc.ServerOptions(ddxgrpc.WithLogger(logger))...)
	srv.RegisterService(sd, struct{}{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	e := &env{conn: dial(t, ln.Addr().String()), service: sd.ServiceName}

	for _, name := range []string{"Fine", "Missing", "Down", "Explodes"} {
		_ = e.call(context.Background(), name)
	}
	tracer.Flush()
	tracer.Stop()

	spans := agent.WaitFor(t, 5*time.Second, func(s []testagent.Span) bool {
		n := 0
		for _, sp := range s {
			if sp.Name == "grpc.server" || sp.Name == "grpc.client" {
				n++
			}
		}
		return n >= 8
	})
	find := func(op, name string) testagent.Span {
		t.Helper()
		s, ok := testagent.Find(spans, func(s testagent.Span) bool { return s.Name == op && s.Resource == e.method(name) })
		if !ok {
			t.Fatalf("no %s span for %s", op, name)
		}
		return s
	}

	cases := []struct {
		name       string
		spanError  int32
		kind       string
		stackHas   string // a frame the server span's error.stack shows
		clientErr  int32
		messageHas string
	}{
		{name: "Fine"},
		{name: "Missing", kind: "NotFound"},
		{name: "Down", spanError: 1, kind: "Unavailable", stackHas: "ddxgrpc_test.TestRealTracer", clientErr: 1, messageHas: "connection refused"},
		{name: "Explodes", spanError: 1, kind: "Internal", stackHas: "ddxgrpc_test.panicHere", clientErr: 1, messageHas: "panic: boom"},
	}
	logs := out.Objects(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := find("grpc.server", tc.name)
			c := find("grpc.client", tc.name)
			if s.Service != "ddxgrpc-test" || s.TraceID != c.TraceID || s.ParentID != c.SpanID {
				t.Errorf("server span %+v is not the client span's child in service ddxgrpc-test", s)
			}
			if s.Error != tc.spanError || c.Error != tc.clientErr {
				t.Errorf("error flags: server %d client %d, want %d %d; meta %v", s.Error, c.Error, tc.spanError, tc.clientErr, s.Meta)
			}
			if s.Meta["error.kind"] != tc.kind {
				t.Errorf("error.kind = %q, want %q", s.Meta["error.kind"], tc.kind)
			}
			if tc.spanError == 1 {
				if s.Meta["error.type"] != tc.kind || !strings.Contains(s.Meta["error.message"], tc.messageHas) {
					t.Errorf("error.type %q error.message %q", s.Meta["error.type"], s.Meta["error.message"])
				}
				if !strings.Contains(s.Meta["error.stack"], tc.stackHas) {
					t.Errorf("error.stack lacks %s:\n%s", tc.stackHas, s.Meta["error.stack"])
				}
			}
			// The access-log line names the span it belongs to.
			var line map[string]any
			for _, l := range logs {
				if l["grpc.method"] == e.method(tc.name) {
					line = l
				}
			}
			if line == nil {
				t.Fatal("no access-log line")
			}
			if line["dd.trace_id"] != s.TraceID128() || line["dd.span_id"] != strconv.FormatUint(s.SpanID, 10) {
				t.Errorf("log ids %v/%v, span %s/%d", line["dd.trace_id"], line["dd.span_id"], s.TraceID128(), s.SpanID)
			}
		})
	}
}
