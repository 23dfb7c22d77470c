package outcome

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ddx-go/ddx/errors"
)

// TestClassify: a Verdict carries what its users need, so none walks the
// chain again for the kind or the code.
func TestClassify(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("outer: %w", errors.E(errors.NotFound, errors.Code("user.missing"), "user 7 not found"))
	v := Classify(err)
	assert.Equal(t, Verdict{Err: err, Kind: errors.NotFound, Code: "user.missing"}, v)
	assert.Equal(t, Verdict{}, Classify(nil))
	assert.Equal(t, errors.Internal, Classify(fmt.Errorf("plain")).Kind)
}
