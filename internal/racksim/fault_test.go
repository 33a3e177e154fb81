package racksim

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// try sends a request on a fresh connection and reports a transport error
// instead of failing the test.
func (h *harness) try(r req) (reply, error) {
	h.t.Helper()
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	}
	hr, err := http.NewRequestWithContext(context.Background(), r.method, h.srv.URL+r.path, body)
	require.NoError(h.t, err)
	if r.form != nil {
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	hr.SetBasicAuth("convox", testPassword)
	hr.Close = true
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: data}, err
}

// faultsOf returns the fault of each request received, in order.
func faultsOf(s *Server) []FaultKind {
	var out []FaultKind
	for _, r := range s.Requests() {
		out = append(out, r.Fault)
	}
	return out
}

func TestFaultDecisionsReplayWithTheSameSeed(t *testing.T) {
	run := func(seed int64) []FaultKind {
		h := newHarness(t, Options{Apps: []string{"myapp"}, Faults: Faults{Rate: 0.5, Seed: seed, Kinds: []FaultKind{FaultTooManyRequests, FaultUnavailable}}})
		for range 40 {
			_, _ = h.try(req{method: "GET", path: "/apps/myapp"})
		}
		return faultsOf(h.sim)
	}
	first, again, other := run(7), run(7), run(8)
	require.Equal(t, first, again, "the same seed replays the same faults")
	require.NotEqual(t, first, other, "another seed gives other faults")
	n := 0
	for _, k := range first {
		if k != "" {
			n++
		}
	}
	require.Greater(t, n, 5, "about half of 40 requests are faulted")
	require.Less(t, n, 35)
}

func TestFaultDecisionsOfOneAppIgnoreOtherApps(t *testing.T) {
	opts := Options{Apps: []string{"a", "b"}, Faults: Faults{Rate: 0.5, Seed: 3, Kinds: []FaultKind{FaultUnavailable}}}
	alone := newHarness(t, opts)
	for range 20 {
		_, _ = alone.try(req{method: "GET", path: "/apps/a"})
	}
	mixed := newHarness(t, opts)
	for i := range 20 {
		_, _ = mixed.try(req{method: "GET", path: "/apps/a"})
		for range i % 3 {
			_, _ = mixed.try(req{method: "GET", path: "/apps/b"})
		}
	}
	var onA []FaultKind
	for _, r := range mixed.sim.Requests() {
		if r.Path == "/apps/a" {
			onA = append(onA, r.Fault)
		}
	}
	require.Equal(t, faultsOf(alone.sim), onA)
}

func TestNoFaultsAtRateZeroAndNeverOnCheck(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	for range 10 {
		require.Equal(t, 200, h.get("/apps/myapp").status)
	}
	require.Zero(t, h.sim.FaultStats().Faulted)
	require.Equal(t, 10, h.sim.FaultStats().Considered)

	h = newHarness(t, Options{Apps: []string{"myapp"}, Faults: Faults{Rate: 1, Seed: 1}})
	for range 20 {
		r, err := h.try(req{method: "GET", path: "/check"})
		require.NoError(t, err)
		require.Equal(t, "ok", string(r.body))
	}
	require.Zero(t, h.sim.FaultStats().Faulted)
	require.Zero(t, h.sim.FaultStats().Considered)
}

func TestFaultKinds(t *testing.T) {
	cases := []struct {
		name  string
		kind  FaultKind
		check func(t *testing.T, r reply, err error)
	}{
		{name: "429 with Retry-After", kind: FaultTooManyRequests, check: func(t *testing.T, r reply, err error) {
			require.NoError(t, err)
			require.Equal(t, 429, r.status)
			require.Equal(t, "1", r.header.Get("Retry-After"))
		}},
		{name: "503", kind: FaultUnavailable, check: func(t *testing.T, r reply, err error) {
			require.NoError(t, err)
			require.Equal(t, 503, r.status)
		}},
		{name: "502 empty or HTML", kind: FaultBadGateway, check: func(t *testing.T, r reply, err error) {
			require.NoError(t, err)
			require.Equal(t, 502, r.status)
			if len(r.body) > 0 {
				require.Contains(t, string(r.body), "<title>502 Bad Gateway</title>")
			}
		}},
		{name: "reset without an answer", kind: FaultReset, check: func(t *testing.T, _ reply, err error) {
			require.Error(t, err)
		}},
		{name: "slow answers normally", kind: FaultSlow, check: func(t *testing.T, r reply, err error) {
			require.NoError(t, err)
			require.Equal(t, 200, r.status)
			require.Contains(t, string(r.body), `"name": "myapp"`)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{Apps: []string{"myapp"}, Faults: Faults{Rate: 1, Seed: 1, Kinds: []FaultKind{tc.kind}}})
			r, err := h.try(req{method: "GET", path: "/apps/myapp"})
			tc.check(t, r, err)
			st := h.sim.FaultStats()
			require.Equal(t, 1, st.Faulted)
			require.Equal(t, 1, st.ByKind[tc.kind])
			require.Equal(t, 1, st.ByPath["GET /apps/{app}"][tc.kind])
			require.Equal(t, tc.kind, h.sim.Requests()[0].Fault)
		})
	}
}

// Resets and 502s sometimes come after the Rack carried the request out:
// both variants must occur, and only the processed ones create releases.
func TestResetsAnd502sAreSometimesProcessed(t *testing.T) {
	for _, kind := range []FaultKind{FaultReset, FaultBadGateway} {
		t.Run(string(kind), func(t *testing.T) {
			h := newHarness(t, Options{Apps: []string{"myapp"}, Faults: Faults{Rate: 1, Seed: 11, Kinds: []FaultKind{kind}}})
			before := len(h.sim.Rack("").Releases("myapp"))
			for range 20 {
				r, err := h.try(req{method: "POST", path: "/apps/myapp/releases", form: url.Values{"env": {"A=1"}}})
				if kind == FaultReset {
					require.Error(t, err)
				} else {
					require.NoError(t, err)
					require.Equal(t, 502, r.status)
				}
			}
			st := h.sim.FaultStats()
			require.Equal(t, 20, st.ByKind[kind])
			processed := st.Processed[kind]
			require.Greater(t, processed, 0, "some were carried out before failing")
			require.Less(t, processed, 20, "some were not")
			require.Equal(t, before+processed, len(h.sim.Rack("").Releases("myapp")))
			marked := 0
			for _, r := range h.sim.Requests() {
				if r.FaultProcessed {
					marked++
				}
			}
			require.Equal(t, processed, marked, "Request.FaultProcessed marks them")
		})
	}
}

func TestCutStreamFaultOnlyOnWebsockets(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, Faults: Faults{Rate: 1, Seed: 1, Kinds: []FaultKind{FaultCutStream}}})
	require.Equal(t, 200, h.get("/apps/myapp").status, "a plain request is not faulted by cut-stream")
	b := h.startBuild("myapp", appSource(t, "FROM scratch\n"), nil)
	id := b["id"].(string)
	h.waitJSON("/apps/myapp/builds/"+id, "status", "complete")
	res := h.ws("/apps/myapp/builds/"+id+"/logs", nil)
	require.False(t, res.ended, "no end-of-stream frame")
	require.Error(t, res.err)
	require.Len(t, res.texts, 1, "cut after the first frame")
	st := h.sim.FaultStats()
	require.Equal(t, 1, st.Faulted)
	require.Equal(t, 1, st.ByPath["SOCKET /apps/{app}/builds/{id}/logs"][FaultCutStream])
}

func TestCutStreamFaultLosesTheExitMarker(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, Faults: Faults{Rate: 1, Seed: 1, Kinds: []FaultKind{FaultCutStream}}})
	var execs atomic.Int32
	h.sim.OnExec(func(_, _, command string, _ []byte) (string, int) {
		execs.Add(1)
		return "migrating\ndone\n", 0
	})
	var pid string
	for _, p := range h.sim.Rack("").Processes("myapp") {
		pid = p.ID
	}
	res := h.ws("/apps/myapp/processes/"+pid+"/exec", map[string]string{"Command": "bin/migrate"}, nil)
	require.False(t, res.ended)
	require.NotContains(t, res.joined(), "F1E49A85", "the exit marker never arrives")
	require.Equal(t, int32(1), execs.Load(), "the command ran")
}

func TestFaultPathsLimitTheFaults(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, Faults: Faults{Rate: 1, Seed: 1, Kinds: []FaultKind{FaultUnavailable},
		Paths: []string{"POST /apps/*/releases", "/system"}}})
	require.Equal(t, 200, h.get("/apps/myapp").status)
	require.Equal(t, 200, h.get("/apps/myapp/releases").status, "another method")
	require.Equal(t, 503, h.get("/system").status, "any method")
	r := h.do(req{method: "POST", path: "/apps/myapp/releases", form: url.Values{"env": {"A=1"}}})
	require.Equal(t, 503, r.status)
	st := h.sim.FaultStats()
	require.Equal(t, 2, st.Faulted)
	require.Equal(t, map[FaultKind]int{FaultUnavailable: 1}, st.ByPath["POST /apps/{app}/releases"])
	require.Equal(t, map[FaultKind]int{FaultUnavailable: 1}, st.ByPath["GET /system"])
}

func TestSlowFaultDelaysTheAnswer(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, Faults: Faults{Rate: 1, Seed: 1, Kinds: []FaultKind{FaultSlow}}})
	start := time.Now()
	require.Equal(t, 200, h.get("/apps/myapp").status)
	require.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond, "the delay is at least 200ms")
}

// A late fault answers 502 or 504 at once; the Rack carries the request out
// afterwards, as a Rack still working when its gateway gave up.
func TestLateFaultActsAfterTheAnswer(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, Faults: Faults{Rate: 1, Seed: 5, Kinds: []FaultKind{FaultLate}}})
	before := len(h.sim.Rack("").Releases("myapp"))
	statuses := map[int]int{}
	for range 6 {
		r, err := h.try(req{method: "POST", path: "/apps/myapp/releases", form: url.Values{"env": {"A=1"}}})
		require.NoError(t, err)
		statuses[r.status]++
	}
	require.Len(t, h.sim.Rack("").Releases("myapp"), before, "nothing done yet when the answers came")
	for s := range statuses {
		require.Contains(t, []int{502, 504}, s)
	}
	require.Eventually(t, func() bool { return len(h.sim.Rack("").Releases("myapp")) == before+6 },
		15*time.Second, 50*time.Millisecond, "each was carried out afterwards")
	st := h.sim.FaultStats()
	require.Equal(t, 6, st.ByKind[FaultLate])
	require.Equal(t, 6, st.Processed[FaultLate])
	for _, r := range h.sim.Requests() {
		require.True(t, r.FaultProcessed)
	}
}

func TestLateFaultOnlyOnPlainRequests(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, Faults: Faults{Rate: 1, Seed: 1, Kinds: []FaultKind{FaultLate}}})
	var pid string
	for _, p := range h.sim.Rack("").Processes("myapp") {
		pid = p.ID
	}
	res := h.ws("/apps/myapp/processes/"+pid+"/exec", map[string]string{"Command": "bin/migrate"}, nil)
	require.True(t, res.ended, "a websocket is not faulted by late: %v", res.err)
	require.Zero(t, h.sim.FaultStats().Faulted)
}
