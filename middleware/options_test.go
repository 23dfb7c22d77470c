package middleware_test

import (
	"testing"

	"github.com/ddx-go/ddx/middleware"
)

// Each option is of the kinds of the entry points it serves, and of no
// other: passing it elsewhere does not compile.
func TestOptionKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		opt                 any
		server, client, job bool
	}{
		{"WithService", middleware.WithService("s"), true, true, true},
		{"WithLogger", middleware.WithLogger(nil), true, false, true},
		{"WithErrorStatus", middleware.WithErrorStatus(nil), true, true, false},
		{"WithHealthPaths", middleware.WithHealthPaths(), true, false, false},
	}
	for _, tc := range tests {
		_, server := tc.opt.(middleware.ServerOption)
		_, client := tc.opt.(middleware.ClientOption)
		_, job := tc.opt.(middleware.JobOption)
		if server != tc.server || client != tc.client || job != tc.job {
			t.Errorf("%s: server, client, job = %v, %v, %v; want %v, %v, %v", tc.name, server, client, job, tc.server, tc.client, tc.job)
		}
	}
}
