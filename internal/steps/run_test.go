package steps

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// The Rack never closes a container's stdin, so a run without stdin says so
// (Disable-Stdin: true) and a command that reads stdin does not hang.
func TestRunWithoutStdinDisablesIt(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stdin bool
	}{{name: "no stdin"}, {name: "stdin given", stdin: true}} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLossyRack(t)
			var mu sync.Mutex
			var got []byte
			l.sim.OnExec(func(_, _, _ string, stdin []byte) (string, int) {
				mu.Lock()
				defer mu.Unlock()
				got = stdin
				return "", 0
			})
			step := Run{Service: "web", Command: []string{"bin/migrate"}}
			if tc.stdin {
				step.Stdin = strings.NewReader("yes\n")
			}
			require.NoError(t, runStep(t, l.state(t), step))
			var header []string
			for _, r := range l.sim.Requests() {
				if r.WebSocket && strings.HasSuffix(r.Path, "/exec") {
					header = append(header, r.Header.Get("Disable-Stdin"))
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if tc.stdin {
				require.Equal(t, []string{""}, header)
				require.Equal(t, "yes\n", string(got))
			} else {
				require.Equal(t, []string{"true"}, header)
				require.Empty(t, got)
			}
		})
	}
}
