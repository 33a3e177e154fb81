package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/convox-ci/convox-ci/internal/cienv"
	"github.com/convox-ci/convox-ci/internal/outfile"
	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/convox-ci/convox-ci/internal/report"
	"github.com/convox-ci/convox-ci/internal/shellwords"
	"github.com/convox-ci/convox-ci/internal/steps"
)

// CLI is the command line: one verb per deploy-key command, named and
// flagged like the Convox CLI, plus the CI verbs.
type CLI struct {
	Globals

	CI       ciCmd       `cmd:"" default:"withargs" help:"Detect the CI, match the rules file and run the matching target's steps (the default)."`
	Plan     planCmd     `cmd:"" help:"Show what ci would do here, without touching a Rack."`
	Build    buildCmd    `cmd:"" help:"Package and build a directory on the Rack."`
	Deploy   deployCmd   `cmd:"" help:"Build a directory and promote its release."`
	Run      runCmd      `cmd:"" help:"Run a one-off command (a migration) in a new process."`
	Env      envCmd      `cmd:"" help:"Set the app's environment."`
	Releases releasesCmd `cmd:"" help:"Promote releases."`
	Builds   buildsCmd   `cmd:"" help:"List, export, import and promote builds."`
	Logs     logsCmd     `cmd:"" help:"Show the app's logs."`
	RackInfo rackCmd     `cmd:"" name:"rack" help:"Show the Rack."`
	Racks    racksCmd    `cmd:"" help:"List the Racks Console lets this key see."`
	Simulate simulateCmd `cmd:"" help:"Serve a simulated Rack locally until interrupted, with the apps --app names (example-app by default), and print the export lines to use it."`
	Demo     demoCmd     `cmd:"" help:"Deploy the example app to a built-in simulated Rack (never to a configured Rack)."`
	Ver      versionCmd  `cmd:"" name:"version" help:"Print the version."`
}

// exitPanic carries kong's exit (after --help, --version) out of Parse.
type exitPanic struct{ code int }

// Main runs convox-ci with args and returns the exit status. getenv reads
// the environment (os.Getenv in main, a map in tests); nothing else reads
// the process environment. An empty value counts as unset: CI systems
// export empty strings for settings nobody filled in (GitHub's unset
// inputs).
func Main(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	env := lookupNonEmpty(getenv)
	resolver := newEnvResolver(env)
	if len(args) == 0 {
		if _, line, ok := resolver.first("CONVOX_CI_COMMAND", "INPUT_COMMAND", "PLUGIN_COMMAND"); ok {
			split, err := shellwords.Split(line)
			if err != nil {
				return usageOut(stderr, jsonLogs(args, resolver), fmt.Sprintf("convox-ci: CONVOX_CI_COMMAND: %v", err))
			}
			args = split
		}
	}

	var cli CLI
	parser, err := kong.New(&cli,
		kong.Name("convox-ci"),
		kong.Description("Deploy to Convox from any CI."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(exitPanic{code}) }),
		kong.Vars{"version": versionString()},
		kong.Resolvers(resolver),
		kong.NamedMapper("timeout", timeoutMapper),
		kong.ValueFormatter(helpWithEnv),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, FlagsLast: true}),
		kong.Help(helpPrinter),
		helpGroups,
	)
	if err != nil {
		return usageOut(stderr, jsonLogs(args, resolver), fmt.Sprintf("convox-ci: %v", err))
	}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(exitPanic)
			if !ok {
				panic(r)
			}
			code = e.code
			if code != 0 {
				code = exitUsage
			}
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		var more strings.Builder
		if !listSubcommands(&more, err) {
			more.WriteString("Run `convox-ci --help` for the commands and settings.")
		}
		return usageOut(stderr, jsonLogs(args, resolver), fmt.Sprintf("convox-ci: %v", resolver.explain(err)), strings.TrimSuffix(more.String(), "\n"))
	}

	rt, err := newRuntime(ctx, &cli.Globals, env, stdin, stdoutWriter{stdout}, stderr, quietCommand(kctx.Command()))
	if err != nil {
		return usageOut(stderr, cli.LogFormat == "json", fmt.Sprintf("convox-ci: %v", err))
	}
	rt.fromEnv = resolver.from
	for _, o := range resolver.overrides {
		rt.log.Info().Str("input", o.input).Str("over", o.ambient).Msg("the step's input overrides the environment")
	}
	// RACK_URL wins over CONVOX_HOST, but exported for the whole job it is
	// ambient: a host the step's input or the command line gives wins.
	if from, ok := rt.fromEnv["rack-url"]; ok && !isInput(from) && cli.Host != "" {
		if by, ok := rt.fromEnv["host"]; !ok || isInput(by) {
			if !ok {
				by = "--host"
			}
			rt.log.Info().Str("input", by).Str("over", from).Msg("the step's input overrides the environment")
			cli.RackURL = ""
		}
	}
	start := time.Now()
	if cli.Timeout > 0 && kctx.Command() != "simulate" { // a server runs until interrupted
		var cancel context.CancelFunc
		rt.ctx, cancel = context.WithTimeout(rt.ctx, cli.Timeout)
		defer cancel()
	}
	err = kctx.Run(rt, &cli.Globals)
	if errors.Is(err, errStdoutClosed) && endsAtClosedStdout(kctx.Command()) && ctx.Err() == nil {
		rt.log.Debug().Err(err).Msg("stdout was closed: the end of the output")
		err = nil
	}
	code = exitCode(ctx, err)
	rt.finish(err, code, time.Since(start), kctx.Command())
	if rt.workflow != nil {
		rt.workflow.Close()
	}
	return code
}

// jsonLogs reports whether JSON logs were asked for, for an error found
// before the command line is understood: --log-format json on it, else the
// setting's variables.
func jsonLogs(args []string, r *envResolver) bool {
	for i, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--log-format="); ok {
			return v == "json"
		}
		if a == "--log-format" && i+1 < len(args) {
			return args[i+1] == "json"
		}
	}
	_, v, _, _ := r.pick("CONVOX_CI_LOG_FORMAT", "INPUT_LOG_FORMAT", "PLUGIN_LOG_FORMAT")
	return v == "json"
}

// usageOut reports a usage error found before the log exists, as the log
// would: one JSON line with JSON logs, else the lines as they are. It
// returns the usage exit status.
func usageOut(stderr io.Writer, json bool, lines ...string) int {
	if !json {
		for _, l := range lines {
			fmt.Fprintln(stderr, l)
		}
		return exitUsage
	}
	log, _ := report.NewLogger(stderr, report.LogOptions{Format: "json", Level: "error"}, report.NewSecrets())
	log.Error().Int("exit_code", exitUsage).Msg(strings.Join(lines, "\n"))
	return exitUsage
}

// quietCommand is a command whose stdout is data (plan --json, version):
// no workflow commands may be mixed into it, and it writes no CI outputs.
func quietCommand(command string) bool {
	return command == "version" || command == "simulate" || strings.HasPrefix(command, "plan")
}

func newRuntime(ctx context.Context, g *Globals, env lookupEnv, stdin io.Reader, stdout, stderr io.Writer, quiet bool) (*runtime, error) {
	channels, err := cienv.DetectOutputs(ctx, env.lookuper())
	if err != nil {
		return nil, fmt.Errorf("reading the CI's output settings: %w", err)
	}
	if g.ResultFile != "" {
		// Checked now: the result must not be lost after the deploy ran.
		if err := outfile.Check(g.ResultFile); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = fmt.Errorf("%s: %w", pe.Path, pe.Err)
			}
			return nil, fmt.Errorf("--result-file %s cannot be written (%v): name a file in a folder this user can write", g.ResultFile, err)
		}
	}
	rt := &runtime{
		ctx:     ctx,
		env:     env,
		stdin:   stdin,
		stdout:  stdout,
		stderr:  stderr,
		secrets: report.NewSecrets(),
		github:  channels.GitHubActions,
		outputs: report.Outputs{ResultFile: g.ResultFile},
	}
	if rt.github {
		// The log is written with GitHub's workflow commands stopped: a line
		// of a build's output or a Rack's error is never run as one. Only
		// our own commands (add-mask, group) are.
		rt.workflow = report.NewWorkflow(stderr)
		rt.stderr = rt.workflow
	}
	if !quiet {
		rt.outputs.GitHubOutput = channels.GitHubOutput
		rt.outputs.GitHubStepSummary = channels.GitHubStepSummary
		rt.outputs.BashEnv = channels.BashEnv
		if rt.github {
			// GitHub masks what it is told to: every secret, as soon as it is
			// known, one line per command (the redactor announces each line
			// of a multi-line secret), escaped as workflow command data. On
			// stderr, never stdout: stdout carries data (--id, builds
			// export) that a mask line would corrupt.
			rt.secrets.OnAdd(func(line string) { rt.workflow.Command("add-mask", line) })
		}
	}
	// Every credential is a secret before anything runs: the password and
	// the key a RACK_URL or CONVOX_HOST carries (as the client will read it).
	registerCredentials(rt.secrets, g.Password, g.RackURL, g.Host)
	color := false
	logTo := rt.stderr
	if isTerminal(stderr) {
		color = !env.isSet("NO_COLOR")
		if g.LogFormat != "json" { // JSON lines stay JSON lines: progress is logged as lines
			rt.live = report.NewLive(rt.stderr)
			logTo = rt.live
		}
	}
	log, err := report.NewLogger(logTo, report.LogOptions{Format: g.LogFormat, Level: g.LogLevel, Color: color}, rt.secrets)
	if err != nil {
		return nil, err
	}
	rt.log = log
	return rt, nil
}

// finish logs the outcome and writes the CI outputs.
func (rt *runtime) finish(err error, code int, took time.Duration, command string) {
	r := &rt.result
	r.ExitCode, r.Duration = code, report.Duration(took)
	var intr *interrupted
	switch {
	case err != nil && errors.As(context.Cause(rt.ctx), &intr):
		r.Status, r.Error = "interrupted", intr.Error()
		rt.log.Error().Int("exit_code", code).Msg(intr.Error() + ": stopped. " + rt.stillRunning())
	case err != nil:
		r.Status, r.Error = "failed", rt.secrets.String(err.Error())
		if errors.Is(err, steps.ErrSuperseded) {
			r.Status = "superseded"
		}
		msg := r.Error
		if hint := authHint(err, command); hint != "" {
			msg += "\n" + hint
		}
		rt.log.Error().Int("exit_code", code).Msg(msg)
	case r.Status == "":
		r.Status = "succeeded"
		if line := rt.summaryLine(took); line != "" {
			rt.log.Info().Str("app", r.App).Str("rack", r.Rack).Str("release", r.ReleaseID).Str("commit", r.Commit).
				Int64("elapsed_ms", took.Milliseconds()).Msg(line)
		}
	}
	if werr := rt.outputs.Write(*r); werr != nil {
		rt.log.Warn().Err(werr).Msg("could not write the CI outputs")
	}
}

// summaryLine is the last line of a run that made or promoted a release:
// what went where, from which commit, in how long. "" for other runs.
func (rt *runtime) summaryLine(took time.Duration) string {
	r := rt.result
	if r.ReleaseID == "" || rt.steps == nil {
		return ""
	}
	verb := "built"
	if rt.steps.Promoted {
		verb = "deployed"
	}
	line := fmt.Sprintf("%s release %s: app %s on rack %s", verb, r.ReleaseID, r.App, r.Rack)
	if r.Commit != "" {
		line += ", commit " + shortCommit(r.Commit)
	}
	return line + ", in " + report.Elapsed(took)
}

func shortCommit(sha string) string {
	if len(sha) > 10 {
		return sha[:10]
	}
	return sha
}

// deployKeyCommands are the commands a Console deploy key may run (docs/protocol.md, Deploy keys).
const deployKeyCommands = "build, builds, builds export, builds import, deploy, env set --replace, logs, rack, racks, releases promote RELEASE_ID and run"

// authHint explains a refusal in one line with the next step to take.
func authHint(err error, command string) string {
	command = strings.Join(strings.Fields(strings.NewReplacer("<", "", ">", "").Replace(command)), " ")
	switch {
	case errors.Is(err, rack.ErrForbidden):
		return fmt.Sprintf("The key may not do this (%s). A Console deploy key may run only %s, unless a custom role grants more; use a key whose role allows it.", command, deployKeyCommands)
	case errors.Is(err, rack.ErrUnauthorized):
		return "The key was refused. If the Rack's API key was rolled, or the deploy key revoked, update CONVOX_PASSWORD in the CI's secret settings; check CONVOX_HOST names the right Rack or Console."
	}
	return ""
}

// stillRunning says what an interrupted run may have left going on the
// Rack: the interrupted step says it (pipeline.Interrupter).
func (rt *runtime) stillRunning() string {
	if rt.steps == nil {
		return "Nothing was left running on the Rack."
	}
	return pipeline.LeftRunning(rt.steps)
}
