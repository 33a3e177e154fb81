package racksim

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// kubeTimeFormat is the timestamp kubectl puts before each log line.
const kubeTimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// feed is an append-only list that streams can follow.
type feed[T any] struct {
	mu    sync.Mutex
	items []T
	done  bool
	ch    chan struct{}
}

func newFeed[T any]() *feed[T] {
	return &feed[T]{ch: make(chan struct{})}
}

func (f *feed[T]) add(v T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, v)
	close(f.ch)
	f.ch = make(chan struct{})
}

func (f *feed[T]) finish() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return
	}
	f.done = true
	close(f.ch)
	f.ch = make(chan struct{})
}

// from returns the items from index i on, whether the feed is finished, and
// a channel that closes on the next change.
func (f *feed[T]) from(i int) ([]T, bool, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []T
	if i < len(f.items) {
		out = append(out, f.items[i:]...)
	}
	return out, f.done, f.ch
}

// logEntry is one line of an app's (kubectl) log.
type logEntry struct {
	t       time.Time
	pod     string
	service string
	msg     string
}

// appLog appends a line from process p to the app log and p's own log.
func (a *appState) appLog(p *procState, msg string) {
	e := logEntry{t: time.Now().UTC(), pod: p.p.ID, service: p.p.Name, msg: msg}
	if p.service {
		a.logs.add(e)
	}
	p.log.add(e)
}

type logOptions struct {
	follow bool
	prefix bool
	since  time.Duration
	tail   int
}

// parseLogOptions reads the option headers of a logs websocket; the server
// defaults are follow true, prefix false, since 2m.
func parseLogOptions(r *http.Request) (logOptions, error) {
	o := logOptions{follow: true, since: 2 * time.Minute}
	if v, set, err := parseBool(r.Header.Get("Follow")); err != nil {
		return o, err
	} else if set {
		o.follow = v
	}
	if v, set, err := parseBool(r.Header.Get("Prefix")); err != nil {
		return o, err
	} else if set {
		o.prefix = v
	}
	if v := r.Header.Get("Since"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return o, errorf(http.StatusBadRequest, "invalid duration: %s", v)
		}
		o.since = d
	}
	if v := r.Header.Get("Tail"); v != "" {
		n, err := parseInt(v)
		if err != nil {
			return o, errorf(http.StatusBadRequest, "invalid tail: %s", v)
		}
		o.tail = n
	}
	return o, nil
}

func (s *Server) appLogs(c *call) error { return s.streamAppLogs(c, "") }

func (s *Server) serviceLogs(c *call) error { return s.streamAppLogs(c, c.v("service")) }

// streamAppLogs streams the kubectl-style log of an app's service pods.
func (s *Server) streamAppLogs(c *call, service string) error {
	opts, err := parseLogOptions(c.r)
	if err != nil {
		return err
	}
	var f *feed[logEntry]
	err = s.withApp(c, func(a *appState) error {
		for _, p := range a.procs {
			if p.service && (service == "" || p.p.Name == service) {
				f = a.logs
				return nil
			}
		}
		return fmt.Errorf("no resources found in %s-%s namespace", c.rack.name, a.app.Name)
	})
	if err != nil {
		return err
	}
	app := c.v("app")
	format := func(e logEntry) string {
		if opts.prefix {
			return fmt.Sprintf("[pod/%s/%s] %s %s\n", e.pod, app, e.t.Format(kubeTimeFormat), e.msg)
		}
		return fmt.Sprintf("%s %s\n", e.t.Format(kubeTimeFormat), e.msg)
	}
	keep := func(e logEntry) bool { return service == "" || e.service == service }
	return s.streamEntries(c, f, opts, keep, format)
}

// processLogs streams one process's log in the process-log format.
func (s *Server) processLogs(c *call) error {
	opts, err := parseLogOptions(c.r)
	if err != nil {
		return err
	}
	var f *feed[logEntry]
	err = s.withApp(c, func(a *appState) error {
		p, err := a.process(c.v("pid"))
		if err != nil {
			return err
		}
		f = p.log
		return nil
	})
	if err != nil {
		return err
	}
	format := func(e logEntry) string {
		return fmt.Sprintf("%s service/%s/%s %s\n", e.t.Format(time.RFC3339), e.service, e.pod, e.msg)
	}
	return s.streamEntries(c, f, opts, func(logEntry) bool { return true }, format)
}

func (s *Server) streamEntries(c *call, f *feed[logEntry], opts logOptions, keep func(logEntry) bool, format func(logEntry) string) error {
	cutoff := time.Now().Add(-opts.since)
	items, done, changed := f.from(0)
	next := len(items)
	var first []logEntry
	for _, e := range items {
		if keep(e) && !e.t.Before(cutoff) {
			first = append(first, e)
		}
	}
	if opts.tail > 0 && len(first) > opts.tail {
		first = first[len(first)-opts.tail:]
	}
	for _, e := range first {
		if err := c.ws.Text(format(e)); err != nil {
			return errStreamCut
		}
	}
	if !opts.follow {
		return nil
	}
	gone := c.ws.startDiscard()
	limit := time.NewTimer(s.opts.FollowLimit)
	defer limit.Stop()
	for !done {
		select {
		case <-changed:
		case <-gone:
			return errStreamCut
		case <-s.done:
			return nil
		case <-limit.C:
			return nil
		}
		items, done, changed = f.from(next)
		next += len(items)
		for _, e := range items {
			if !keep(e) {
				continue
			}
			if err := c.ws.Text(format(e)); err != nil {
				return errStreamCut
			}
		}
	}
	return nil
}

// buildLogs streams a build's log: what exists at once in one frame, then
// new lines as the build writes them, ending when the build ends.
func (s *Server) buildLogs(c *call) error {
	var f *feed[string]
	err := s.withApp(c, func(a *appState) error {
		b, err := a.build(c.v("id"))
		if err != nil {
			return err
		}
		f = b.log
		return nil
	})
	if err != nil {
		return err
	}
	var gone <-chan struct{}
	next := 0
	for {
		lines, done, changed := f.from(next)
		next += len(lines)
		if len(lines) > 0 {
			if err := c.ws.Text(strings.Join(lines, "\n") + "\n"); err != nil {
				return errStreamCut
			}
		}
		if done {
			return nil
		}
		if gone == nil {
			gone = c.ws.startDiscard()
		}
		select {
		case <-changed:
		case <-gone:
			return errStreamCut
		case <-s.done:
			return nil
		}
	}
}
