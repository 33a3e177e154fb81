package racksim

import (
	"bufio"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"
)

// route is one API route. Patterns use {name} for one segment, {name}.ext for
// a segment with a suffix, and {name...} for the rest of the path.
type route struct {
	method  string // GET, POST, PUT, DELETE, HEAD, or SOCKET (GET with Upgrade: websocket)
	pattern string
	segs    []string
	handle  func(*call) error
}

// call is one request being handled.
type call struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	vars map[string]string
	rack *RackState
	ws   *wsConn
	key  string // "METHOD pattern" of the matched route
}

func (c *call) v(name string) string { return c.vars[name] }

func (s *Server) routeTable() []route {
	rs := []route{
		{method: "GET", pattern: "/auth", handle: func(c *call) error { return renderOK(c.w) }},
		{method: "GET", pattern: "/system", handle: s.systemGet},
		{method: "POST", pattern: "/apps", handle: s.appCreate},
		{method: "GET", pattern: "/apps", handle: s.appList},
		{method: "GET", pattern: "/apps/{app}", handle: s.appGet},
		{method: "POST", pattern: "/apps/{app}/cancel", handle: s.appCancel},
		{method: "GET", pattern: "/apps/{app}/budget", handle: s.appBudget},
		{method: "GET", pattern: "/apps/{app}/services", handle: s.serviceList},
		{method: "SOCKET", pattern: "/apps/{app}/logs", handle: s.appLogs},
		{method: "POST", pattern: "/apps/{app}/builds", handle: s.buildCreate},
		{method: "GET", pattern: "/apps/{app}/builds/{id}.tgz", handle: s.buildExport},
		{method: "GET", pattern: "/apps/{app}/builds/{id}", handle: s.buildGet},
		{method: "POST", pattern: "/apps/{app}/builds/import", handle: s.buildImport},
		{method: "GET", pattern: "/apps/{app}/builds", handle: s.buildList},
		{method: "SOCKET", pattern: "/apps/{app}/builds/{id}/logs", handle: s.buildLogs},
		{method: "PUT", pattern: "/apps/{app}/builds/{id}", handle: s.buildUpdate},
		{method: "DELETE", pattern: "/apps/{app}/objects/{key...}", handle: s.objectDelete},
		{method: "HEAD", pattern: "/apps/{app}/objects/{key...}", handle: s.objectExists},
		{method: "GET", pattern: "/apps/{app}/objects/{key...}", handle: s.objectFetch},
		{method: "POST", pattern: "/apps/{app}/objects/{key...}", handle: s.objectStore},
		{method: "SOCKET", pattern: "/apps/{app}/processes/{pid}/exec", handle: s.processExec},
		{method: "GET", pattern: "/apps/{app}/processes/{pid}", handle: s.processGet},
		{method: "GET", pattern: "/apps/{app}/processes", handle: s.processList},
		{method: "SOCKET", pattern: "/apps/{app}/processes/{pid}/logs", handle: s.processLogs},
		{method: "POST", pattern: "/apps/{app}/services/{service}/processes", handle: s.processRun},
		{method: "SOCKET", pattern: "/apps/{app}/services/{service}/logs", handle: s.serviceLogs},
		{method: "DELETE", pattern: "/apps/{app}/processes/{pid}", handle: s.processStop},
		{method: "POST", pattern: "/apps/{app}/releases", handle: s.releaseCreate},
		{method: "GET", pattern: "/apps/{app}/releases/{id}", handle: s.releaseGet},
		{method: "GET", pattern: "/apps/{app}/releases", handle: s.releaseList},
		{method: "POST", pattern: "/apps/{app}/releases/{id}/promote", handle: s.releasePromote},
	}
	for i := range rs {
		rs[i].segs = strings.Split(strings.TrimPrefix(rs[i].pattern, "/"), "/")
	}
	return rs
}

// match finds the route for r; methodMismatch reports a path known under
// another method (gorilla answers 405 then).
func (s *Server) match(r *http.Request) (rt *route, vars map[string]string, methodMismatch bool) {
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	ws := isWebSocket(r)
	for i := range s.routes {
		cand := &s.routes[i]
		vars, ok := matchSegs(cand.segs, segs)
		if !ok {
			continue
		}
		switch {
		case cand.method == "SOCKET" && ws, cand.method == r.Method && cand.method != "SOCKET":
			return cand, vars, false
		case cand.method == "SOCKET" && r.Method == http.MethodGet:
			// a plain GET on a websocket path: gorilla's header matcher fails, no 405
		default:
			methodMismatch = true
		}
	}
	return nil, nil, methodMismatch
}

func matchSegs(pattern, segs []string) (map[string]string, bool) {
	vars := map[string]string{}
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "...}") {
			vars[p[1:len(p)-4]] = strings.Join(segs[i:], "/")
			return vars, i <= len(segs)
		}
		if i >= len(segs) {
			return nil, false
		}
		seg := segs[i]
		if !strings.HasPrefix(p, "{") {
			if p != seg {
				return nil, false
			}
			continue
		}
		end := strings.Index(p, "}")
		name, suffix := p[1:end], p[end+1:]
		if !strings.HasSuffix(seg, suffix) || len(seg) == len(suffix) {
			return nil, false
		}
		vars[name] = strings.TrimSuffix(seg, suffix)
	}
	return vars, len(pattern) == len(segs)
}

// statusWriter remembers the status for the request log and keeps Hijack.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijack not supported")
	}
	w.status = http.StatusSwitchingProtocols
	return hj.Hijack()
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	rackName := r.Header.Get("Rack")
	var f fault
	defer func() {
		ev := s.log.Debug().Str("method", r.Method).Str("path", r.URL.Path).Str("rack", rackName)
		if f.kind != "" {
			ev = ev.Str("fault", string(f.kind)).Bool("processed", f.processed)
		}
		ev.Int("status", sw.status).Dur("took_ms", time.Since(start)).Msg("racksim request")
	}()
	_ = r.ParseForm()

	s.mu.Lock()
	rule := takeScripted(&s.responds, r.Method, r.URL.Path)
	s.mu.Unlock()
	faulted := false
	if rule == nil {
		f, faulted = s.decideFault(r, rackName)
	}
	s.record(r, rackName, f)
	if rule != nil {
		writeScripted(sw, rule)
		return
	}

	if r.URL.Path == "/check" {
		_, _ = sw.Write([]byte("ok"))
		return
	}
	if faulted {
		s.applyFault(sw, r, f, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, rackName) })
		return
	}
	s.serve(sw, r, rackName)
}

// serve answers a request as the Rack (or Console) does.
func (s *Server) serve(sw http.ResponseWriter, r *http.Request, rackName string) {
	if s.opts.Console {
		s.serveConsole(sw, r, rackName)
		return
	}

	rt, vars, mismatch := s.match(r)
	if rt == nil {
		notFoundRoute(sw, mismatch)
		return
	}
	c := &call{s: s, w: sw, r: r, vars: vars, rack: s.Rack(""), key: rt.method + " " + rt.pattern}
	if rt.method == "SOCKET" {
		s.serveSocket(c, rt, s.authenticate(r))
		return
	}
	setAPIHeaders(sw)
	if err := s.authenticate(r); err != nil {
		writeAuthError(sw, r, err)
		return
	}
	if err := rt.handle(c); err != nil {
		writeError(sw, r, err)
	}
}

// notFoundRoute is gorilla's answer to an unknown route: no body, no headers.
func notFoundRoute(w http.ResponseWriter, methodMismatch bool) {
	if methodMismatch {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	w.WriteHeader(http.StatusNotFound)
}

func setAPIHeaders(w http.ResponseWriter) {
	w.Header().Set("Request-Id", randomHex(6))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
}

// authenticate checks Basic auth as the Rack does; the user name is ignored
// except "jwt", which the simulator does not support.
func (s *Server) authenticate(r *http.Request) error {
	user, pass, _ := r.BasicAuth()
	if user == "jwt" {
		return errorf(http.StatusUnauthorized, "invalid authentication: jwt not supported by the simulator")
	}
	if subtle.ConstantTimeCompare([]byte(s.password), []byte(pass)) != 1 {
		return &authError{}
	}
	return nil
}

// authError is the bad-password answer; it also sets Www-Authenticate.
type authError struct{}

func (*authError) Error() string { return "invalid authentication" }

func writeAuthError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *authError
	if errors.As(err, &ae) {
		w.Header().Set("Www-Authenticate", `Basic realm="convox"`)
		writeError(w, r, errorf(http.StatusUnauthorized, "invalid authentication"))
		return
	}
	writeError(w, r, err)
}

// serveSocket upgrades, then reports authErr (if any) in-band as the Rack
// does, runs the handler and ends the stream with the empty binary frame.
func (s *Server) serveSocket(c *call, rt *route, authErr error) {
	ws, err := upgrade(c.w, c.r)
	if err != nil {
		// gorilla has answered with an HTTP error; stdapi adds the reason
		_, _ = c.w.Write([]byte("ERROR: " + err.Error() + "\n"))
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.close()
		return
	}
	s.conns[ws] = struct{}{}
	if takeScripted(&s.cuts, c.r.Method, c.r.URL.Path) != nil || cutByFault(c.r) {
		ws.cutAfter = 1
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, ws)
		s.mu.Unlock()
		s.wg.Done()
	}()
	c.ws = ws

	err = authErr
	if err == nil {
		err = rt.handle(c)
	}
	if err != nil && !errors.Is(err, errStreamCut) {
		_ = ws.Text("ERROR: " + err.Error() + "\n")
	}
	_ = ws.End()
	ws.waitClient(s.done)
}

func (s *Server) record(r *http.Request, rackName string, f fault) {
	h := r.Header.Clone()
	if h.Get("Authorization") != "" {
		h.Set("Authorization", "REDACTED")
	}
	req := Request{
		Method:         r.Method,
		Target:         r.RequestURI,
		Path:           r.URL.Path,
		Header:         h,
		Form:           cloneValues(r.Form),
		Rack:           rackName,
		WebSocket:      isWebSocket(r),
		Time:           time.Now(),
		Fault:          f.kind,
		FaultProcessed: f.processed,
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
}

func cloneValues(v map[string][]string) map[string][]string {
	out := make(map[string][]string, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
