package rack

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// A real k8s Rack answers an unknown build, release or process with the
// Kubernetes error as a 500 (it carries no HTTP status): asking again cannot
// help, so it is not retried, and it is still "not found".
func TestNotFoundAs500IsNotRetried(t *testing.T) {
	ctx := context.Background()
	for name, call := range map[string]func(c *Client) error{
		"build get":    func(c *Client) error { _, err := c.BuildGet(ctx, "myapp", "BNOSUCH"); return err },
		"build export": func(c *Client) error { return c.BuildExport(ctx, "myapp", "BNOSUCH", &bytes.Buffer{}) },
		"release get":  func(c *Client) error { _, err := c.ReleaseGet(ctx, "myapp", "RNOSUCH"); return err },
	} {
		t.Run(name, func(t *testing.T) {
			f := &flaky{statuses: []int{500, 500, 500, 500, 500, 500}, body: `builds.convox.com "bnosuch" not found` + "\n"}
			c := serveFlaky(t, f)
			err := call(c)
			require.True(t, errors.Is(err, ErrNotFound), "got %v", err)
			require.ErrorContains(t, err, `builds.convox.com "bnosuch" not found`, "the Rack's message is kept whole")
			require.Equal(t, 1, f.attempts(), "one request, no retries")
		})
	}
	t.Run("another 500 is still retried", func(t *testing.T) {
		f := &flaky{statuses: []int{500}, ok: `{"id":"BX","status":"complete"}`}
		c := serveFlaky(t, f)
		b, err := c.BuildGet(ctx, "myapp", "BX")
		require.NoError(t, err)
		require.Equal(t, "BX", b.ID)
		require.Equal(t, 2, f.attempts())
	})
}
