package main

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// A runner that keeps the image's ENTRYPOINT and passes `/bin/sh -c SCRIPT`
// gets the script run by that shell, with the environment it was given.
func TestAShellCommandLineRunsInThatShell(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"/bin/sh", "sh", "bash"} {
		t.Run(shell, func(t *testing.T) {
			if _, err := exec.LookPath(shell); err != nil {
				t.Skipf("%s: %v", shell, err)
			}
			res := newEnv(t).runProcess(t, t.TempDir(), map[string]string{"GREETING": "from the script"}, os.Args[0],
				shell, "-c", `echo "$GREETING"; exit 7`)
			require.Equal(t, 7, res.code, res.stderr)
			require.Equal(t, "from the script\n", res.stdout)
		})
	}
}

// A missing shell is a usage error naming it, not a convox-ci command.
func TestAMissingShellIsNamed(t *testing.T) {
	t.Parallel()
	res := newEnv(t).runProcess(t, t.TempDir(), nil, os.Args[0], "/nonexistent/bash", "-c", "true")
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, "/nonexistent/bash is a shell, but it cannot be started here")
}
