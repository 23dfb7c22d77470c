package outcome_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/outcome"
)

// form is a struct a handler could panic with, a secret in a field.
type form struct {
	User     string
	Password string
}

// TestPanicErrorRedacts: a panic value holding a secret (a map, a struct,
// an http.Header, url.Values, an errors.E attribute that is a map) is
// redacted as the same value logged as an attribute is, in error.message
// on the line and on the span, and in Error() (issue 21, item 7). The rest
// of the value is kept, for the person debugging the panic.
func TestPanicErrorRedacts(t *testing.T) {
	mt := mocktracer.Start()
	defer mt.Stop()
	const s = "pan1c-s3cr3t"
	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer "+s)
	hdr.Set("Accept", "text/html")
	tests := []struct {
		name string
		p    any
		want string // error.message
	}{
		{"map", map[string]string{"password": s, "user": "bob"}, "panic: map[password:[REDACTED] user:bob]"},
		{"struct", form{"bob", s}, "panic: map[Password:[REDACTED] User:bob]"},
		{"*struct", &form{"bob", s}, "panic: map[Password:[REDACTED] User:bob]"},
		{"http.Header", hdr, "panic: map[Accept:[text/html] Authorization:[REDACTED]]"},
		{"url.Values", url.Values{"api_key": {s}, "q": {"shoes"}}, "panic: map[api_key:[REDACTED] q:[shoes]]"},
		{"nested in a slice", []any{"x", map[int]map[string]string{1: {"token": s}}}, "panic: [x map[1:map[token:[REDACTED]]]]"},
		{"plain string kept", "index out of range", "panic: index out of range"},
		{"expected error with a map attribute", errors.E(errors.NotFound, "no order",
			slog.Any("form", map[string]any{"secret": s, "id": 42})), "panic: no order"},
		{"internal error with a map attribute", errors.E(errors.Op("pay"), "charge",
			slog.Any("req", hdr)), "panic: pay: charge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := outcome.PanicError(tt.p)
			assert.Equal(t, errors.Internal, errors.KindOf(err))
			assert.Equal(t, tt.want, errors.Message(err))
			assert.NotContains(t, err.Error(), s)
			assert.NotContains(t, fmt.Sprintf("%+v", err), s)

			var buf bytes.Buffer
			slog.New(ddx.NewHandler(&buf, nil)).Error("http request", slog.Any("error", err))
			assert.NotContains(t, buf.String(), s, "log line")
			var line struct {
				Error struct{ Message string }
			}
			assert.NoError(t, json.Unmarshal(buf.Bytes(), &line))
			assert.Equal(t, tt.want, line.Error.Message)

			span := tracer.StartSpan("panic")
			outcome.RecordError(span, outcome.Classify(err), true, "")
			span.Finish()
			assert.Equal(t, tt.want, span.AsMap()[ext.ErrorMsg])
			for k, v := range span.AsMap() {
				assert.NotContains(t, fmt.Sprint(v), s, "span tag %s", k)
			}
		})
	}
}

