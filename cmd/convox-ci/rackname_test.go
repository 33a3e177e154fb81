package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

// With direct credentials (a Rack's host and API key), a rack name is only
// accepted when it is that Rack's own: a Rack cannot reach another rack, and
// going on would deploy to the wrong Rack under the asked name.
func TestDirectCredentialsRefuseAnotherRacksName(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		rack string
		code int
	}{
		"org and its own name": {rack: "org/staging", code: 0},
		"its own name":         {rack: "staging", code: 0},
		"another rack":         {rack: "org/production", code: 2},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rk := newRack(t, racksim.Options{Name: "staging"})
			res := rk.run(t, nil, "deploy", "--rack", tc.rack, appDir(t))
			require.Equal(t, tc.code, res.code, res.stderr)
			if tc.code == 0 {
				return
			}
			host := strings.TrimPrefix(rk.url, "http://")
			require.Contains(t, res.stderr, "rack org/production was asked for, but the credentials point directly at "+host+`, the Rack named \"staging\"`)
			for _, r := range rk.sim.Requests() {
				require.Equal(t, "GET", r.Method, "nothing uploaded or built: %s %s", r.Method, r.Path)
			}
			require.Zero(t, rk.sim.Rack("").BuildCreates(testApp))
		})
	}
}

func TestRackURLRefusesAnotherRacksName(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{Name: "staging"})
	rk.set("CONVOX_HOST", "")
	rk.set("RACK_URL", strings.Replace(rk.url, "://", "://convox:"+testPassword+"@", 1))
	res := rk.run(t, nil, "builds", "--rack", "org/production")
	require.Equal(t, 2, res.code, res.stderr)
	require.Contains(t, res.stderr, "rack org/production was asked for")
	res = rk.run(t, nil, "builds", "--rack", "org/staging")
	require.Equal(t, 0, res.code, res.stderr)
}
