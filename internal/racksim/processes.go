package racksim

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/convox-ci/convox-ci/internal/rack"
)

// sleepCommand is the command of an attached run's placeholder process.
var sleepCommand = regexp.MustCompile(`^sleep\s+(\d+)$`)

// newServiceProcess adds a pending service pod; callers hold s.mu.
func (a *appState) newServiceProcess(svc, release string) *procState {
	p := &procState{
		p: rack.Process{
			ID: fmt.Sprintf("%s-%s-%s", svc, k8sSuffix(9), k8sSuffix(5)), App: a.app.Name, Name: svc,
			Release: release, Started: time.Now().UTC(), Status: rack.ProcessPending,
		},
		service: true,
		log:     newFeed[logEntry](),
		stop:    make(chan struct{}),
	}
	a.procs = append(a.procs, p)
	return p
}

// processRun is POST /apps/{app}/services/{service}/processes; its options
// travel in headers (Command, Release, ...).
func (s *Server) processRun(c *call) error {
	svc := c.v("service")
	command := c.r.Header.Get("Command")
	var out rack.Process
	err := s.withApp(c, func(a *appState) error {
		release := c.r.Header.Get("Release")
		if release == "" {
			release = a.app.Release
		}
		if release != "" {
			r, err := a.release(release)
			if err != nil {
				return err
			}
			if names, ok := manifestServices(r.Manifest); ok && !slices.Contains(names, svc) {
				return notFound("service not found: %s", svc)
			}
		}
		p := &procState{
			p: rack.Process{
				ID: svc + "-" + k8sSuffix(5), App: a.app.Name, Command: command, Name: svc,
				Release: release, Started: time.Now().UTC(), Status: rack.ProcessPending,
			},
			log:  newFeed[logEntry](),
			stop: make(chan struct{}),
		}
		a.procs = append(a.procs, p)
		out = p.p
		delay, exec := s.opts.ProcessStartDelay, s.onExec
		s.goLocked(func() { s.runProcess(a, p, delay, exec) })
		return nil
	})
	if err != nil {
		return err
	}
	return renderJSON(c.w, out)
}

// runProcess moves a run pod to running, then lets "sleep N" run N seconds
// (or until stopped) and runs any other command through OnExec.
func (s *Server) runProcess(a *appState, p *procState, delay time.Duration, exec ExecFunc) {
	if !s.waitProcess(p, delay) {
		return
	}
	s.mu.Lock()
	if p.stopped {
		s.mu.Unlock()
		return
	}
	p.p.Status = rack.ProcessRunning
	command := p.p.Command
	s.mu.Unlock()

	status := "complete"
	switch m := sleepCommand.FindStringSubmatch(command); {
	case command == "":
		select {
		case <-p.stop:
		case <-s.done:
		}
		return
	case m != nil:
		n, _ := parseInt(m[1])
		if !s.waitProcess(p, time.Duration(n)*time.Second) {
			return
		}
	default:
		output, code := exec(a.app.Name, p.p.Name, command, nil)
		s.mu.Lock()
		for _, line := range trimLines([]byte(output)) {
			a.appLog(p, line)
		}
		s.mu.Unlock()
		if code != 0 {
			status = "failed"
		}
	}
	s.mu.Lock()
	if !p.stopped {
		p.p.Status = status
	}
	s.mu.Unlock()
}

// waitProcess sleeps d unless the process is stopped or the server closes.
func (s *Server) waitProcess(p *procState, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-p.stop:
	case <-s.done:
	}
	return false
}

func (s *Server) processGet(c *call) error {
	var out rack.Process
	err := s.withApp(c, func(a *appState) error {
		p, err := a.process(c.v("pid"))
		if err != nil {
			return err
		}
		out = p.p
		return nil
	})
	if err != nil {
		return err
	}
	return renderJSON(c.w, out)
}

func (s *Server) processList(c *call) error {
	service, release := c.r.Form.Get("service"), c.r.Form.Get("release")
	out := []rack.Process{}
	err := s.withApp(c, func(a *appState) error {
		for _, p := range a.procs {
			if (service == "" || p.p.Name == service) && (release == "" || p.p.Release == release) {
				out = append(out, p.p)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return renderJSON(c.w, out)
}

func (s *Server) processStop(c *call) error {
	err := s.withApp(c, func(a *appState) error {
		p, err := a.process(c.v("pid"))
		if err != nil {
			return err
		}
		a.removeProcess(p)
		return nil
	})
	if err != nil {
		return err
	}
	return renderOK(c.w)
}

// processExec runs a command in a process: stdin text frames until the
// empty binary frame, then one text frame per output line, the exit-code
// marker, and (from serveSocket) the end frame. Like the real handler, a
// failure after validation sends the marker before the ERROR frame.
func (s *Server) processExec(c *call) error {
	pid := c.v("pid")
	command := c.r.Header.Get("Command")
	var (
		svc, status string
		exec        ExecFunc
		missing     bool
	)
	err := s.withApp(c, func(a *appState) error {
		exec = s.onExec
		if p, err := a.process(pid); err == nil {
			svc, status = p.p.Name, p.p.Status
			return nil
		}
		for _, p := range a.procs {
			if p.p.Name == pid && p.p.Status == rack.ProcessRunning {
				svc, status = p.p.Name, p.p.Status
				return nil
			}
		}
		missing = true
		return nil
	})
	if err != nil {
		return err
	}
	app := c.v("app")
	switch {
	case missing:
		return execFailure(c, 0, fmt.Errorf("pods %q not found", pid))
	case status == rack.ProcessPending:
		return execFailure(c, 1, fmt.Errorf("unable to upgrade connection: container not found (%q)", app))
	case status == "complete":
		return execFailure(c, 1, errors.New("cannot exec into a container in a completed pod; current phase is Succeeded"))
	case status == "failed":
		return execFailure(c, 1, errors.New("cannot exec into a container in a completed pod; current phase is Failed"))
	}
	var stdin []byte
	if v, _, _ := parseBool(c.r.Header.Get("Disable-Stdin")); !v {
		for {
			binary, data, err := c.ws.ReadMessage()
			if errors.Is(err, io.EOF) || (err == nil && binary) {
				break
			}
			if err != nil {
				return errStreamCut
			}
			stdin = append(stdin, data...)
		}
	}
	output, code := exec(app, svc, command, stdin)
	for _, line := range strings.SplitAfter(output, "\n") {
		if line == "" {
			continue
		}
		if err := c.ws.Text(line); err != nil {
			return errStreamCut
		}
	}
	if err := c.ws.Text(fmt.Sprintf("%s%d\n", rack.ExitMarker, code)); err != nil {
		return errStreamCut
	}
	return nil
}

func execFailure(c *call, code int, err error) error {
	if werr := c.ws.Text(fmt.Sprintf("%s%d\n", rack.ExitMarker, code)); werr != nil {
		return errStreamCut
	}
	return err
}
