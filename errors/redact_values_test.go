package errors_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/errors"
)

type form struct {
	User  string
	Token string `json:"token"`
}

// TestAttrValuesRedacted: an attribute whose value is a map, a struct, a
// header or url.Values holding a secret is redacted in Error() (and so in
// %v, %+v, %q) and in LogValue, for any slog handler, as ddx's handler
// redacts the same value logged on its own (issue 21, item 7). The rest
// of the value is kept.
func TestAttrValuesRedacted(t *testing.T) {
	t.Parallel()
	const s = "attr-s3cr3t"
	tests := []struct {
		name     string
		v        any
		wantText string // the bracketed attribute in Error()
	}{
		{"map", map[string]any{"password": s, "id": 42}, `form="map[id:42 password:[REDACTED]]"`},
		{"struct", form{"bob", s}, `form="map[User:bob token:[REDACTED]]"`},
		{"http.Header", http.Header{"Cookie": {s}}, `form="map[Cookie:[REDACTED]]"`},
		{"url.Values", url.Values{"sig": {s}, "page": {"2"}}, `form="map[page:[2] sig:[REDACTED]]"`},
		{"map with int keys", map[int]map[string]string{7: {"secret": s}}, `form="map[7:map[secret:[REDACTED]]]"`},
		{"no secret kept as is", map[string]int{"id": 1}, `form="map[id:1]"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := errors.E(errors.Op("orders.Create"), "validate", slog.Any("form", tt.v))
			wrapped := fmt.Errorf("handler: %w", err)
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%q", err), wrapped.Error()} {
				assert.NotContains(t, text, s)
			}
			assert.Equal(t, "orders.Create: validate ["+tt.wantText+"]", err.Error())

			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Error("m", "error", err)
			slog.New(slog.NewTextHandler(&buf, nil)).Error("m", "error", wrapped, "attrs", errors.LogValue(wrapped))
			assert.NotContains(t, buf.String(), s)
			if !strings.Contains(tt.name, "kept") {
				assert.Contains(t, buf.String(), "[REDACTED]")
			}
			// The error's own attributes are what the caller gave.
			assert.Equal(t, tt.v, errors.Attrs(err)[0].Value.Any())
		})
	}
}
