//go:build !race

package ddx

import (
	"bytes"
	"net/http"
	"testing"
)

// With the view off, a trace request allocates exactly what it did before
// the view existed.
func TestLocalViewOffAllocatesNothing(t *testing.T) {
	payload := testPayload(t)
	tr := newTestTransport(nopAgent{}, nil)
	defer tr.abort()
	req, _ := http.NewRequest(http.MethodPost, "http://agent/v0.4/traces", bytes.NewReader(payload))
	send := func(rt func(*http.Request) (*http.Response, error)) func() {
		return func() {
			resp, err := rt(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	before := testing.AllocsPerRun(200, send(func(r *http.Request) (*http.Response, error) { return tr.roundTrip(r) }))
	off := testing.AllocsPerRun(200, send(tr.RoundTrip))
	if off != before {
		t.Fatalf("view off: %v allocs per request, want %v as without the view", off, before)
	}
}
