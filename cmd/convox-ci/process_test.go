package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
	"github.com/convox-ci/convox-ci/internal/racksim/racksimtest"
)

// The test binary doubles as convox-ci: with CONVOX_CI_TEST_AS_MAIN=1 it
// runs main(), so tests can run the real process (signals, exit statuses,
// environment as a CI hands it over).
func TestMain(m *testing.M) {
	if os.Getenv("CONVOX_CI_TEST_AS_MAIN") == "1" {
		main()
		return
	}
	code := m.Run()
	if code == 0 {
		if leaks := canary.leaks(); len(leaks) > 0 {
			fmt.Fprintf(os.Stderr, "secret canary: %d output(s) carry a secret value:\n%s\n", len(leaks), strings.Join(leaks, "\n"))
			code = 1
		} else {
			line := fmt.Sprintf("secret canary: %d outputs (%d bytes) of runs at debug level scanned for %d secret values: 0 found", canary.count(), canary.size(), len(canarySecrets))
			fmt.Println(line)
			if path := os.Getenv("CONVOX_CI_FIGURES"); path != "" {
				if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
					fmt.Fprintln(f, line)
					f.Close()
				}
			}
		}
	}
	os.Exit(code)
}

// command returns the convox-ci process with args in the test's
// environment plus extra.
func (e *testEnv) command(extra map[string]string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(e.environ(), "CONVOX_CI_TEST_AS_MAIN=1")
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

func TestSignalStopsPromptlyAndSaysWhatMayStillRun(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		sig  syscall.Signal
		code int
	}{
		"SIGTERM exits 143": {syscall.SIGTERM, 143},
		"SIGINT exits 130":  {syscall.SIGINT, 130},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rk := newRack(t, racksim.Options{})
			rk.sim.SetBuildDuration(time.Minute)
			cmd := rk.command(nil, "deploy", appDir(t))
			stderr := &racksimtest.Buffer{}
			cmd.Stderr = stderr
			require.NoError(t, cmd.Start())

			// signal once the client knows its build (it logs "build started")
			require.Eventually(t, func() bool { return strings.Contains(stderr.String(), `"message":"build started"`) }, 20*time.Second, 10*time.Millisecond, "the build never started")
			sent := time.Now()
			require.NoError(t, cmd.Process.Signal(tc.sig))
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 10 s after %v", tc.sig)
			}
			canary.add(t.Name()+" stderr", []byte(stderr.String()))
			t.Logf("stopped %s after the signal", time.Since(sent).Round(time.Millisecond))
			require.Equal(t, tc.code, cmd.ProcessState.ExitCode(), stderr.String())
			require.Contains(t, stderr.String(), "may still be running on the Rack")
			require.True(t, strings.Contains(stderr.String(), "interrupted by"), stderr.String())
		})
	}
}

// Interrupting `releases promote R` names R: the promote step says what it
// leaves rolling out (issue 12's case).
func TestInterruptedPromoteNamesTheRelease(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	build := rk.run(t, nil, "build", "--id", appDir(t))
	require.Equal(t, 0, build.code, build.stderr)
	release := build.stdout
	rk.sim.SetRolloutDuration(time.Minute)

	cmd := rk.command(nil, "releases", "promote", release)
	stderr := &racksimtest.Buffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool {
		for _, r := range rk.sim.Requests() {
			if r.Method == "POST" && strings.HasSuffix(r.Path, "/releases/"+release+"/promote") {
				return true
			}
		}
		return false
	}, 20*time.Second, 10*time.Millisecond, "the promote never reached the Rack")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("still running 10 s after SIGTERM")
	}
	canary.add(t.Name()+" stderr", []byte(stderr.String()))
	require.Equal(t, 143, cmd.ProcessState.ExitCode(), stderr.String())
	require.Contains(t, stderr.String(), "Release "+release+" may still be rolling out on rack ")
}
