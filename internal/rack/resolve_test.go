package rack

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// Console's answer that a rack is not in its list is final: it is not asked
// again on the next call.
func TestUnknownConsoleRackIsLookedUpOnce(t *testing.T) {
	f := &fakeConsole{}
	c, _ := consoleClient(t, f, "acme/nope")
	require.ErrorIs(t, c.Resolve(context.Background()), ErrRackNotFound)
	_, err := c.SystemGet(context.Background())
	require.ErrorIs(t, err, ErrRackNotFound)
	require.Len(t, f.seen(), 1, "one GET /racks")
}
