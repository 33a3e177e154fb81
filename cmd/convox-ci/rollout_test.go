package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

// simPost sends a form POST to the simulated Rack, as another deploy would.
func simPost(t *testing.T, rk *testEnv, path string, form url.Values) []byte {
	t.Helper()
	req, err := http.NewRequest("POST", rk.url+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.SetBasicAuth("convox", testPassword)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, string(b))
	return b
}

func TestSupersededPromotionExits6(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{ControllerLag: 500 * time.Millisecond})
	var ours, newer struct{ ID string }
	require.NoError(t, json.Unmarshal(simPost(t, rk, "/apps/"+testApp+"/releases", url.Values{"env": {"A=1"}}), &ours))
	require.NoError(t, json.Unmarshal(simPost(t, rk, "/apps/"+testApp+"/releases", url.Values{"env": {"A=2"}}), &newer))
	resultFile := filepath.Join(t.TempDir(), "result.json")
	done := make(chan result, 1)
	go func() { done <- rk.run(t, nil, "releases", "promote", ours.ID, "--result-file", resultFile) }()
	require.Eventually(t, func() bool { return len(rk.sim.Rack("").Promotions(testApp)) == 1 }, 10*time.Second, 5*time.Millisecond)
	simPost(t, rk, "/apps/"+testApp+"/releases/"+newer.ID+"/promote", url.Values{"force": {"false"}})
	res := <-done
	require.Equal(t, 6, res.code, res.stderr)
	require.Contains(t, res.stderr, "release "+ours.ID+" was superseded: a newer release, "+newer.ID+", became active")
	data, err := os.ReadFile(resultFile)
	require.NoError(t, err)
	var r struct {
		Status   string `json:"status"`
		ExitCode int    `json:"exit_code"`
	}
	require.NoError(t, json.Unmarshal(data, &r))
	require.Equal(t, "superseded", r.Status)
}

func TestReleasesRollbackPutsThePreviousDeployLive(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)
	previous := rk.sim.Rack("").Builds(testApp)[0].ID
	res = rk.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)
	res = rk.run(t, nil, "releases", "rollback", "--id")
	require.Equal(t, 0, res.code, res.stderr)
	app, _ := rk.sim.Rack("").App(testApp)
	require.Equal(t, app.Release, res.stdout)
	require.Equal(t, previous, rk.sim.Rack("").Releases(testApp)[0].Build, "the previous deploy's build is live again")
	require.Contains(t, res.stderr, "rolling back to build "+previous)
}
