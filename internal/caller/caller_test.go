package caller_test

import (
	"strings"
	"testing"

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/internal/caller"
)

// transportLike creates an error for its caller, as a transport does.
func transportLike(outside caller.Outside) error {
	return errors.E(errors.Unavailable, "down", outside)
}

func TestOutside(t *testing.T) {
	self := "github.com/ddx-go/ddx/internal/caller_test"
	for _, tc := range []struct {
		name    string
		outside caller.Outside
		first   string // the function the stack starts with
	}{
		{"not given", nil, self + ".transportLike"},
		{"the creating package", caller.Outside{self}, "testing.tRunner"},
		{"another package", caller.Outside{"net/http"}, self + ".transportLike"},
		{"every frame: the whole stack", caller.Outside{self, "testing"}, self + ".transportLike"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := errors.Stack(transportLike(tc.outside))
			if !strings.HasPrefix(st, tc.first+"\n") {
				t.Errorf("stack starts\n%s\nwant %s", st, tc.first)
			}
		})
	}
}
