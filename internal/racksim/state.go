package racksim

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/convox-ci/convox-ci/internal/rack"
)

// defaultManifest is the manifest of the builds seeded for Options.Apps.
const defaultManifest = "services:\n  web:\n    build: .\n    port: 3000\n"

// RackState is one rack's apps, builds, releases, objects and processes.
// Its methods give tests read access; all state is guarded by the Server.
type RackState struct {
	s         *Server
	full      string // org/rack in Console mode, else the rack name
	org, name string
	apps      map[string]*appState
}

type appState struct {
	app          rack.App
	builds       []*buildState // creation order
	releases     []*rack.Release
	objects      map[string][]byte
	procs        []*procState
	logs         *feed[logEntry]
	promotions   []string
	bad          map[string]bool // releases that fail their checks: every promote of them rolls back
	buildCreates int
	rollout      int    // generation of the current rollout; a newer one supersedes
	stable       string // the release actually running, where a rollback returns
	lastCreated  time.Time
}

type buildState struct {
	b      rack.Build
	source []byte
	log    *feed[string]
}

type procState struct {
	p       rack.Process
	service bool // a service pod (app logs come from these) rather than a run pod
	log     *feed[logEntry]
	stop    chan struct{}
	stopped bool
}

func newRackState(s *Server, full string) *RackState {
	rs := &RackState{s: s, full: full, name: full, apps: map[string]*appState{}}
	if org, name, ok := strings.Cut(full, "/"); ok {
		rs.org, rs.name = org, name
	}
	return rs
}

func (rs *RackState) domain() string { return rs.name + ".example.org" }

func (rs *RackState) system() rack.System {
	return rack.System{
		Domain:     "router." + rs.domain(),
		Name:       rs.name,
		Provider:   "k8s",
		RackDomain: "api." + rs.domain(),
		Status:     "running",
		Version:    rs.s.opts.Version,
	}
}

func (rs *RackState) newApp(name string) *appState {
	a := &appState{
		app: rack.App{
			Generation: "3",
			Name:       name,
			Router:     "router." + rs.domain(),
			Status:     rack.AppRunning,
			Parameters: map[string]string{},
		},
		objects: map[string][]byte{},
		logs:    newFeed[logEntry](),
	}
	rs.apps[name] = a
	return a
}

// seedApp creates an app with a complete build, an active release and a
// running web process, so that promote and env work at once.
func (rs *RackState) seedApp(name string) {
	a := rs.newApp(name)
	now := time.Now().UTC()
	b := &buildState{
		b: rack.Build{
			ID: newID("B"), App: name, Description: "initial build", Manifest: defaultManifest,
			Process: "build-" + k8sSuffix(5), Status: rack.BuildComplete, Started: now, Ended: now,
		},
		log: newFeed[string](),
	}
	b.log.finish()
	a.builds = append(a.builds, b)
	r := a.newRelease(name)
	r.Build, r.Manifest, r.Description = b.b.ID, b.b.Manifest, b.b.Description
	b.b.Release = r.ID
	a.app.Release, a.stable = r.ID, r.ID
	p := a.newServiceProcess("web", r.ID)
	p.p.Status = rack.ProcessRunning
	a.appLog(p, "listening on :3000")
}

// app finds an app or answers "app not found: <name>"; callers hold s.mu.
func (rs *RackState) app(name string) (*appState, error) {
	a, ok := rs.apps[name]
	if !ok {
		return nil, notFound("app not found: %s", name)
	}
	return a, nil
}

// lookupApp is app for handlers not holding s.mu: it checks existence only.
func (c *call) lookupApp() error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	_, err := c.rack.app(c.v("app"))
	return err
}

// newRelease appends an empty release with a strictly increasing Created.
func (a *appState) newRelease(app string) *rack.Release {
	r := &rack.Release{ID: newID("R"), App: app, Created: a.nextCreated()}
	a.releases = append(a.releases, r)
	return r
}

func (a *appState) nextCreated() time.Time {
	t := time.Now().UTC()
	if !t.After(a.lastCreated) {
		t = a.lastCreated.Add(time.Microsecond)
	}
	a.lastCreated = t
	return t
}

func (a *appState) latestRelease() *rack.Release {
	var latest *rack.Release
	for _, r := range a.releases {
		if latest == nil || r.Created.After(latest.Created) {
			latest = r
		}
	}
	return latest
}

func (a *appState) release(id string) (*rack.Release, error) {
	for _, r := range a.releases {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, k8sNotFound("releases.convox.com", id)
}

func (a *appState) build(id string) (*buildState, error) {
	for _, b := range a.builds {
		if b.b.ID == id {
			return b, nil
		}
	}
	return nil, k8sNotFound("builds.convox.com", id)
}

func (a *appState) process(id string) (*procState, error) {
	for _, p := range a.procs {
		if p.p.ID == id {
			return p, nil
		}
	}
	return nil, k8sNotFound("pods", id)
}

func (a *appState) removeProcess(p *procState) {
	for i, q := range a.procs {
		if q == p {
			a.procs = append(a.procs[:i:i], a.procs[i+1:]...)
			break
		}
	}
	if !p.stopped {
		p.stopped = true
		close(p.stop)
	}
}

// App returns an app's current state.
func (rs *RackState) App(name string) (rack.App, bool) {
	rs.s.mu.Lock()
	defer rs.s.mu.Unlock()
	a, ok := rs.apps[name]
	if !ok {
		return rack.App{}, false
	}
	return a.app, true
}

// Builds returns an app's builds, newest first.
func (rs *RackState) Builds(app string) []rack.Build {
	rs.s.mu.Lock()
	defer rs.s.mu.Unlock()
	a, ok := rs.apps[app]
	if !ok {
		return nil
	}
	out := make([]rack.Build, 0, len(a.builds))
	for i := len(a.builds) - 1; i >= 0; i-- {
		out = append(out, a.builds[i].b)
	}
	return out
}

// Releases returns an app's releases, newest first.
func (rs *RackState) Releases(app string) []rack.Release {
	rs.s.mu.Lock()
	defer rs.s.mu.Unlock()
	a, ok := rs.apps[app]
	if !ok {
		return nil
	}
	return sortedReleases(a.releases, 0)
}

// Object returns a stored object.
func (rs *RackState) Object(app, key string) ([]byte, bool) {
	rs.s.mu.Lock()
	defer rs.s.mu.Unlock()
	a, ok := rs.apps[app]
	if !ok {
		return nil, false
	}
	data, ok := a.objects[key]
	return data, ok
}

// BuildSource returns the tarball a build was made from (nil for seeded and
// imported builds).
func (rs *RackState) BuildSource(app, buildID string) []byte {
	rs.s.mu.Lock()
	defer rs.s.mu.Unlock()
	a, ok := rs.apps[app]
	if !ok {
		return nil
	}
	b, err := a.build(buildID)
	if err != nil {
		return nil
	}
	return b.source
}

// Promotions returns the release ids promoted, in order.
func (rs *RackState) Promotions(app string) []string {
	rs.s.mu.Lock()
	defer rs.s.mu.Unlock()
	a, ok := rs.apps[app]
	if !ok {
		return nil
	}
	return append([]string(nil), a.promotions...)
}

// Processes returns an app's processes (service pods and run pods).
func (rs *RackState) Processes(app string) []rack.Process {
	rs.s.mu.Lock()
	defer rs.s.mu.Unlock()
	a, ok := rs.apps[app]
	if !ok {
		return nil
	}
	out := make([]rack.Process, 0, len(a.procs))
	for _, p := range a.procs {
		out = append(out, p.p)
	}
	return out
}

// BuildCreates counts the POST /apps/{app}/builds calls that created a build.
func (rs *RackState) BuildCreates(app string) int {
	rs.s.mu.Lock()
	defer rs.s.mu.Unlock()
	a, ok := rs.apps[app]
	if !ok {
		return 0
	}
	return a.buildCreates
}

// newID is a Convox id: prefix and 10 uppercase letters.
func newID(prefix string) string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	return prefix + randomFrom(letters, 10)
}

// k8sSuffix is a Kubernetes generated-name suffix.
func k8sSuffix(n int) string {
	return randomFrom("bcdfghjklmnpqrstvwxz2456789", n)
}

func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(fmt.Sprintf("crypto/rand: %v", err))
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

// appGetCall is the shared "look the app up under the lock" helper.
func (s *Server) withApp(c *call, fn func(a *appState) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := c.rack.app(c.v("app"))
	if err != nil {
		return err
	}
	return fn(a)
}

func (s *Server) systemGet(c *call) error {
	return renderJSON(c.w, c.rack.system())
}

func (s *Server) appList(c *call) error {
	s.mu.Lock()
	out := make([]rack.App, 0, len(c.rack.apps))
	for _, name := range sortedKeys(c.rack.apps) {
		out = append(out, c.rack.apps[name].app)
	}
	s.mu.Unlock()
	return renderJSON(c.w, out)
}

func (s *Server) appGet(c *call) error {
	var app rack.App
	if err := s.withApp(c, func(a *appState) error { app = a.app; return nil }); err != nil {
		return err
	}
	return renderJSON(c.w, app)
}

func (s *Server) appCreate(c *call) error {
	name := c.r.Form.Get("name")
	s.mu.Lock()
	var app rack.App
	err := func() error {
		switch {
		case name == "":
			return errorf(http.StatusBadRequest, "name is required")
		case name == "rack" || name == "system":
			return errorf(http.StatusBadRequest, "app name is reserved")
		}
		if _, ok := c.rack.apps[name]; ok {
			return errorf(http.StatusConflict, "app already exists: %s", name)
		}
		app = c.rack.newApp(name).app
		return nil
	}()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return renderJSON(c.w, app)
}

// randInt is a random number in [0, n).
func randInt(n int64) int64 {
	k, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return k.Int64()
}
