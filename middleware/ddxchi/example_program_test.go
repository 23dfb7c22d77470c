package ddxchi_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/internal/testprog"
)

// TestExampleProgram runs the program the README shows, as a user would:
// it answers, writes nothing but JSON lines, and exits 0 on SIGTERM after
// the deferred Stop.
func TestExampleProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	p := testprog.Start(t, "example")
	code, _, body := testprog.Get(t, p.URL+"/users/1")
	assert.Equal(t, 200, code)
	assert.JSONEq(t, `{"id":1,"name":"Ada"}`, body)
	code, ctype, body := testprog.Get(t, p.URL+"/users/9")
	assert.Equal(t, 404, code)
	assert.Equal(t, "application/problem+json", ctype)
	assert.Contains(t, body, `"detail":"user 9 not found"`)

	lines := p.Stop()
	var access []string
	for _, l := range lines {
		if strings.Contains(l, `"message":"http request"`) {
			access = append(access, l)
		}
	}
	if assert.Len(t, access, 2, "one access line per request") {
		assert.Contains(t, access[0], `"http.status_code":200`)
		assert.Contains(t, access[1], `"http.status_code":404`)
		assert.Contains(t, access[1], `"status":"WARN"`)
	}
	testprog.RequireShown(t, "../../README.md", "example/main.go")
}
