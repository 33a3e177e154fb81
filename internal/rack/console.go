package rack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Rack-name lookup failures, worded as the Convox CLI words them.
var (
	ErrRackNotFound  = errors.New("could not find rack")
	ErrAmbiguousRack = errors.New("ambiguous rack name")
)

// ErrOtherRack matches a RackMismatchError.
var ErrOtherRack = errors.New("the credentials point at another rack")

// RackMismatchError is a rack name given with direct credentials (RACK_URL,
// or CONVOX_HOST naming a Rack) that is not the Rack those credentials reach.
// A Rack cannot select another rack (GET /racks is a bare 404 there), so
// going on would act on the wrong Rack under the asked name.
type RackMismatchError struct {
	Host   string // where the credentials point
	Own    string // that Rack's own name (GET /system)
	Wanted string // the rack name asked for
}

func (e *RackMismatchError) Error() string {
	return fmt.Sprintf("rack %s was asked for, but the credentials point directly at %s, the Rack named %q, "+
		"and a Rack cannot reach another rack: give that rack's own host and password (CONVOX_HOST/CONVOX_PASSWORD or RACK_URL, "+
		"or host:/password: on the target or import in the rules file), or go through Console "+
		"(CONVOX_HOST=console.convox.com with a deploy key)", e.Wanted, e.Host, e.Own)
}

// Is makes a RackMismatchError match ErrOtherRack.
func (e *RackMismatchError) Is(target error) bool { return target == ErrOtherRack }

// NameFits reports whether a rack name fits a Rack's own name: equal, or
// its last "/" part equal ("org/staging" and "staging" fit a Rack named
// staging).
func NameFits(want, own string) bool {
	want = strings.TrimSpace(want)
	if i := strings.LastIndex(want, "/"); i >= 0 {
		want = want[i+1:]
	}
	return want != "" && want == own
}

// resolve finds the Console rack named in Config.Rack, once: GET /racks,
// exact match first, else a unique substring match (docs/protocol.md,
// Choosing the Rack). A 404 means the host is a Rack: the name must then be
// that Rack's own (checkOwn), as with RACK_URL.
func (c *Client) resolve(ctx context.Context) error {
	if c.wantRack == "" || (!c.console && !c.rackURL) {
		return nil
	}
	c.resolveMu.Lock()
	defer c.resolveMu.Unlock()
	c.mu.Lock()
	done, failed := c.resolved, c.mismatch
	c.mu.Unlock()
	if failed != nil {
		return failed
	}
	if done {
		return nil
	}
	if c.rackURL {
		return c.checkOwn(ctx)
	}
	racks, err := c.consoleRacks(ctx)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusNotFound {
			c.log.Debug().Str("host", c.Host()).Msg("GET /racks answered 404: the host is a Rack, checking that it is the rack asked for")
			c.mu.Lock()
			c.direct = true // no Rack or Session headers from here on
			c.mu.Unlock()
			return c.checkOwn(ctx)
		}
		return fmt.Errorf("looking up rack %s on Console %s: %w", c.wantRack, c.Host(), err)
	}
	name, err := matchRack(racks, c.wantRack)
	if err != nil {
		c.mu.Lock()
		c.mismatch = err // Console's list said so: asking again cannot change it
		c.mu.Unlock()
		return err
	}
	c.mu.Lock()
	c.rackName, c.resolved = name, true
	c.mu.Unlock()
	c.log.Debug().Str("rack", name).Str("host", c.Host()).Msg("talking to the rack through Console")
	return nil
}

// Resolve settles which Rack the client talks to, once, as the first call
// would: the Console rack named, or, with direct credentials and a rack
// name, that the Rack is the one named (a *RackMismatchError otherwise).
func (c *Client) Resolve(ctx context.Context) error { return c.resolve(ctx) }

// checkOwn accepts the rack name asked for when it fits the direct Rack's
// own name (GET /system), and fails with a *RackMismatchError otherwise;
// callers hold resolveMu.
func (c *Client) checkOwn(ctx context.Context) error {
	var sys System
	if err := c.getJSON(ctx, call{method: http.MethodGet, path: "/system", retry: retrySafe, noRack: true}, &sys); err != nil {
		return fmt.Errorf("checking that %s is rack %s: %w", c.Host(), c.wantRack, err)
	}
	if !NameFits(c.wantRack, sys.Name) {
		err := &RackMismatchError{Host: c.Host(), Own: sys.Name, Wanted: c.wantRack}
		c.mu.Lock()
		c.mismatch = err
		c.mu.Unlock()
		return err
	}
	c.log.Debug().Str("host", c.Host()).Str("rack", sys.Name).Msg("talking to the Rack directly; it is the rack asked for")
	c.mu.Lock()
	c.direct, c.resolved = true, true
	c.mu.Unlock()
	return nil
}

// consoleRacks is Console's GET /racks, sent without a Rack header.
func (c *Client) consoleRacks(ctx context.Context) ([]ConsoleRack, error) {
	var racks []ConsoleRack
	err := c.getJSON(ctx, call{method: http.MethodGet, path: "/racks", retry: retrySafe, noRack: true}, &racks)
	return racks, err
}

// matchRack picks the rack named want among Console's racks.
func matchRack(racks []ConsoleRack, want string) (string, error) {
	var names, matches []string
	for _, r := range racks {
		name := r.FullName()
		if name == want {
			return name, nil
		}
		names = append(names, name)
		if strings.Contains(name, want) {
			matches = append(matches, name)
		}
	}
	sort.Strings(names)
	sort.Strings(matches)
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		if len(names) == 0 {
			return "", fmt.Errorf("%w: %s (Console lists no racks for this password or deploy key)", ErrRackNotFound, want)
		}
		return "", fmt.Errorf("%w: %s (Console lists: %s)", ErrRackNotFound, want, strings.Join(names, ", "))
	default:
		return "", fmt.Errorf("%w: %s (matches %s; give the full org/rack name)", ErrAmbiguousRack, want, strings.Join(matches, ", "))
	}
}

// RackList is Console's list of racks (GET /racks). Only Console has it.
func (c *Client) RackList(ctx context.Context) ([]ConsoleRack, error) {
	if c.rackURL {
		return nil, fmt.Errorf("listing racks needs Convox Console: RACK_URL points at one Rack (%s); set CONVOX_HOST=console.convox.com and CONVOX_PASSWORD instead", c.Host())
	}
	racks, err := c.consoleRacks(ctx)
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		return nil, fmt.Errorf("listing racks needs Convox Console: %s is a Rack, not Console", c.Host())
	}
	if err != nil {
		return nil, fmt.Errorf("listing Console racks: %w", err)
	}
	return racks, nil
}

// preflight is the throw-away GET the CLI makes before each websocket in
// Console mode, so that a session challenge happens over plain HTTP
// (docs/protocol.md, Console's session challenge). Its answer is ignored, except an auth failure.
func (c *Client) preflight(ctx context.Context, path string) error {
	if !c.Console() {
		return nil
	}
	p := "/racks"
	if strings.HasPrefix(path, "/app") {
		p = "/machines"
	}
	resp, err := c.do(ctx, call{method: http.MethodGet, path: p, retry: retryNever})
	if err == nil {
		discard(resp)
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var e *Error
	if errors.As(err, &e) && e.Kind == Unauthorized {
		return err
	}
	c.log.Debug().Str("path", p).Err(err).Msg("pre-stream request failed (ignored)")
	return nil
}
