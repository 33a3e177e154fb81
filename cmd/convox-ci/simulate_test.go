package main

import (
	"bufio"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// simulate prints the settings to use it, serves a Rack that convox-ci
// deploys to, and stops on SIGINT.
func TestSimulateServesARackUntilInterrupted(t *testing.T) {
	for name, args := range map[string][]string{
		"https":  {"simulate", "--listen", "127.0.0.1:0", "--app", testApp, "--password", testPassword},
		"http":   {"simulate", "--insecure-http", "--listen", "127.0.0.1:0", "--app", testApp, "--build-duration", "0s", "--rollout-duration", "1ms"},
		"faults": {"simulate", "--insecure-http", "--listen", "127.0.0.1:0", "--app", testApp, "--fault-rate", "0.2", "--seed", "7"},
	} {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			cmd := command(t, nil, args...)
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

			settings := map[string]string{}
			sc := bufio.NewScanner(stdout)
			for len(settings) < 2 && sc.Scan() {
				k, v, _ := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
				settings[k] = v
			}
			require.NotEmpty(t, settings["CONVOX_HOST"])
			require.NotEmpty(t, settings["CONVOX_PASSWORD"])
			if name == "https" {
				require.True(t, strings.HasPrefix(settings["CONVOX_HOST"], "https://"))
				require.Equal(t, testPassword, settings["CONVOX_PASSWORD"])
				sc.Scan()
				k, v, _ := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
				require.Equal(t, "CONVOX_CA_FILE", k)
				settings[k] = v
			}
			for k, v := range settings {
				t.Setenv(k, v)
			}
			t.Setenv("CONVOX_APP", testApp)
			res := run(t, nil, "deploy", appDir(t))
			require.Equal(t, 0, res.code, res.stderr)

			require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("simulate did not stop on SIGINT")
			}
		})
	}
}

func TestSimulateRejectsABadFaultRate(t *testing.T) {
	isolate(t)
	res := run(t, nil, "simulate", "--fault-rate", "3")
	require.Equal(t, 2, res.code)
	require.Contains(t, res.stderr, "from 0 to 1")
}
