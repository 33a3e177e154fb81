package racksim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/stretchr/testify/require"
)

func TestConsoleListsRacksWithoutARackHeader(t *testing.T) {
	h := newHarness(t, Options{Console: true, Racks: []string{"acme/staging", "acme/production"}})
	r := h.get("/racks")
	require.Equal(t, 200, r.status)
	var racks []rack.ConsoleRack
	r.json(t, &racks)
	require.Len(t, racks, 2)
	require.Equal(t, "acme/staging", racks[0].FullName())
	require.Equal(t, "acme/production", racks[1].FullName())
	require.Equal(t, "k8s", racks[0].Provider)
	require.Equal(t, "[]\n", string(h.get("/machines").body))
}

func TestConsoleRoutesByRackHeader(t *testing.T) {
	h := newHarness(t, Options{Console: true, Racks: []string{"acme/staging", "acme/production"}, Apps: []string{"myapp"}})
	tests := []struct {
		name, rack, want string
		code             int
	}{
		{name: "missing header", code: 400, want: "no rack specified\n"},
		{name: "unknown rack", rack: "acme/nope", code: 404, want: "rack not found: acme/nope\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(req{method: "GET", path: "/system", header: map[string]string{"Rack": tc.rack}})
			require.Equal(t, tc.code, r.status)
			require.Equal(t, tc.want, string(r.body))
		})
	}
	t.Run("system names the rack", func(t *testing.T) {
		var sys rack.System
		h.do(req{method: "GET", path: "/system", header: map[string]string{"Rack": "acme/production"}}).json(t, &sys)
		require.Equal(t, "production", sys.Name)
	})
	t.Run("state is per rack", func(t *testing.T) {
		r := h.do(req{method: "POST", path: "/apps/myapp/releases", header: map[string]string{"Rack": "acme/staging"}, form: url.Values{"env": {"A=1"}}})
		require.Equal(t, 200, r.status)
		require.Len(t, h.sim.Rack("acme/staging").Releases("myapp"), 2)
		require.Len(t, h.sim.Rack("acme/production").Releases("myapp"), 1)
		require.Equal(t, "acme/staging", h.sim.Requests()[len(h.sim.Requests())-1].Rack)
	})
	t.Run("websocket refused before the upgrade", func(t *testing.T) {
		res := h.ws("/apps/myapp/logs", map[string]string{"Rack": "acme/nope", "Follow": "false"})
		require.Equal(t, 404, res.status)
	})
	t.Run("websocket routed", func(t *testing.T) {
		res := h.ws("/apps/myapp/logs", map[string]string{"Rack": "acme/production", "Follow": "false"})
		require.True(t, res.ended)
		require.Len(t, res.texts, 1)
	})
}

func TestConsoleBadPasswordOnAWebsocketIsAnHTTPAnswer(t *testing.T) {
	h := newHarness(t, Options{Console: true, Apps: []string{"myapp"}})
	res := h.ws("/apps/myapp/logs", map[string]string{"Rack": "org/staging", "Authorization": "Basic " + basic("convox", "wrong")})
	require.Equal(t, 401, res.status)
}

func TestDeployKeyAllowList(t *testing.T) {
	h := newHarness(t, Options{Console: true, DeployKey: true, Apps: []string{"myapp"}})
	rackHdr := map[string]string{"Rack": "org/staging"}
	allowed := []struct{ method, path string }{
		{"GET", "/system"},
		{"GET", "/apps/myapp"},
		{"GET", "/apps/myapp/builds"},
		{"GET", "/apps/myapp/processes"},
		{"POST", "/apps/myapp/releases"},
		{"POST", "/apps/myapp/objects/tmp/x.tgz"},
	}
	for _, tc := range allowed {
		t.Run("allowed "+tc.method+" "+tc.path, func(t *testing.T) {
			r := h.do(req{method: tc.method, path: tc.path, header: rackHdr, form: url.Values{}})
			require.NotEqual(t, 403, r.status, "%s", r.body)
		})
	}
	refused := []struct{ method, path string }{
		{"GET", "/apps"},
		{"POST", "/apps"},
		{"GET", "/apps/myapp/releases"},
		{"GET", "/apps/myapp/releases/RAAAAAAAAAA"},
		{"POST", "/apps/myapp/objects/other/x"},
		{"GET", "/apps/myapp/objects/tmp/x.tgz"},
		{"POST", "/apps/myapp/cancel"},
	}
	for _, tc := range refused {
		t.Run("refused "+tc.method+" "+tc.path, func(t *testing.T) {
			r := h.do(req{method: tc.method, path: tc.path, header: rackHdr, form: url.Values{}})
			require.Equal(t, 403, r.status)
			require.Equal(t, "deploy key is not permitted to "+tc.method+" "+tc.path+"\n", string(r.body))
		})
	}
	t.Run("allowed websocket", func(t *testing.T) {
		res := h.ws("/apps/myapp/logs", map[string]string{"Rack": "org/staging", "Follow": "false"})
		require.True(t, res.ended)
	})
	t.Run("refused websocket", func(t *testing.T) {
		res := h.ws("/apps/myapp/processes/web-abcde/logs", map[string]string{"Rack": "org/staging"})
		require.Equal(t, 403, res.status)
	})
}

func TestListenAndServeTLS(t *testing.T) {
	sim := New(Options{Password: testPassword})
	t.Cleanup(sim.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l, err := ListenAndServe(ctx, sim, "127.0.0.1:0", true)
	require.NoError(t, err)
	u := l.URL
	require.Regexp(t, `^https://127\.0\.0\.1:\d+$`, u)

	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // reading the served certificate
	resp, err := insecure.Get(u + "/check")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "ok", string(body))
	leaf := resp.TLS.PeerCertificates[0]
	require.Equal(t, x509.ECDSA, leaf.PublicKeyAlgorithm)
	require.Equal(t, []string{"localhost"}, leaf.DNSNames)
	require.Len(t, leaf.IPAddresses, 2, "127.0.0.1 and ::1")

	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(l.CAPEM))
	verified := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	resp2, err := verified.Get(u + "/check")
	require.NoError(t, err, "CAPEM verifies the served certificate")
	resp2.Body.Close()

	cancel()
	require.Eventually(t, func() bool {
		_, err := verified.Get(u + "/check")
		return err != nil
	}, 5*time.Second, 10*time.Millisecond, "serving ends with ctx")
}

func TestListenAndServePlain(t *testing.T) {
	sim := New(Options{Password: testPassword})
	t.Cleanup(sim.Close)
	l, err := ListenAndServe(t.Context(), sim, "127.0.0.1:0", false)
	require.NoError(t, err)
	require.Regexp(t, `^http://127\.0\.0\.1:\d+$`, l.URL)
	require.Nil(t, l.CAPEM)
	resp, err := http.Get(l.URL + "/check")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	_, err = ListenAndServe(t.Context(), sim, strings.TrimPrefix(l.URL, "http://"), false)
	require.ErrorContains(t, err, "listening on", "the address is taken")
}

func TestGenerateCertPEMIsACAFile(t *testing.T) {
	_, pemData, err := GenerateCert([]string{"127.0.0.1", "rack.example.org"})
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemData))
}
