package main

import (
	"context"
	"errors"
	"io"
	"os"
	goruntime "runtime"
	"slices"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	"github.com/rs/zerolog"

	"github.com/convox-ci/convox-ci/internal/login"
	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/convox-ci/convox-ci/internal/report"
)

// Globals are the settings every command shares. Each has a flag and
// environment variables, the `envs` tag, read by envResolver from the
// environment Main was given (never kong's `env` tag, which reads the
// process environment): its own CONVOX_* name and the CI's names for a
// step's inputs (INPUT_* for GitHub Actions, PLUGIN_* for Drone and
// Woodpecker), which win over CONVOX_*.
type Globals struct {
	Host               string           `help:"Rack or Console host: a host name as the Convox CLI takes it, or an https:// or http:// URL." envs:"CONVOX_HOST,INPUT_HOST,PLUGIN_HOST" placeholder:"HOST" group:"rack"`
	Password           string           `help:"Rack API key, or a Console deploy key." envs:"CONVOX_PASSWORD,INPUT_PASSWORD,PLUGIN_PASSWORD" placeholder:"KEY" group:"rack"`
	Rack               string           `short:"r" placeholder:"RACK" help:"Rack name; org/rack selects a Rack through Console." envs:"CONVOX_RACK,INPUT_RACK,PLUGIN_RACK" group:"rack"`
	App                []string         `short:"a" sep:"none" help:"App name." envs:"CONVOX_APP,INPUT_APP,PLUGIN_APP" placeholder:"APP" group:"rack"`
	RackURL            string           `name:"rack-url" help:"A Rack URL with credentials, as the v3 CLI takes it (https://convox:KEY@host); wins over --host at the same level (an exported RACK_URL gives way to a host the step's input or the command line gives)." envs:"RACK_URL" placeholder:"URL" group:"rack"`
	CAFile             string           `name:"ca-file" help:"PEM file of CAs to trust for the Rack's certificate." envs:"CONVOX_CA_FILE,INPUT_CA_FILE,PLUGIN_CA_FILE" placeholder:"FILE" group:"rack"`
	InsecureSkipVerify bool             `name:"insecure-skip-verify" help:"Do not verify the Rack's TLS certificate (dangerous)." envs:"CONVOX_INSECURE_SKIP_VERIFY,INPUT_INSECURE_SKIP_VERIFY,PLUGIN_INSECURE_SKIP_VERIFY" group:"rack"`
	Config             string           `help:"Rules file." default:"convox-ci.yml" envs:"CONVOX_CI_CONFIG,INPUT_CONFIG,PLUGIN_CONFIG" type:"path" group:"run"`
	ResultFile         string           `name:"result-file" help:"Write the result (ids, status) as JSON to this file." envs:"CONVOX_CI_RESULT_FILE,INPUT_RESULT_FILE,PLUGIN_RESULT_FILE" placeholder:"FILE" group:"run"`
	LogFormat          string           `name:"log-format" help:"Log format: auto, console or json." enum:"auto,console,json" default:"auto" envs:"CONVOX_CI_LOG_FORMAT,INPUT_LOG_FORMAT,PLUGIN_LOG_FORMAT" group:"run"`
	LogLevel           string           `name:"log-level" help:"Log level: trace, debug, info, warn or error." default:"info" envs:"CONVOX_CI_LOG_LEVEL,INPUT_LOG_LEVEL,PLUGIN_LOG_LEVEL" group:"run"`
	Timeout            time.Duration    `help:"Deadline for the whole run: a duration (30m, 1h30m, 90s) or a number of seconds." type:"timeout" default:"30m" envs:"CONVOX_CI_TIMEOUT,INPUT_TIMEOUT,PLUGIN_TIMEOUT" group:"run"`
	ProgressInterval   time.Duration    `name:"progress-interval" help:"A progress line this often during uploads, builds and rollouts (0 for none; on a terminal with console logs a live status line instead)." default:"10s" envs:"CONVOX_CI_PROGRESS_INTERVAL" group:"run"`
	Actor              string           `hidden:"" envs:"CONVOX_ACTOR" help:"Audit actor sent to the Rack."`
	Version            kong.VersionFlag `help:"Print the version and exit." group:"run"`
}

// runtime is what commands get besides their flags: streams, the log, the
// secrets to keep out of output, and what the run produced.
type runtime struct {
	ctx      context.Context
	env      lookupEnv // the environment Main was given
	stdin    io.Reader
	stdout   io.Writer
	stderr   io.Writer
	log      zerolog.Logger
	secrets  *report.Secrets
	result   report.Result
	steps    *pipeline.State // the last steps run, to say what an interruption left
	outputs  report.Outputs
	github   bool              // running under GitHub Actions: emit ::add-mask::
	workflow *report.Workflow  // on GitHub Actions: rt.stderr, with workflow commands stopped but ours
	fromEnv  map[string]string // flag name -> the variable that set it (unset: a flag or the default)
	live     *report.Live      // stderr when it is a terminal: the log, with a status line under it
}

// client connects to a Rack: the named one (through Console), or the one
// the globals name.
func (g *Globals) client(rt *runtime, rackName string) (*rack.Client, error) {
	return g.clientAt(rt, pipeline.Endpoint{Rack: rackName})
}

// clientAt connects to a rack by name, with its own host and password when
// the rules file gives them (each falling back to the global settings).
func (g *Globals) clientAt(rt *runtime, ep pipeline.Endpoint) (*rack.Client, error) {
	rackName := ep.Rack
	if rackName == "" {
		rackName = g.Rack
	}
	creds, err := g.endpointCredentials(rt, ep)
	if err != nil {
		return nil, err
	}
	c, err := rack.New(rack.Config{
		Host:               creds.host,
		Password:           creds.password,
		Rack:               rackName,
		RackURL:            creds.rackURL,
		CAFile:             g.CAFile,
		InsecureSkipVerify: g.InsecureSkipVerify,
		Actor:              g.Actor,
		Logger:             rt.log,
		Version:            version,
		Redactor:           rt.secrets,
	})
	if err != nil {
		return nil, &usageError{msg: err.Error()}
	}
	return c, nil
}

// endpointCredentials are the global credentials, overridden by the
// endpoint's own host and password.
func (g *Globals) endpointCredentials(rt *runtime, ep pipeline.Endpoint) (credentials, error) {
	switch {
	case ep.Host != "":
		password := ep.Password
		if password == "" && !hasKey(ep.Host) {
			password = g.Password
		}
		if password == "" && !hasKey(ep.Host) {
			return credentials{}, usagef("rack %s has its own host (%s) in the rules file but no password: add password: ${VAR} beside it, or set CONVOX_PASSWORD", ep.Rack, rack.HostOf(ep.Host))
		}
		registerCredentials(rt.secrets, password, ep.Host)
		return credentials{host: ep.Host, password: password}, nil
	case ep.Password != "":
		if g.Host == "" {
			return credentials{}, usagef("rack %s has its own password in the rules file but no host: add host: beside it, or set CONVOX_HOST", ep.Rack)
		}
		return credentials{host: g.Host, password: ep.Password}, nil
	}
	return g.credentials(rt)
}

type credentials struct {
	host, password, rackURL string
}

// credentials finds where to connect: flags and environment first, then
// the Convox CLI's saved login.
func (g *Globals) credentials(rt *runtime) (credentials, error) {
	switch {
	case g.RackURL != "":
		return credentials{rackURL: g.RackURL}, nil // its key was registered before anything ran (newRuntime)
	case g.Host != "" && (g.Password != "" || hasKey(g.Host)):
		return credentials{host: g.Host, password: g.Password}, nil
	case g.Host != "":
		return credentials{}, usagef("CONVOX_HOST is set (%s) but CONVOX_PASSWORD is empty: set it to the Rack API key or a Console deploy key (in a pull request from a fork, the CI withholds secrets)", rack.HostOf(g.Host))
	case g.Password != "":
		return credentials{}, usagef("CONVOX_PASSWORD is set but CONVOX_HOST is empty: set it to console.convox.com (deploy key) or to the Rack's host (Rack API key)")
	}
	saved, ok, err := login.Find(savedLoginPlaces(rt.env))
	if err != nil {
		return credentials{}, usagef("reading the Convox CLI's saved login: %v", err)
	}
	if ok {
		registerCredentials(rt.secrets, saved.Password, saved.RackURL, saved.Host)
		if g.Rack == "" {
			g.Rack = saved.Rack
		}
		rt.log.Info().Str("source", saved.Source).Str("host", hostOnly(saved.Host, saved.RackURL)).Msg("using the Convox CLI's saved login")
		return credentials{host: saved.Host, password: saved.Password, rackURL: saved.RackURL}, nil
	}
	return credentials{}, usagef("no Rack to talk to: set CONVOX_HOST and CONVOX_PASSWORD (or RACK_URL), or log in with the Convox CLI; try `convox-ci demo` for the simulated Rack")
}

func savedLoginPlaces(env lookupEnv) login.Places {
	home, ok := env("HOME")
	if !ok {
		home, _ = os.UserHomeDir()
	}
	wd, _ := os.Getwd()
	configDir, _ := env("CONVOX_CONFIG")
	xdg, _ := env("XDG_CONFIG_HOME")
	return login.Places{
		ConfigDir: configDir,
		XDGConfig: xdg,
		Home:      home,
		WorkDir:   wd,
		Darwin:    goruntime.GOOS == "darwin",
	}
}

// state builds a pipeline state for the app on the rack.
func (g *Globals) state(rt *runtime, rackName, app string) (*pipeline.State, error) {
	return g.stateAt(rt, pipeline.Endpoint{Rack: rackName}, app)
}

// stateAt is state for a rack reached with its own host and password.
func (g *Globals) stateAt(rt *runtime, ep pipeline.Endpoint, app string) (*pipeline.State, error) {
	rackName := ep.Rack
	if app == "" {
		var err error
		if app, err = g.oneApp(); err != nil {
			return nil, err
		}
	}
	if app == "" {
		return nil, usagef("no app named: pass --app (-a) or set CONVOX_APP")
	}
	c, err := g.clientAt(rt, ep)
	if err != nil {
		return nil, err
	}
	// A rack name the credentials cannot reach is a usage error, said before
	// any step starts; other failures are left to the first step to report.
	if err := c.Resolve(rt.ctx); errors.Is(err, rack.ErrOtherRack) {
		return nil, err
	}
	name := rackName
	if name == "" {
		name = g.Rack
	}
	if name == "" {
		name = c.Host()
	}
	rt.result.Rack, rt.result.App = name, app
	var group func(string) func()
	if rt.github {
		// Workflow commands bracket the log lines, so they share the log's stream and order.
		group = func(title string) func() {
			rt.workflow.Command("group", title)
			return func() { rt.workflow.Command("endgroup", "") }
		}
	}
	return &pipeline.State{
		Group:    group,
		Rack:     c,
		RackName: name,
		App:      app,
		Log:      rt.log.With().Str("rack", name).Str("app", app).Logger(),
		Stdout:   rt.stdout,
		Secrets:  rt.secrets,
		Connect:  func(other pipeline.Endpoint) (*rack.Client, error) { return g.clientAt(rt, other) },
		Poll:     pipeline.DefaultPoll,
		Progress: pipeline.Progress{Live: rt.live, Every: g.ProgressInterval},
	}, nil
}

// apps are the app names given (the flag repeated, or names separated by
// commas), each once.
func (g *Globals) apps() []string {
	var apps []string
	for _, given := range g.App {
		for _, a := range strings.Split(given, ",") {
			if a = strings.TrimSpace(a); a != "" && !slices.Contains(apps, a) {
				apps = append(apps, a)
			}
		}
	}
	return apps
}

// oneApp is the app named, or "" when none is: every command but simulate
// works on one app, so naming several is a mistake, never "the last wins".
func (g *Globals) oneApp() (string, error) {
	apps := g.apps()
	switch len(apps) {
	case 0:
		return "", nil
	case 1:
		return apps[0], nil
	}
	return "", usagef("%d apps named (%s): name one app with --app (-a) or CONVOX_APP; only simulate takes several", len(apps), strings.Join(apps, ", "))
}

// registerCredentials makes secrets of a password and of the keys that
// endpoints (RACK_URL, CONVOX_HOST) carry, with the Basic auth value each
// is sent as.
func registerCredentials(secrets *report.Secrets, password string, endpoints ...string) {
	secrets.Add(password)
	for _, e := range endpoints {
		if user, key := rack.Credentials(e); key != "" {
			if user == "" {
				user = "convox"
			}
			secrets.AddBasicAuth(user, key)
		}
	}
}

// hasKey reports an endpoint carrying its own key (https://convox:KEY@host).
func hasKey(endpoint string) bool {
	_, key := rack.Credentials(endpoint)
	return key != ""
}

// hostOnly names where a login points without its credentials.
func hostOnly(host, rackURL string) string {
	if rackURL == "" {
		rackURL = host
	}
	return rack.HostOf(rackURL)
}

// versionString is what `version` and --version print.
func versionString() string {
	s := "convox-ci " + version
	if commit != "" {
		s += " (" + commit
		if date != "" {
			s += ", " + date
		}
		s += ")"
	}
	return s
}
