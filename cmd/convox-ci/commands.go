package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/convox-ci/convox-ci/internal/outfile"
	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/convox-ci/convox-ci/internal/source"
	"github.com/convox-ci/convox-ci/internal/steps"
)

type buildFlags struct {
	Dir         string   `arg:"" optional:"" default:"." help:"Directory to build."`
	Description string   `short:"d" help:"Build description (default: commit, branch or tag, pull request and CI build URL)." placeholder:"TEXT"`
	Manifest    string   `short:"m" help:"Path of convox.yml inside the directory." placeholder:"FILE"`
	Development bool     `help:"Development build."`
	NoCache     bool     `name:"no-cache" help:"Ask the Rack to build without the layer cache (a Kubernetes Rack reads the field inverted and keeps its cache, as with the Convox CLI's --no-cache)."`
	BuildArgs   []string `name:"build-args" help:"Docker build arguments (NAME=VALUE; repeat the flag for more)." placeholder:"NAME=VALUE"`
	ID          bool     `name:"id" help:"Print only the release id on stdout."`
}

func (f buildFlags) step() steps.Build {
	return steps.Build{Dir: f.Dir, Description: f.Description, Manifest: f.Manifest, Development: f.Development, NoCache: f.NoCache, BuildArgs: f.BuildArgs}
}

// secretValues registers the build args' values before anything is sent:
// a build arg carries a token as often as an env value does.
func (f buildFlags) secretValues(rt *runtime) {
	for _, a := range f.BuildArgs {
		if _, v, ok := strings.Cut(a, "="); ok {
			rt.secrets.Add(v)
		}
	}
}

type buildCmd struct{ buildFlags }

func (c *buildCmd) Run(rt *runtime, g *Globals) error {
	c.secretValues(rt)
	st, err := g.state(rt, "", "")
	if err != nil {
		return err
	}
	if err := describe(rt, st, c.Dir); err != nil {
		return err
	}
	err = rt.runSteps(st, c.step())
	if err == nil {
		rt.printMade(st, c.ID, true)
	}
	return err
}

type deployCmd struct {
	buildFlags
	Force bool `help:"Promote even while the app is updating."`
}

func (c *deployCmd) Run(rt *runtime, g *Globals) error {
	c.secretValues(rt)
	st, err := g.state(rt, "", "")
	if err != nil {
		return err
	}
	if err := describe(rt, st, c.Dir); err != nil {
		return err
	}
	err = rt.runSteps(st, c.step(), steps.Promote{Force: c.Force})
	if err == nil {
		rt.printMade(st, c.ID, true)
	}
	return err
}

type runCmd struct {
	Service string   `arg:"" help:"Service to run the command in."`
	Command []string `arg:"" help:"The command and its arguments; flags after it are convox-ci's, as with the Convox CLI (quote the command, or put it after --, when it has dashes of its own). Its deadline, and the process's lifetime, is --timeout (not with --detach)."`
	Release string   `placeholder:"RELEASE" help:"Run against this release (for example one built but not yet promoted)."`
	Detach  bool     `short:"d" help:"Start the process and return at once, printing its id: the command runs on the Rack until it ends, its output goes to the app's logs, and its exit status is not waited for."`
}

// Validate refuses, before anything is sent, a command the Rack cannot be
// given: an empty service or command (the Rack would start a process and
// run nothing), or a command with a line break or a control character (it
// travels in an HTTP header, which cannot carry one). The command is not
// repeated: it may hold a secret.
func (c runCmd) Validate() error {
	if strings.TrimSpace(c.Service) == "" {
		return fmt.Errorf("the service is empty: name the service to run in, e.g. `convox-ci run web bin/migrate`")
	}
	if strings.TrimSpace(strings.Join(c.Command, "")) == "" {
		return fmt.Errorf("the command is empty: give the command to run, e.g. `convox-ci run web bin/migrate`")
	}
	for _, w := range c.Command {
		if strings.IndexFunc(w, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) >= 0 {
			return errors.New("the command has a line break or control character: it travels to the Rack in an HTTP header, which cannot carry one; pass the value another way (an env value the command reads, or base64-encoded)")
		}
	}
	return checkReleaseFlag(c.Release)
}

// checkReleaseFlag refuses a --release that cannot be a release id.
func checkReleaseFlag(id string) error {
	if err := steps.CheckReleaseID(id); err != nil {
		return fmt.Errorf("--release: %w", err)
	}
	return nil
}

func (c *runCmd) Run(rt *runtime, g *Globals) error {
	st, err := g.state(rt, "", "")
	if err != nil {
		return err
	}
	if c.Detach {
		return rt.runSteps(st, steps.RunDetached{Service: c.Service, Command: c.Command, Release: c.Release})
	}
	err = rt.runSteps(st, steps.Run{Service: c.Service, Command: c.Command, Release: c.Release, Limit: g.Timeout})
	if exit, ok := asExit(err); ok {
		if code, fits := exit.Status(); fits {
			return &statusError{err: err, code: code}
		}
	}
	return err
}

type envCmd struct {
	Set envSetCmd `cmd:"" help:"Create a release with new environment values."`
}

type envSetCmd struct {
	Vars    []string `arg:"" optional:"" help:"KEY=VALUE assignments."`
	File    string   `name:"env-file" placeholder:"FILE" help:"Read KEY=VALUE lines from a dotenv file." type:"existingfile"`
	FromEnv []string `name:"from-env" help:"Take these variables' values from this process's environment (CI secrets)." placeholder:"KEY"`
	Replace bool     `help:"Replace the whole environment with exactly these values (what deploy keys may do)."`
	Promote bool     `short:"p" help:"Promote the new release and wait for it."`
	Release string   `placeholder:"RELEASE" help:"Base the new release on this release."`
	ID      bool     `name:"id" help:"Print only the release id on stdout."`
}

// Validate refuses a --release that cannot be a release id before anything
// is sent.
func (c envSetCmd) Validate() error { return checkReleaseFlag(c.Release) }

func (c *envSetCmd) Run(rt *runtime, g *Globals) error {
	vars, err := c.assignments(rt.env)
	if err != nil {
		return err
	}
	secretValues(rt, vars)
	st, err := g.state(rt, "", "")
	if err != nil {
		return err
	}
	err = rt.runSteps(st, steps.Env{Vars: vars, Replace: c.Replace, Parent: c.Release, Promote: c.Promote})
	if err == nil {
		rt.printMade(st, c.ID, false)
	}
	return err
}

// assignments gathers and checks every value before anything is sent.
func (c *envSetCmd) assignments(env lookupEnv) ([]steps.EnvVar, error) {
	var vars []steps.EnvVar
	if c.File != "" {
		data, err := os.ReadFile(c.File)
		if err != nil {
			return nil, usagef("reading %s: %v", c.File, err)
		}
		fileVars, err := steps.ParseDotenv(string(data))
		if err != nil {
			return nil, usagef("%s: %v", c.File, err)
		}
		vars = append(vars, fileVars...)
	}
	for _, a := range c.Vars {
		v, err := steps.ParseAssignment(a)
		if err != nil {
			return nil, &usageError{msg: err.Error()}
		}
		vars = append(vars, v)
	}
	for _, k := range c.FromEnv {
		if err := steps.ValidateKey(k); err != nil {
			return nil, &usageError{msg: err.Error()}
		}
		v, ok := env(k)
		if !ok {
			return nil, usagef("--from-env %s: the variable is not set in this environment", k)
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, usagef("--from-env %s: the value has a line break: Convox environment values are single lines (store it on one line, e.g. base64-encoded)", k)
		}
		vars = append(vars, steps.EnvVar{Key: k, Value: v})
	}
	if len(vars) == 0 {
		return nil, usagef("no values to set: pass KEY=VALUE arguments, --env-file or --from-env")
	}
	return vars, nil
}

// secretValues registers every value before anything is sent.
func secretValues(rt *runtime, vars []steps.EnvVar) {
	for _, v := range vars {
		rt.secrets.Add(v.Value)
	}
}

type releasesCmd struct {
	Promote  releasesPromoteCmd  `cmd:"" help:"Promote a release and wait for it."`
	Rollback releasesRollbackCmd `cmd:"" help:"Put an earlier build live again (a new release of that build with the current environment), and wait for it."`
}

type releasesRollbackCmd struct {
	Release *string `arg:"" optional:"" help:"The release whose build to put back (default: the build live before the active release's)."`
	ID      bool    `name:"id" help:"Print only the new release id on stdout."`
}

// Validate refuses an empty or blank release id before anything is sent:
// it is neither a release (GET /releases/%20) nor "the previous build"
// (`releases rollback "$RELEASE"` with RELEASE unset must not roll back to
// another build than the one meant).
func (c releasesRollbackCmd) Validate() error {
	if c.Release != nil && strings.TrimSpace(*c.Release) == "" {
		return fmt.Errorf("the release to roll back to is blank: name one (`convox-ci releases rollback RABCDEFGHIJ`), or give none to roll back to the build live before the active release's")
	}
	if c.Release != nil {
		return steps.CheckReleaseID(*c.Release)
	}
	return nil
}

func (c *releasesRollbackCmd) Run(rt *runtime, g *Globals) error {
	st, err := g.state(rt, "", "")
	if err != nil {
		return err
	}
	var release string // "": no argument, the build before the active one
	if c.Release != nil {
		release = *c.Release
	}
	err = rt.runSteps(st, steps.Rollback{Release: release})
	if err == nil {
		rt.printMade(st, c.ID, true)
	}
	return err
}

type releasesPromoteCmd struct {
	Release string `arg:"" optional:"" help:"Release id (deploy keys may only promote a named release)."`
	Force   bool   `help:"Promote even while the app is updating."`
}

func (c *releasesPromoteCmd) Run(rt *runtime, g *Globals) error {
	st, err := g.state(rt, "", "")
	if err != nil {
		return err
	}
	return rt.runSteps(st, steps.Promote{Release: c.Release, Force: c.Force})
}

type buildsCmd struct {
	List    buildsListCmd    `cmd:"" default:"withargs" help:"List builds, newest first."`
	Export  buildsExportCmd  `cmd:"" help:"Export a build's artifact to stdout or a file."`
	Import  buildsImportCmd  `cmd:"" help:"Import a build artifact from stdin or a file."`
	Promote buildsPromoteCmd `cmd:"" help:"Bring the build made for a commit from another rack and promote it here."`
}

type buildsListCmd struct {
	Limit int `short:"l" placeholder:"N" help:"How many builds (the Rack's default is 10)."`
}

func (c *buildsListCmd) Run(rt *runtime, g *Globals) error {
	st, err := g.state(rt, "", "")
	if err != nil {
		return err
	}
	builds, err := st.Rack.BuildList(rt.ctx, st.App, c.Limit)
	if err != nil {
		return err
	}
	w := table(rt)
	fmt.Fprintln(w, "ID\tSTATUS\tRELEASE\tSTARTED\tELAPSED\tDESCRIPTION")
	for _, b := range builds {
		elapsed := ""
		if !b.Ended.IsZero() && !b.Started.IsZero() {
			elapsed = b.Ended.Sub(b.Started).Round(time.Second).String()
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", b.ID, b.Status, b.Release, b.Started.UTC().Format(time.RFC3339), elapsed, b.Description)
	}
	return w.Flush()
}

type buildsExportCmd struct {
	Build string `arg:"" help:"Build id."`
	File  string `short:"f" placeholder:"FILE" help:"Write to this file instead of stdout."`
}

func (c *buildsExportCmd) Run(rt *runtime, g *Globals) error {
	var step pipeline.Step = steps.Export{Build: c.Build}
	if c.File == "" {
		if sw, ok := rt.stdout.(stdoutWriter); ok && isTerminal(sw.w) {
			return usagef("refusing to write a build artifact to a terminal: redirect stdout or pass --file")
		}
	} else {
		// A file that cannot be created is bad input: say so before
		// anything is sent. The step creates it again and checks that
		// every byte reached it, Close included.
		f, err := outfile.Create(c.File)
		if err != nil {
			return usagef("creating %s: %v", c.File, err)
		}
		f.Close()
		step = steps.ExportFile{Build: c.Build, File: c.File}
	}
	st, err := g.state(rt, "", "")
	if err != nil {
		return err
	}
	st.BuildID = c.Build
	return rt.runSteps(st, step)
}

type buildsImportCmd struct {
	File string `short:"f" placeholder:"FILE" help:"Read the artifact from this file instead of stdin." type:"existingfile"`
	ID   bool   `name:"id" help:"Print only the release id on stdout."`
}

func (c *buildsImportCmd) Run(rt *runtime, g *Globals) error {
	in := rt.stdin
	if c.File != "" {
		f, err := os.Open(c.File)
		if err != nil {
			return usagef("opening %s: %v", c.File, err)
		}
		defer f.Close()
		in = f
	} else if isTerminal(in) {
		return usagef("builds import reads the artifact from stdin: pipe it in (builds export B | builds import) or pass --file")
	}
	st, err := g.state(rt, "", "")
	if err != nil {
		return err
	}
	err = rt.runSteps(st, steps.ImportStream{From: in})
	if err == nil {
		rt.printMade(st, c.ID, true)
	}
	return err
}

type buildsPromoteCmd struct {
	From    string `required:"" placeholder:"ORG/RACK" help:"Rack that holds the build (org/rack)."`
	FromApp string `name:"from-app" placeholder:"APP" help:"App on that rack (default: the same app)."`
	Commit  string `placeholder:"SHA" help:"Commit whose build to bring (default: the commit being built here)."`
}

func (c *buildsPromoteCmd) Run(rt *runtime, g *Globals) error {
	st, err := g.state(rt, "", "")
	if err != nil {
		return err
	}
	if err := describe(rt, st, "."); err != nil {
		return err
	}
	if c.Commit != "" {
		st.Commit = c.Commit
	}
	return rt.runSteps(st, steps.Import{From: c.From, FromApp: c.FromApp}, steps.Promote{})
}

type logsCmd struct {
	Service string        `short:"s" placeholder:"SERVICE" help:"Only this service's logs."`
	Since   time.Duration `default:"2m" help:"Show logs since this long ago."`
	Filter  string        `placeholder:"TEXT" help:"Only lines matching this filter."`
	Follow  bool          `negatable:"" help:"Keep following new lines until --for passes (--no-follow, the default, prints what is there and ends)."`
	For     time.Duration `name:"for" default:"1m" help:"With --follow, stop after this long (CI jobs must end)."`
}

func (c *logsCmd) Run(rt *runtime, g *Globals) error {
	st, err := g.state(rt, "", "")
	if err != nil {
		return err
	}
	ctx := rt.ctx
	if c.Follow && c.For > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.For)
		defer cancel()
	}
	out := lineOutput(rt)
	err = st.Rack.AppLogs(ctx, st.App, rack.LogsOptions{Service: c.Service, Filter: c.Filter, Follow: c.Follow, Since: c.Since}, out)
	out.Flush()
	if c.Follow && ctx.Err() != nil && rt.ctx.Err() == nil {
		return nil // the bounded follow ended as asked
	}
	return err
}

type rackCmd struct{}

func (c *rackCmd) Run(rt *runtime, g *Globals) error {
	cl, err := g.client(rt, "")
	if err != nil {
		return err
	}
	s, err := cl.SystemGet(rt.ctx)
	if err != nil {
		return err
	}
	w := table(rt)
	for _, kv := range [][2]string{{"Name", s.Name}, {"Provider", s.Provider}, {"Region", s.Region}, {"Router", s.Domain}, {"Status", s.Status}, {"Version", s.Version}} {
		if kv[1] != "" {
			fmt.Fprintf(w, "%s\t%s\n", kv[0], kv[1])
		}
	}
	return w.Flush()
}

type racksCmd struct{}

func (c *racksCmd) Run(rt *runtime, g *Globals) error {
	cl, err := g.client(rt, "")
	if err != nil {
		return err
	}
	racks, err := cl.RackList(rt.ctx)
	if err != nil {
		return err
	}
	w := table(rt)
	fmt.Fprintln(w, "NAME\tPROVIDER\tSTATUS")
	for _, r := range racks {
		fmt.Fprintf(w, "%s\t%s\t%s\n", r.FullName(), r.Provider, r.Status)
	}
	return w.Flush()
}

// table writes aligned columns to stdout, as the Convox CLI's tables.
func table(rt *runtime) *tabwriter.Writer {
	return tabwriter.NewWriter(rt.stdout, 2, 4, 2, ' ', 0)
}

type versionCmd struct{}

func (versionCmd) Run(rt *runtime) error {
	fmt.Fprintln(rt.stdout, versionString())
	return nil
}

// printMade prints what a command made on stdout, which stays data: with
// --id only the release id, without a newline (as the Convox CLI's --id),
// else a Build: line (when build says it) and a Release: line.
func (rt *runtime) printMade(st *pipeline.State, idOnly, build bool) {
	switch {
	case idOnly:
		fmt.Fprint(rt.stdout, st.ReleaseID)
	case build:
		fmt.Fprintf(rt.stdout, "Build:   %s\nRelease: %s\n", st.BuildID, st.ReleaseID)
	default:
		fmt.Fprintf(rt.stdout, "Release: %s\n", st.ReleaseID)
	}
}

// runSteps runs steps and records the ids they made in the result.
func (rt *runtime) runSteps(st *pipeline.State, list ...pipeline.Step) error {
	err := pipeline.Run(rt.ctx, st, list)
	rt.steps = st
	rt.result.BuildID, rt.result.ReleaseID, rt.result.Steps = st.BuildID, st.ReleaseID, st.Steps
	return err
}

func asExit(err error) (*steps.ExitError, bool) {
	var exit *steps.ExitError
	if err != nil && errors.As(err, &exit) {
		return exit, true
	}
	return nil, false
}

// checkDir reports a source directory that cannot be built, before anything
// is sent.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("source directory %q: %v", dir, errors.Unwrap(err))
	case !fi.IsDir():
		return fmt.Errorf("source directory %q is not a directory", dir)
	}
	if _, err := source.LoadIgnore(filepath.Join(dir, ".dockerignore")); err != nil {
		return fmt.Errorf("%v: fix the pattern (the syntax of Go's filepath.Match, as Docker's), or remove it", err)
	}
	return nil
}

// Validate asks for the release id before anything is sent: a Rack
// promotes only a named release, and a deploy key may not list releases.
func (c releasesPromoteCmd) Validate() error {
	if strings.TrimSpace(c.Release) == "" {
		return fmt.Errorf("name the release to promote: `convox-ci releases promote RABCDEFGHIJ`. build, deploy and env set print it (Release: R..., or with --id only the id), and `convox-ci builds` lists each build's release")
	}
	return steps.CheckReleaseID(c.Release)
}

// Validate checks the directory and the build args before anything is
// sent.
func (f buildFlags) Validate() error {
	if err := steps.CheckBuildArgs(f.BuildArgs); err != nil {
		return err
	}
	return checkDir(f.Dir)
}

// Validate checks the directory before anything is sent.
// ci is the default command, so a mistyped command arrives as its
// directory: say so when the word names no directory.
func (c ciCmd) Validate() error {
	err := checkDir(c.Dir)
	if err != nil && !strings.ContainsAny(c.Dir, `/\.`) {
		if _, serr := os.Stat(c.Dir); errors.Is(serr, fs.ErrNotExist) {
			return fmt.Errorf("%q is neither a command nor a directory", c.Dir)
		}
	}
	return err
}

// Validate checks the directory before anything is sent.
func (c demoCmd) Validate() error { return checkDir(c.Dir) }
