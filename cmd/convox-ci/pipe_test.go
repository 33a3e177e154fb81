package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
	"github.com/convox-ci/convox-ci/internal/racksim/racksimtest"
)

// A closed stdout (`convox-ci builds | head -1`, the reader gone) is the end
// of the output, never a death by SIGPIPE: listings and logs exit 0
// quietly, builds export exits 1 (its artifact is cut), run stops the
// remote process and exits 1, and the result file is written every time.
// The real process runs, its stdout a pipe whose reading end is closed.
func TestClosedStdout(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	deploy := rk.run(t, nil, "deploy", "--id", appDir(t))
	require.Equal(t, 0, deploy.code, deploy.stderr)
	build := rk.sim.Rack("").Builds(testApp)[0].ID
	rk.sim.OnExec(func(app, service, command string, stdin []byte) (string, int) {
		return strings.Repeat("migrating\n", 1000), 0
	})

	for _, tc := range []struct {
		args   []string
		code   int
		status string
		stderr string // "" = no error line
	}{
		{args: []string{"builds"}, code: 0, status: "succeeded"},
		{args: []string{"builds", "list"}, code: 0, status: "succeeded"},
		{args: []string{"logs", "--since", "10m"}, code: 0, status: "succeeded"},
		{args: []string{"rack"}, code: 0, status: "succeeded"},
		{args: []string{"builds", "export", build}, code: 1, status: "failed", stderr: "stdout was closed"},
		{args: []string{"run", "web", "bin/migrate"}, code: 1, status: "failed", stderr: "its output was cut"},
	} {
		name := strings.Join(tc.args, " ")
		resultFile := filepath.Join(t.TempDir(), "result.json")
		r, w, err := os.Pipe()
		require.NoError(t, err)
		r.Close() // nobody reads
		stderr := &racksimtest.Buffer{}
		cmd := rk.command(map[string]string{"CONVOX_CI_LOG_FORMAT": "console", "CONVOX_CI_LOG_LEVEL": "info"}, append(tc.args, "--result-file", resultFile)...)
		cmd.Stdout, cmd.Stderr = w, stderr
		require.NoError(t, cmd.Start())
		w.Close()
		err = cmd.Wait()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			require.True(t, ee.Exited(), "%s: killed by %v, not an exit\n%s", name, ee.ProcessState, stderr.String())
			code = ee.ExitCode()
		}
		require.Equal(t, tc.code, code, "%s\n%s", name, stderr.String())
		if tc.stderr == "" {
			require.NotContains(t, stderr.String(), "ERR", name)
		} else {
			require.Contains(t, stderr.String(), tc.stderr, name)
		}
		data, err := os.ReadFile(resultFile)
		require.NoError(t, err, "%s: the result file is written", name)
		var res struct {
			Status   string `json:"status"`
			ExitCode int    `json:"exit_code"`
		}
		require.NoError(t, json.Unmarshal(data, &res))
		require.Equal(t, tc.status, res.Status, name)
		require.Equal(t, tc.code, res.ExitCode, name)
	}

	// run stopped the process it started.
	var started, stopped int
	for _, req := range rk.sim.Requests() {
		switch {
		case req.Method == "POST" && req.Path == "/apps/"+testApp+"/services/web/processes":
			started++
		case req.Method == "DELETE" && strings.HasPrefix(req.Path, "/apps/"+testApp+"/processes/"):
			stopped++
		}
	}
	require.Equal(t, 1, started)
	require.Equal(t, 1, stopped, "the remote process was stopped")
}
