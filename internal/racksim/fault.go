package racksim

import (
	"bytes"
	"context"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
)

// FaultKind is one kind of injected failure (Options.Faults).
type FaultKind string

// The faults a flaky network, proxy or Console can cause.
const (
	// FaultTooManyRequests answers 429 with Retry-After: 1; the request is
	// not carried out.
	FaultTooManyRequests FaultKind = "429"
	// FaultBadGateway answers 502 with an empty body or a proxy's HTML page.
	// For plain requests the Rack carries the request out first about half
	// of the time (a proxy that lost the Rack's answer).
	FaultBadGateway FaultKind = "502"
	// FaultUnavailable answers 503; the request is not carried out.
	FaultUnavailable FaultKind = "503"
	// FaultReset reads the whole request, then drops the connection without
	// an answer (a TCP RST where possible). For plain requests the Rack
	// carries the request out first about half of the time ("processed then
	// reset"); a websocket is dropped before its upgrade.
	FaultReset FaultKind = "reset"
	// FaultSlow delays the answer (or the upgrade) by 200 to 800 ms.
	FaultSlow FaultKind = "slow"
	// FaultCutStream cuts a websocket after its first frame, without the
	// end-of-stream frame or the exit marker. Websockets only.
	FaultCutStream FaultKind = "cut-stream"
	// FaultLate answers 502 or 504 at once, as a gateway that gave up
	// waiting, and the Rack, still working, carries the request out 0.5 to
	// 4 s later. Plain requests only.
	FaultLate FaultKind = "late"
)

// AllFaultKinds are the kinds used when Faults.Kinds is empty.
var AllFaultKinds = []FaultKind{FaultTooManyRequests, FaultBadGateway, FaultUnavailable, FaultReset, FaultSlow, FaultCutStream, FaultLate}

// Faults injects failures into a share of the requests, reproducibly.
//
// Each request except GET /check (and requests answered by Respond) is
// considered: the decision for the n-th request on one route of one app
// (e.g. the 3rd "GET /apps/myapp/builds/{id}") comes from a PCG generator
// seeded with Seed and that route and n, so it does not depend on other
// apps' traffic or on goroutine scheduling, and the same Seed replays the
// same faults for the same sequence of requests. With probability Rate the
// request gets one of Kinds that applies to it (cut-stream to websockets
// only; everything else to both).
type Faults struct {
	Rate  float64     // share of requests faulted, 0..1
	Seed  int64       // seed of the decisions
	Kinds []FaultKind // the kinds to choose from; empty: AllFaultKinds
	// Paths, when set, limits faults to requests matching one of these
	// patterns: "METHOD /path" or "/path" (any method), where a "*" segment
	// matches any one segment, e.g. "POST /apps/*/builds".
	Paths []string
}

// FaultStats counts the faults injected so far.
type FaultStats struct {
	Considered int                          // requests received, GET /check and Respond answers aside
	Faulted    int                          // requests faulted
	ByKind     map[FaultKind]int            // faults by kind
	Processed  map[FaultKind]int            // faults whose request the Rack carried out (502, reset: first; late: after the answer)
	ByPath     map[string]map[FaultKind]int // faults by route, "METHOD /route/{pattern}" (SOCKET for websockets)
}

// fault is the decision for one request.
type fault struct {
	kind      FaultKind
	processed bool          // run the handler before failing (FaultLate: after)
	delay     time.Duration // FaultSlow; FaultLate: when the Rack acts
	html      bool          // FaultBadGateway: an HTML page rather than an empty body
	status    int           // FaultLate: 502 or 504
}

type cutStreamKey struct{}

// faultState is the Server's fault bookkeeping, guarded by Server.mu.
type faultState struct {
	counters map[string]uint64
	stats    FaultStats
}

func newFaultState() faultState {
	return faultState{
		counters: map[string]uint64{},
		stats: FaultStats{
			ByKind: map[FaultKind]int{}, Processed: map[FaultKind]int{}, ByPath: map[string]map[FaultKind]int{},
		},
	}
}

// FaultStats returns a copy of the fault counts.
func (s *Server) FaultStats() FaultStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.faults.stats
	out := FaultStats{Considered: st.Considered, Faulted: st.Faulted,
		ByKind: map[FaultKind]int{}, Processed: map[FaultKind]int{}, ByPath: map[string]map[FaultKind]int{}}
	for k, v := range st.ByKind {
		out.ByKind[k] = v
	}
	for k, v := range st.Processed {
		out.Processed[k] = v
	}
	for p, m := range st.ByPath {
		out.ByPath[p] = map[FaultKind]int{}
		for k, v := range m {
			out.ByPath[p][k] = v
		}
	}
	return out
}

// decideFault draws the fault (if any) for a request.
func (s *Server) decideFault(r *http.Request, rackName string) (fault, bool) {
	opts := s.opts.Faults
	if r.URL.Path == "/check" {
		return fault{}, false
	}
	if opts.Rate <= 0 || len(opts.Paths) > 0 && !faultPathAllowed(opts.Paths, r.Method, r.URL.Path) {
		s.mu.Lock()
		s.faults.stats.Considered++
		s.mu.Unlock()
		return fault{}, false
	}
	ws := isWebSocket(r)
	route, key := s.faultRoute(r, rackName)
	var kinds []FaultKind
	for _, k := range orAll(opts.Kinds) {
		if k == FaultCutStream && !ws || k == FaultLate && ws {
			continue
		}
		kinds = append(kinds, k)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.faults.counters[key]
	s.faults.counters[key] = n + 1
	s.faults.stats.Considered++
	if len(kinds) == 0 {
		return fault{}, false
	}
	h := fnv.New64a()
	_, _ = io.WriteString(h, key)
	rng := rand.New(rand.NewPCG(uint64(opts.Seed)^h.Sum64(), n))
	if rng.Float64() >= opts.Rate {
		return fault{}, false
	}
	f := fault{kind: kinds[rng.IntN(len(kinds))]}
	switch f.kind {
	case FaultSlow:
		f.delay = 200*time.Millisecond + time.Duration(rng.IntN(601))*time.Millisecond
	case FaultBadGateway:
		f.html = rng.IntN(2) == 0
		f.processed = !ws && rng.IntN(2) == 0
	case FaultReset:
		f.processed = !ws && rng.IntN(2) == 0
	case FaultLate:
		f.processed = true
		f.delay = 500*time.Millisecond + time.Duration(rng.IntN(3501))*time.Millisecond
		f.status = http.StatusBadGateway
		if rng.IntN(2) == 0 {
			f.status = http.StatusGatewayTimeout
		}
	}
	st := &s.faults.stats
	st.Faulted++
	st.ByKind[f.kind]++
	if f.processed {
		st.Processed[f.kind]++
	}
	if st.ByPath[route] == nil {
		st.ByPath[route] = map[FaultKind]int{}
	}
	st.ByPath[route][f.kind]++
	return f, true
}

func orAll(kinds []FaultKind) []FaultKind {
	if len(kinds) == 0 {
		return AllFaultKinds
	}
	return kinds
}

// faultRoute names a request's route for the stats ("POST /apps/{app}/builds")
// and keys its decision counter by rack, route and app, so that one app's
// sequence of decisions does not depend on other apps' requests.
func (s *Server) faultRoute(r *http.Request, rackName string) (route, key string) {
	rt, vars, _ := s.match(r)
	if rt == nil {
		route = r.Method + " " + r.URL.Path
		return route, rackName + "|" + route
	}
	route = rt.method + " " + rt.pattern
	return route, rackName + "|" + strings.Replace(route, "{app}", vars["app"], 1)
}

func faultPathAllowed(patterns []string, method, path string) bool {
	for _, p := range patterns {
		m, pth, ok := strings.Cut(strings.TrimSpace(p), " ")
		if !ok {
			m, pth = "", m
		}
		if pathMatches(m, strings.TrimSpace(pth), method, path) {
			return true
		}
	}
	return false
}

// applyFault answers a request with its fault; serve is the normal answer.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f fault, serve func(http.ResponseWriter, *http.Request)) {
	if f.processed && f.kind != FaultLate {
		serve(&lostAnswer{header: http.Header{}}, r) // the Rack acts; its answer is lost
	}
	switch f.kind {
	case FaultLate:
		// The Rack has the whole request and acts on it after the gateway
		// gave up: the answer comes first, the change seconds later.
		body, _ := io.ReadAll(r.Body)
		late := r.Clone(context.WithoutCancel(r.Context()))
		late.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		s.goLocked(func() {
			if s.sleep(f.delay) {
				serve(&lostAnswer{header: http.Header{}}, late)
			}
		})
		s.mu.Unlock()
		http.Error(w, http.StatusText(f.status), f.status)
	case FaultSlow:
		if s.sleep(f.delay) {
			serve(w, r)
		}
	case FaultCutStream:
		serve(w, r.WithContext(context.WithValue(r.Context(), cutStreamKey{}, true)))
	case FaultTooManyRequests:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
	case FaultUnavailable:
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
	case FaultBadGateway:
		if !f.html {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n")
	case FaultReset:
		if !f.processed {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		resetConnection(w)
	}
}

// lostAnswer is where the answer of a request processed before its fault
// goes: nowhere.
type lostAnswer struct{ header http.Header }

func (l *lostAnswer) Header() http.Header         { return l.header }
func (l *lostAnswer) Write(p []byte) (int, error) { return len(p), nil }
func (l *lostAnswer) WriteHeader(int)             {}

// resetConnection drops the client's connection without an answer.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // the server closes the connection
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// cutByFault reports a websocket the fault injection cuts.
func cutByFault(r *http.Request) bool {
	cut, _ := r.Context().Value(cutStreamKey{}).(bool)
	return cut
}
