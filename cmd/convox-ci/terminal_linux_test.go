package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

// openTerminal opens a pseudo-terminal: the follower is what a user's shell
// (or a CI agent that runs jobs in a terminal, as Buildkite does) hands
// the binary as stderr; everything written to it is read from the leader.
func openTerminal(t *testing.T) (follower *os.File, written func() string) {
	t.Helper()
	leader, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	require.NoError(t, unix.IoctlSetPointerInt(int(leader.Fd()), unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(int(leader.Fd()), unix.TIOCGPTN)
	require.NoError(t, err)
	follower, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err)
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(&buf, leader) // until the follower is closed (EIO)
	}()
	t.Cleanup(func() { leader.Close() })
	return follower, func() string {
		follower.Close()
		<-done
		return buf.String()
	}
}

// With --log-format json every line on stderr is a JSON object, on a
// terminal too: the live status line a terminal gets with console logs
// (rewritten in place with \r and an erase sequence) would break every
// consumer reading the lines as JSON; the progress shows as JSON lines.
func TestJSONLogsOnATerminalStayJSON(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{BuildDuration: 1200 * time.Millisecond, RolloutDuration: 800 * time.Millisecond})
	stderr, written := openTerminal(t)
	var stdout bytes.Buffer
	code := Main(context.Background(), []string{"deploy", "--progress-interval", "100ms", appDir(t)}, rk.getenv, strings.NewReader(""), &stdout, stderr)
	out := written()
	canary.add(t.Name()+" stderr", []byte(out))
	require.Equal(t, 0, code, out)
	var progress int
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		line = strings.TrimSuffix(line, "\r") // the terminal's own newline translation
		var obj map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &obj), "not a JSON line: %q", line)
		if msg, _ := obj["message"].(string); strings.Contains(msg, " running: ") || strings.HasPrefix(msg, "waiting for the rollout: ") {
			progress++
		}
	}
	require.NotZero(t, progress, "the progress is shown as JSON lines:\n%s", out)
}
