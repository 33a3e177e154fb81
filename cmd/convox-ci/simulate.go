package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/convox-ci/convox-ci/internal/racksim"
	"github.com/convox-ci/convox-ci/internal/shellwords"
	"github.com/convox-ci/convox-ci/internal/steps"
)

type simulateCmd struct {
	Listen       string        `default:"127.0.0.1:5443" help:"Address to listen on." placeholder:"HOST:PORT"`
	InsecureHTTP bool          `name:"insecure-http" help:"Serve plain HTTP instead of HTTPS."`
	Console      bool          `help:"Answer as Console: racks selected by the Rack header (org/rack), deploy-key scope enforced."`
	Racks        []string      `name:"console-rack" help:"Console mode: racks served (org/rack; repeat the flag or separate with commas)." default:"org/staging,org/production" placeholder:"ORG/RACK"`
	FaultRate    float64       `name:"fault-rate" help:"Share of requests answered with a fault (429, 502, 503, reset, slow, cut stream, late: 502/504 then carried out), from 0 to 1." placeholder:"0.3"`
	Seed         int64         `help:"Seed of the fault injection, to replay a run." default:"1" placeholder:"N"`
	BuildTime    time.Duration `name:"build-duration" help:"How long each build runs on the simulated Rack." default:"300ms"`
	RolloutTime  time.Duration `name:"rollout-duration" help:"How long each promotion stays updating." default:"300ms"`
	Lag          time.Duration `name:"controller-lag" help:"How long after a promote the app still reads running on its old release, as on a busy real Rack." default:"0s"`
	WriteEnv     string        `name:"write-env" help:"Also write the export lines to this file once the Rack is listening (source it from another shell or script: . FILE); removed when simulate stops (an existing file is refused unless an earlier simulate wrote it, or it is empty)." placeholder:"FILE"`
}

// Validate checks the fault rate before anything starts.
func (c simulateCmd) Validate() error {
	if c.FaultRate < 0 || c.FaultRate > 1 {
		return fmt.Errorf("--fault-rate %v: give a share from 0 to 1, e.g. 0.3", c.FaultRate)
	}
	return nil
}

// simServer is a simulated Rack served on a local address.
type simServer struct {
	sim    *racksim.Server
	url    string
	caFile string // HTTPS: the certificate to trust, written for CONVOX_CA_FILE
	stop   context.CancelFunc
}

// serveSim serves sim on addr (racksim.ListenAndServe): HTTPS with a fresh
// self-signed certificate, written to a CA file to trust, or plain HTTP.
// close stops it.
func serveSim(ctx context.Context, sim *racksim.Server, addr string, plain bool) (*simServer, error) {
	ctx, stop := context.WithCancel(ctx)
	l, err := racksim.ListenAndServe(ctx, sim, addr, !plain)
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		stop()
		return nil, usagef("%v (choose another address with --listen)", err)
	}
	if err != nil {
		stop()
		return nil, err
	}
	s := &simServer{sim: sim, url: l.URL, stop: stop}
	if l.CAPEM != nil {
		dir, err := os.MkdirTemp("", "convox-ci-sim-")
		if err == nil {
			s.caFile = filepath.Join(dir, "rack-ca.pem")
			err = os.WriteFile(s.caFile, l.CAPEM, 0o644)
		}
		if err != nil {
			s.close()
			return nil, fmt.Errorf("writing the simulated Rack's CA file: %w", err)
		}
	}
	return s, nil
}

// close stops serving, closes the simulated Rack and removes the CA file.
func (s *simServer) close() {
	s.stop()
	s.sim.Close()
	if s.caFile != "" {
		os.RemoveAll(filepath.Dir(s.caFile))
	}
}

func randomPassword() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Run serves until interrupted (the global --timeout does not apply: a
// server has no end of its own). The password is --password (random when
// not given); --app names the apps to create at start, example-app by default.
func (c *simulateCmd) Run(rt *runtime, g *Globals) error {
	// Only a key given on the command line: an exported CONVOX_PASSWORD is
	// most likely a real Rack's, and simulate prints its key.
	pw := g.Password
	if name, ok := rt.fromEnv["password"]; ok {
		rt.log.Info().Str("ignored", name).Msg("simulate makes a key of its own unless --password is given")
		pw = ""
	}
	if pw == "" {
		pw = randomPassword()
	}
	apps := g.apps()
	if len(apps) == 0 {
		apps = []string{demoApp}
	}
	if c.WriteEnv != "" {
		if err := replaceableEnvFile(c.WriteEnv); err != nil {
			return usagef("--write-env %s: %v", c.WriteEnv, err)
		}
	}
	sim := racksim.New(racksim.Options{Password: pw, Apps: apps, Console: c.Console, Racks: c.Racks, DeployKey: c.Console, Logger: rt.log,
		Faults: racksim.Faults{Rate: c.FaultRate, Seed: c.Seed}})
	sim.SetBuildDuration(c.BuildTime)
	sim.SetRolloutDuration(c.RolloutTime)
	sim.SetControllerLag(c.Lag)
	s, err := serveSim(rt.ctx, sim, c.Listen, c.InsecureHTTP)
	if err != nil {
		return err
	}
	defer s.close()
	settings := []string{"CONVOX_HOST=" + s.url, "CONVOX_PASSWORD=" + pw}
	if s.caFile != "" {
		settings = append(settings, "CONVOX_CA_FILE="+s.caFile)
	}
	if c.Console {
		settings = append(settings, "CONVOX_RACK="+c.Racks[0])
	}
	settings = append(settings, "CONVOX_APP="+apps[0])
	var lines strings.Builder
	for _, kv := range settings {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&lines, "export %s=%s\n", k, shellwords.Quote(v))
	}
	if c.WriteEnv != "" {
		if err := writeFileAtomic(c.WriteEnv, []byte(lines.String()), 0o600); err != nil {
			return usagef("--write-env %s: %v", c.WriteEnv, err)
		}
		defer os.Remove(c.WriteEnv)
	}
	fmt.Fprint(rt.stdout, lines.String())
	rt.log.Info().Str("url", s.url).Bool("console", c.Console).Strs("apps", apps).Float64("fault_rate", c.FaultRate).Int64("seed", c.Seed).Msg("simulated Rack serving; interrupt to stop")
	<-rt.ctx.Done()
	return nil
}

// replaceableEnvFile refuses a --write-env file simulate must not replace
// and later remove: one that exists and holds anything but the export lines
// an earlier simulate wrote (a project's .env). An empty file (mktemp's) is
// taken.
func replaceableEnvFile(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line != "" && !strings.HasPrefix(line, "export CONVOX_") {
			return errors.New("the file exists and is not one simulate wrote; simulate replaces its file and removes it when it stops, so give a new path (e.g. /tmp/rack.env)")
		}
	}
	return nil
}

// writeFileAtomic writes data so that a reader never sees it half-written.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

type demoCmd struct {
	Dir string `arg:"" optional:"" default:"examples/app" help:"App to deploy."`
}

// demoApp is the app demo creates on its simulated Rack and deploys.
const demoApp = "example-app"

// Run deploys the example app to a simulated Rack started for the occasion,
// and only there: whatever Rack, app, CA or saved login the machine is set
// up with is ignored, so trying demo can never touch a real Rack.
func (c *demoCmd) Run(rt *runtime, g *Globals) error {
	var ignored []string
	for _, s := range []struct {
		name string
		set  bool
	}{
		{"CONVOX_HOST", g.Host != ""},
		{"CONVOX_PASSWORD", g.Password != ""},
		{"RACK_URL", g.RackURL != ""},
		{"CONVOX_RACK", g.Rack != ""},
		{"CONVOX_APP", len(g.apps()) > 0 && !slices.Equal(g.apps(), []string{demoApp})},
		{"CONVOX_CA_FILE", g.CAFile != ""},
		{"CONVOX_INSECURE_SKIP_VERIFY", g.InsecureSkipVerify},
	} {
		if s.set {
			ignored = append(ignored, s.name)
		}
	}
	if len(ignored) > 0 {
		rt.log.Info().Strs("ignored", ignored).Msg("demo deploys only to its built-in simulated Rack: the Rack settings given are ignored (use deploy for a real Rack)")
	}
	pw := randomPassword()
	rt.secrets.Add(pw)
	sim := racksim.New(racksim.Options{Password: pw, Apps: []string{demoApp}, Logger: rt.log})
	s, err := serveSim(rt.ctx, sim, "127.0.0.1:0", false)
	if err != nil {
		return err
	}
	defer s.close()
	// Every connection setting points at the simulated Rack; with a host and
	// password given, the saved login is never read.
	g.Host, g.Password, g.CAFile, g.App = s.url, pw, s.caFile, []string{demoApp}
	g.RackURL, g.Rack, g.InsecureSkipVerify = "", "", false
	rt.log.Info().Str("url", s.url).Str("app", demoApp).Msg("deploying to a simulated Rack")
	st, err := g.state(rt, "", "")
	if err != nil {
		return err
	}
	if err := describe(rt, st, c.Dir); err != nil {
		return err
	}
	err = rt.runSteps(st,
		steps.Build{Dir: c.Dir},
		steps.Run{Service: "web", Command: []string{"bin/migrate"}},
		steps.Promote{},
	)
	if err == nil {
		rt.printMade(st, false, true)
	}
	return err
}
