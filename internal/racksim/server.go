package racksim

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Options configure a simulated Rack (or Console).
type Options struct {
	// Password is the rack API key or deploy key; "" picks a random one (see Server.Password).
	Password string
	// Apps exist at start, each with an initial complete build, an active release and a running web process.
	Apps []string
	// Name is the rack name reported by GET /system (default "staging"); Console racks report their own names.
	Name string
	// Version is the rack version reported by GET /system (default "3.24.9").
	Version string
	// Console makes the server answer as Console: GET /racks lists Racks and every rack call needs a Rack header.
	Console bool
	// Racks are the org/rack names served in Console mode (default ["org/staging"]), each with its own state.
	Racks []string
	// DeployKey enforces the deploy-key allow-list (docs/protocol.md, Deploy keys) in Console mode.
	DeployKey bool
	// BuildDuration is how long a build stays running (default 300ms).
	BuildDuration time.Duration
	// RolloutDuration is how long an app stays updating after a promote (default 300ms).
	RolloutDuration time.Duration
	// ControllerLag is how long after a promote the app still reads running on
	// its old release, as on a real Rack, where the app's status and release
	// are annotations the controller writes after the promote has returned
	// (default 0: at once).
	ControllerLag time.Duration
	// ProcessStartDelay is how long a run process stays pending (default 100ms).
	ProcessStartDelay time.Duration
	// FollowLimit bounds a followed log stream (default 1 minute).
	FollowLimit time.Duration
	// Logger gets one debug line per request; it never sees the password, headers or forms.
	Logger zerolog.Logger
	// Faults injects failures (429, 502, 503, resets, slow answers, late
	// answers (502/504, then carried out seconds later), cut
	// streams) into a share of the requests, seeded (see Faults).
	Faults Faults
}

// ExecFunc runs a command for an exec stream or a detached process and
// returns its combined output and exit code.
type ExecFunc func(app, service, command string, stdin []byte) (output string, code int)

// Request is one request the server received, for tests.
type Request struct {
	Method    string
	Target    string // the request target as sent, e.g. "/system?"
	Path      string
	Header    http.Header // Authorization redacted
	Form      url.Values  // URL query plus a form-encoded body; raw bodies are not read here
	Rack      string      // the Rack header
	WebSocket bool
	Time      time.Time
	Fault     FaultKind // the fault injected into this request, if any
	// FaultProcessed: the Rack carried the request out before the fault
	// (a reset or 502 after the handler ran).
	FaultProcessed bool
}

// Server is the simulated Rack API; it implements http.Handler.
type Server struct {
	opts     Options
	password string
	log      zerolog.Logger
	routes   []route

	mu              sync.Mutex
	closed          bool
	racks           map[string]*RackState
	rackOrder       []string
	failNext        map[string]string
	rollbackNext    map[string]bool
	onExec          ExecFunc
	responds        []*scripted
	cuts            []*scripted
	requests        []Request
	buildDuration   time.Duration
	rolloutDuration time.Duration
	controllerLag   time.Duration
	conns           map[*wsConn]struct{}
	faults          faultState

	done chan struct{}
	wg   sync.WaitGroup
}

// scripted is a Respond or CutStream rule.
type scripted struct {
	method, path string
	status       int
	body         string
	times        int
}

// New builds a simulated Rack from opts.
func New(opts Options) *Server {
	if opts.Name == "" {
		opts.Name = "staging"
	}
	if opts.Version == "" {
		opts.Version = "3.24.9"
	}
	if opts.BuildDuration <= 0 {
		opts.BuildDuration = 300 * time.Millisecond
	}
	if opts.RolloutDuration <= 0 {
		opts.RolloutDuration = 300 * time.Millisecond
	}
	if opts.ProcessStartDelay <= 0 {
		opts.ProcessStartDelay = 100 * time.Millisecond
	}
	if opts.FollowLimit <= 0 {
		opts.FollowLimit = time.Minute
	}
	if opts.Console && len(opts.Racks) == 0 {
		opts.Racks = []string{"org/" + opts.Name}
	}
	s := &Server{
		opts:            opts,
		password:        opts.Password,
		log:             opts.Logger,
		racks:           map[string]*RackState{},
		failNext:        map[string]string{},
		rollbackNext:    map[string]bool{},
		onExec:          defaultExec,
		buildDuration:   opts.BuildDuration,
		rolloutDuration: opts.RolloutDuration,
		controllerLag:   opts.ControllerLag,
		conns:           map[*wsConn]struct{}{},
		faults:          newFaultState(),
		done:            make(chan struct{}),
	}
	if s.password == "" {
		s.password = randomHex(16)
	}
	names := opts.Racks
	if !opts.Console {
		names = []string{opts.Name}
	}
	for _, full := range names {
		rs := newRackState(s, full)
		for _, app := range opts.Apps {
			rs.seedApp(app)
		}
		s.racks[full] = rs
		s.rackOrder = append(s.rackOrder, full)
	}
	s.routes = s.routeTable()
	return s
}

// Password is the password (rack API key or deploy key) the server accepts.
func (s *Server) Password() string { return s.password }

// Close stops background work and closes open websockets. The Server answers
// nothing useful afterwards.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	for c := range s.conns {
		c.close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// goLocked runs fn in a goroutine that Close waits for; the caller holds
// s.mu.
func (s *Server) goLocked(fn func()) {
	if s.closed {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
}

// sleep waits d, or less when the server closes; it reports whether the
// server is still open.
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}

// FailNextBuild makes the next build of app fail: its log ends with
// "ERROR: build failed: <reason>"; Build.reason stays empty, as on a real Rack.
func (s *Server) FailNextBuild(app, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[app] = reason
}

// RollbackNextPromote makes the release promoted next on app a bad release,
// as one whose processes fail their health checks: that promote rolls back
// (updating, then rollback for a while, then running with the old release
// still active), and so does every later promote of the same release, as on
// a real Rack.
func (s *Server) RollbackNextPromote(app string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollbackNext[app] = true
}

// SetBuildDuration changes how long builds started from now on run.
func (s *Server) SetBuildDuration(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buildDuration = d
}

// SetRolloutDuration changes how long rollouts started from now on take.
func (s *Server) SetRolloutDuration(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rolloutDuration = d
}

// SetControllerLag changes how long after a promote the app keeps reading
// running on its old release (see Options.ControllerLag).
func (s *Server) SetControllerLag(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.controllerLag = d
}

// OnExec replaces the command runner used by exec streams and detached
// processes. The default prints "running: <command>\n" and exits 0; the
// command "exit N" exits N.
func (s *Server) OnExec(fn func(app, service, command string, stdin []byte) (output string, code int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fn == nil {
		fn = defaultExec
	}
	s.onExec = fn
}

// Respond makes the next times requests matching method and path get status
// and body instead of the normal answer. path is exact or has "*" segments
// matching any one segment; method "" or "*" matches any method. The body's
// content type is guessed: JSON for { or [, HTML for <, text otherwise.
func (s *Server) Respond(method, path string, status int, body string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responds = append(s.responds, &scripted{method: method, path: path, status: status, body: body, times: times})
}

// CutStream makes the next websocket on method and path (matched as in
// Respond) lose its TCP connection right after its first frame, without the
// end-of-stream frame or exit marker.
func (s *Server) CutStream(method, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cuts = append(s.cuts, &scripted{method: method, path: path, times: 1})
}

// Requests returns a copy of everything received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Rack gives read access to a rack's state: "" is the first rack; in Console
// mode name is "org/rack" (the rack part alone is accepted when unique).
func (s *Server) Rack(name string) *RackState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == "" {
		return s.racks[s.rackOrder[0]]
	}
	if rs, ok := s.racks[name]; ok {
		return rs
	}
	var found *RackState
	for _, full := range s.rackOrder {
		if strings.HasSuffix(full, "/"+name) {
			if found != nil {
				return nil
			}
			found = s.racks[full]
		}
	}
	return found
}

// takeScripted consumes the first rule in rules matching method and path.
func takeScripted(rules *[]*scripted, method, path string) *scripted {
	for i, rule := range *rules {
		if rule.times <= 0 || !pathMatches(rule.method, rule.path, method, path) {
			continue
		}
		rule.times--
		if rule.times <= 0 {
			*rules = append((*rules)[:i:i], (*rules)[i+1:]...)
		}
		return rule
	}
	return nil
}

func pathMatches(ruleMethod, rulePath, method, path string) bool {
	if ruleMethod != "" && ruleMethod != "*" && !strings.EqualFold(ruleMethod, method) {
		return false
	}
	if rulePath == path {
		return true
	}
	rs, ps := strings.Split(rulePath, "/"), strings.Split(path, "/")
	if len(rs) != len(ps) {
		return false
	}
	for i := range rs {
		if rs[i] != "*" && rs[i] != ps[i] {
			return false
		}
	}
	return true
}

func defaultExec(_, _, command string, _ []byte) (string, int) {
	code := 0
	if f := strings.Fields(command); len(f) == 2 && f[0] == "exit" {
		if n, err := parseInt(f[1]); err == nil {
			code = n
		}
	}
	return "running: " + command + "\n", code
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
