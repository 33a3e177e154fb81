package racksim

import (
	"net/http"
	"strings"

	"github.com/convox-ci/convox-ci/internal/rack"
)

// deployKeyRoutes are the routes the deploy-key commands of docs/protocol.md (Deploy keys)
// touch: build, builds, builds export/import, deploy, env set --replace,
// logs, rack, racks, releases promote <id>, run.
var deployKeyRoutes = map[string]bool{
	"GET /system":                                   true,
	"POST /apps/{app}/objects/{key...}":             true, // tmp/ keys only, see deployKeyAllows
	"POST /apps/{app}/builds":                       true,
	"SOCKET /apps/{app}/builds/{id}/logs":           true,
	"GET /apps/{app}/builds/{id}":                   true,
	"GET /apps/{app}/builds":                        true,
	"GET /apps/{app}/builds/{id}.tgz":               true,
	"POST /apps/{app}/builds/import":                true,
	"GET /apps/{app}":                               true,
	"POST /apps/{app}/releases/{id}/promote":        true,
	"SOCKET /apps/{app}/logs":                       true,
	"SOCKET /apps/{app}/services/{service}/logs":    true,
	"GET /apps/{app}/processes":                     true,
	"POST /apps/{app}/releases":                     true,
	"POST /apps/{app}/services/{service}/processes": true,
	"GET /apps/{app}/processes/{pid}":               true,
	"SOCKET /apps/{app}/processes/{pid}/exec":       true,
	"DELETE /apps/{app}/processes/{pid}":            true,
}

func deployKeyAllows(c *call) bool {
	if !deployKeyRoutes[c.key] {
		return false
	}
	if c.key == "POST /apps/{app}/objects/{key...}" {
		return strings.HasPrefix(c.v("key"), "tmp/")
	}
	return true
}

// serveConsole answers as Console: its own routes, then the Rack header picks
// the rack whose API answers the rest. Console's checks are HTTP answers,
// also on websocket paths (before any upgrade).
func (s *Server) serveConsole(w http.ResponseWriter, r *http.Request, rackName string) {
	if err := s.authenticate(r); err != nil {
		setAPIHeaders(w)
		writeAuthError(w, r, err)
		return
	}
	if r.Method == http.MethodGet && !isWebSocket(r) {
		switch r.URL.Path {
		case "/racks":
			setAPIHeaders(w)
			_ = renderJSON(w, s.consoleRacks())
			return
		case "/machines":
			setAPIHeaders(w)
			_ = renderJSON(w, []struct{}{})
			return
		}
	}
	if rackName == "" {
		setAPIHeaders(w)
		writeError(w, r, errorf(http.StatusBadRequest, "no rack specified"))
		return
	}
	s.mu.Lock()
	rs := s.racks[rackName]
	s.mu.Unlock()
	if rs == nil {
		setAPIHeaders(w)
		writeError(w, r, notFound("rack not found: %s", rackName))
		return
	}
	rt, vars, mismatch := s.match(r)
	if rt == nil {
		notFoundRoute(w, mismatch)
		return
	}
	c := &call{s: s, w: w, r: r, vars: vars, rack: rs, key: rt.method + " " + rt.pattern}
	if s.opts.DeployKey && !deployKeyAllows(c) {
		setAPIHeaders(w)
		writeError(w, r, errorf(http.StatusForbidden, "deploy key is not permitted to %s %s", r.Method, r.URL.Path))
		return
	}
	if rt.method == "SOCKET" {
		s.serveSocket(c, rt, nil)
		return
	}
	setAPIHeaders(w)
	if err := rt.handle(c); err != nil {
		writeError(w, r, err)
	}
}

func (s *Server) consoleRacks() []rack.ConsoleRack {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]rack.ConsoleRack, 0, len(s.rackOrder))
	for _, full := range s.rackOrder {
		rs := s.racks[full]
		out = append(out, rack.ConsoleRack{
			Name:         rs.name,
			Organization: rack.ConsoleOrg{Name: rs.org},
			Provider:     "k8s",
			Status:       "running",
			Version:      s.opts.Version,
		})
	}
	return out
}
