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

// resolve finds the Console rack named in Config.Rack, once: GET /racks,
// exact match first, else a unique substring match (docs/protocol.md, Choosing the Rack). A 404
// means the host is a Rack: the client then talks to it directly.
func (c *Client) resolve(ctx context.Context) error {
	if !c.console {
		return nil
	}
	c.resolveMu.Lock()
	defer c.resolveMu.Unlock()
	c.mu.Lock()
	done := c.resolved
	c.mu.Unlock()
	if done {
		return nil
	}
	racks, err := c.consoleRacks(ctx)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusNotFound {
			c.log.Debug().Str("host", c.Host()).Msg("GET /racks answered 404: the host is a Rack, talking to it directly")
			c.mu.Lock()
			c.direct, c.resolved = true, true
			c.mu.Unlock()
			return nil
		}
		return fmt.Errorf("looking up rack %s on Console %s: %w", c.wantRack, c.Host(), err)
	}
	name, err := matchRack(racks, c.wantRack)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.rackName, c.resolved = name, true
	c.mu.Unlock()
	c.log.Debug().Str("rack", name).Str("host", c.Host()).Msg("talking to the rack through Console")
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
