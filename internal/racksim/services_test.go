package racksim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// What the real CLI's `convox services` and `convox ps` read besides the
// routes a deploy touches.
func TestServicesAndBudgetForTheRealCLI(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, Name: "staging"})
	var svcs []map[string]any
	h.get("/apps/myapp/services").json(t, &svcs)
	require.Len(t, svcs, 1)
	require.Equal(t, "web", svcs[0]["name"])
	require.Equal(t, "web.myapp.staging.example.org", svcs[0]["domain"])
	require.EqualValues(t, 1, svcs[0]["count"], "the seeded running web pod")
	require.Equal(t, []any{map[string]any{"balancer": float64(443), "certificate": "", "container": float64(3000)}}, svcs[0]["ports"])
	for _, k := range []string{"cpu", "memory", "gpu", "gpu-vendor", "nlb"} {
		require.Contains(t, svcs[0], k, "structs.Service renders %s", k)
	}

	b := h.get("/apps/myapp/budget")
	require.Equal(t, 200, b.status)
	require.JSONEq(t, `{"config":null,"state":null}`, string(b.body), "an app with no budget set")
	require.Equal(t, 404, h.get("/apps/nope/budget").status)
	require.Equal(t, 404, h.get("/apps/nope/services").status)

	h.do(req{method: "POST", path: "/apps", form: map[string][]string{"name": {"fresh"}}})
	fresh := h.get("/apps/fresh/services")
	require.Equal(t, "[]\n", string(fresh.body), "no release promoted yet: no services")
}
