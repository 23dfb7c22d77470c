package errors_test

import (
	"bytes"
	"encoding/json"
	stderrors "errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/ddx-go/ddx/errors"
)

func TestAttrs(t *testing.T) {
	t.Parallel()
	inner := errors.E(errors.Op("db.Find"), slog.String("table", "orders"), slog.Int("order_id", 7))
	tests := []struct {
		name string
		err  error
		want []slog.Attr
	}{
		{"nil", nil, nil},
		{"plain", io.EOF, nil},
		{"none", errors.E("x"), nil},
		{"one layer", errors.E(slog.Int("a", 1), slog.Int("b", 2)), []slog.Attr{slog.Int("a", 1), slog.Int("b", 2)}},
		{"outermost first, duplicates kept", errors.E(slog.Int("order_id", 42), inner),
			[]slog.Attr{slog.Int("order_id", 42), slog.String("table", "orders"), slog.Int("order_id", 7)}},
		{"through fmt", errors.E(slog.Int("a", 1), fmt.Errorf("x: %w", inner)),
			[]slog.Attr{slog.Int("a", 1), slog.String("table", "orders"), slog.Int("order_id", 7)}},
		{"through join in order", stderrors.Join(errors.E(slog.Int("a", 1)), io.EOF, errors.E(slog.Int("b", 2))),
			[]slog.Attr{slog.Int("a", 1), slog.Int("b", 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := errors.Attrs(tt.err)
			if len(got) != len(tt.want) {
				t.Fatalf("Attrs = %v, want %v", got, tt.want)
			}
			for i := range got {
				if !got[i].Equal(tt.want[i]) {
					t.Errorf("Attrs[%d] = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
	t.Run("copy", func(t *testing.T) {
		t.Parallel()
		err := errors.E(slog.Int("a", 1))
		errors.Attrs(err)[0] = slog.Int("a", 2)
		if got := errors.Attrs(err)[0].Value.Int64(); got != 1 {
			t.Errorf("changing the result of Attrs changed the error: a=%d", got)
		}
	})
}

// logJSON logs err as slog.Any("error", err) through slog's JSON handler
// and returns the "error" object.
func logJSON(t *testing.T, err error) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Error("failed", slog.Any("error", err))
	var line map[string]any
	if e := json.Unmarshal(buf.Bytes(), &line); e != nil {
		t.Fatalf("log line is not JSON: %v\n%s", e, buf.String())
	}
	if strings.Count(buf.String(), "\n") != 1 {
		t.Fatalf("not one line: %q", buf.String())
	}
	obj, _ := line["error"].(map[string]any)
	if obj == nil {
		t.Fatalf("no error object in %s", buf.String())
	}
	return obj
}

func TestLogValueJSON(t *testing.T) {
	t.Parallel()
	err := errors.E(errors.Op("orders.Get"), errors.Unavailable, "charge order 42",
		slog.Int("order_id", 42), slog.Group("card", slog.String("brand", "visa"), slog.String("token", "tok_123")),
		refused)
	got := logJSON(t, err)
	stack, _ := got["stack"].(string)
	delete(got, "stack")
	want := map[string]any{
		"kind":     "Unavailable",
		"message":  "orders.Get: charge order 42: " + refusedText,
		"order_id": 42.0,
		"card":     map[string]any{"brand": "visa", "token": "[REDACTED]"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("error object =\n%v\nwant\n%v", got, want)
	}
	if stack != errors.Stack(err) || !strings.Contains(stack, "TestLogValueJSON") {
		t.Errorf("error.stack = %q, want Stack(err)", stack)
	}
}

func TestLogValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want map[string]any // without "stack"
		// stack says whether a stack is expected.
		stack bool
	}{
		{"sentinel has no stack", errNoOrder,
			map[string]any{"kind": "NotFound", "message": "no such order"}, false},
		{"literal", &errors.Error{Op: "a", Kind: errors.Invalid, Msg: "x"},
			map[string]any{"kind": "Invalid", "message": "a: x"}, false},
		{"nested attributes, outer value wins", errors.E(slog.Int("id", 1), "x", errors.E(slog.Int("id", 2), slog.Int("n", 3), "y")),
			map[string]any{"kind": "Internal", "message": "x: y", "id": 1.0, "n": 3.0}, true},
		{"reserved keys dropped", errors.E("x", slog.String("kind", "k"), slog.String("message", "m"), slog.String("stack", "s"), slog.Int("ok", 1)),
			map[string]any{"kind": "Internal", "message": "x", "ok": 1.0}, true},
		{"secret redacted", errors.E("x", slog.String("Authorization", "Bearer abc")),
			map[string]any{"kind": "Internal", "message": "x", "Authorization": "[REDACTED]"}, true},
		{"secret in nested group", errors.E("x", slog.Group("a", slog.Group("b", slog.String("password", "p"), slog.Int("n", 1)))),
			map[string]any{"kind": "Internal", "message": "x", "a": map[string]any{"b": map[string]any{"password": "[REDACTED]", "n": 1.0}}}, true},
		{"fmt over E has kind and stack", fmt.Errorf("handler: %w", errors.E(errors.NotFound, "no order")),
			map[string]any{"kind": "NotFound", "message": "handler: no order"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// An error that is not an *Error logs as its text unless the
			// handler asks LogValue, as ddx's handler does.
			v := slog.Any("error", errors.LogValue(tt.err))
			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Error("failed", v)
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatal(err)
			}
			got, _ := line["error"].(map[string]any)
			stack, hasStack := got["stack"]
			delete(got, "stack")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("error object =\n%v\nwant\n%v", got, tt.want)
			}
			if hasStack != tt.stack {
				t.Errorf("stack present = %v (%v), want %v", hasStack, stack, tt.stack)
			}
		})
	}
}

func TestLogValueEdges(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	var nilErr *errors.Error
	logger.Error("a", slog.Any("error", errors.LogValue(nil)))
	logger.Error("b", slog.Any("error", nilErr))
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.Contains(line, `"error"`) {
			t.Errorf("empty error logged a group: %s", line)
		}
	}
	buf.Reset()
	logger.Error("c", slog.Any("error", errors.LogValue(io.EOF)))
	if !strings.Contains(buf.String(), `"error":{"kind":"Internal","message":"EOF"}`) {
		t.Errorf("plain error logged as %s", buf.String())
	}
}

func TestLogValueText(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	err := errors.E(errors.Op("orders.Get"), errNoOrder, slog.Int("order_id", 42))
	slog.New(slog.NewTextHandler(&buf, nil)).Warn("lookup", "error", err)
	for _, want := range []string{`error.kind=NotFound`, `error.message="orders.Get: no such order"`, `error.order_id=42`, `error.stack=`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text log misses %s:\n%s", want, buf.String())
		}
	}
}

// secretGroup resolves to a group holding a secret.
type secretGroup struct{}

func (secretGroup) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", "app"), slog.String("password", "p"))
}

func TestLogValueResolvesAndInlines(t *testing.T) {
	t.Parallel()
	err := errors.E("x",
		slog.Any("db", secretGroup{}),
		slog.Attr{Key: "", Value: slog.GroupValue(slog.Int("a", 1))},
		slog.Attr{Key: "", Value: slog.GroupValue(slog.Int("b", 2))})
	got := logJSON(t, err)
	delete(got, "stack")
	want := map[string]any{
		"kind": "Internal", "message": "x", "a": 1.0, "b": 2.0,
		"db": map[string]any{"user": "app", "password": "[REDACTED]"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("error object =\n%v\nwant\n%v", got, want)
	}
	if text, want := err.Error(), "x [db.user=app db.password=[REDACTED] a=1 b=2]"; text != want {
		t.Errorf("Error() = %q, want %q", text, want)
	}
}

// TestUncomparableValues logs values that slog.Value.Equal panics on.
func TestUncomparableValues(t *testing.T) {
	t.Parallel()
	err := errors.E("x", slog.Any("ids", []int{1, 2}),
		slog.Group("g", slog.Any("m", map[string]int{"a": 1}), slog.Any("ids", []int{3})),
		slog.Group("h", slog.Any("ids", []int{4}), slog.String("token", "t")))
	got := logJSON(t, err)
	delete(got, "stack")
	want := map[string]any{
		"kind": "Internal", "message": "x", "ids": []any{1.0, 2.0},
		"g": map[string]any{"m": map[string]any{"a": 1.0}, "ids": []any{3.0}},
		"h": map[string]any{"ids": []any{4.0}, "token": "[REDACTED]"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("error object =\n%v\nwant\n%v", got, want)
	}
	if text, want := err.Error(), `x [ids="[1 2]" g.m="map[a:1]" g.ids="[3]" h.ids="[4]" h.token=[REDACTED]]`; text != want {
		t.Errorf("Error() = %q, want %q", text, want)
	}
}
