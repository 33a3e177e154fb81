package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/convox-ci/convox-ci/internal/cienv"
	"github.com/convox-ci/convox-ci/internal/config"
	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/plan"
	"github.com/convox-ci/convox-ci/internal/report"
)

type ciCmd struct {
	Dir string `arg:"" optional:"" default:"." help:"Directory to build."`
	refFlags
}

// decide detects the CI, loads the rules file and decides; the result
// records the decision. When the matched target has a ${VAR} the
// environment lacks, the plan comes with that error (plan shows it; ci
// stops on it).
func decide(rt *runtime, g *Globals, dir string, o cienv.Overrides) (*plan.Plan, error) {
	c, err := cienv.DetectWith(rt.ctx, rt.env.lookuper(), cienv.NewGit(dir), o)
	if err != nil {
		return nil, fmt.Errorf("detecting the CI: %w", err)
	}
	rt.recordCI(c)
	rules, err := config.Load(g.Config, rt.env)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usagef("no rules file at %s: write one (see examples/convox-ci.yml) or name it with --config / CONVOX_CI_CONFIG", g.Config)
	}
	if err != nil {
		return nil, err
	}
	// The ${VAR}s of env values, build args, run commands and passwords are
	// secrets from the moment the file is read, before any step runs; so is
	// a key that a target's or an import's host carries.
	rt.secrets.Add(rules.Secrets()...)
	for _, t := range rules.Targets {
		registerCredentials(rt.secrets, "", t.Conn.Host)
		for _, s := range t.Steps {
			registerCredentials(rt.secrets, "", s.FromConn.Host)
		}
	}
	p, err := plan.Decide(c, rules, dir)
	if err != nil && p != nil {
		return p, err
	}
	if errors.Is(err, config.ErrNoRef) {
		if c.GitError != "" {
			return nil, usagef("%v, and git could not tell: %s: run in a readable git checkout, or say it with CONVOX_CI_BRANCH / CONVOX_CI_TAG (see `convox-ci plan`)", err, c.GitError)
		}
		return nil, usagef("%v: run in a git checkout, in a CI whose variables name the branch or tag, or say it with CONVOX_CI_BRANCH / CONVOX_CI_TAG (see `convox-ci plan`)", err)
	}
	if err != nil {
		return nil, err
	}
	if p.Deploys() {
		rt.result.Target, rt.result.Rack, rt.result.App = p.Match.Target.Name, p.Rack, p.App
	}
	return p, nil
}

func (c *ciCmd) Run(rt *runtime, g *Globals) error {
	p, err := decide(rt, g, c.Dir, c.overrides(rt.env))
	if err != nil {
		return err
	}
	log := rt.log.With().Str("provider", p.CI.Provider).Logger()
	for _, w := range ciWarnings(p.CI) {
		log.Warn().Msg(w)
	}
	if !p.Deploys() {
		rt.result.Status, rt.result.Reason = "skipped", p.Match.Reason
		log.Info().Str("ref", p.CI.Ref()).Msg("nothing to deploy: " + p.Match.Reason)
		return nil
	}
	st, err := g.stateAt(rt, pipeline.Endpoint{Rack: p.Rack, Host: p.Conn.Host, Password: p.Conn.Password}, p.App)
	if err != nil {
		return err
	}
	st.Commit = p.CI.Commit
	st.Description = plan.Description(p.CI)
	log.Info().Str("target", p.Match.Target.Name).Str("ref", p.CI.Ref()).Str("commit", p.CI.Commit).
		Str("rack", p.Rack).Str("app", p.App).Msg("target matched")
	if p.Timeout > 0 {
		var cancel context.CancelFunc
		rt.ctx, cancel = context.WithTimeout(rt.ctx, p.Timeout)
		defer cancel()
	}
	return rt.runSteps(st, p.Steps...)
}

type planCmd struct {
	Dir    string `arg:"" optional:"" default:"." help:"Directory to build."`
	JSON   bool   `name:"json" help:"Print the decision as one JSON object."`
	Strict bool   `help:"Exit 2, as ci would, when the target uses an environment variable this environment lacks (by default plan names it and exits 0)."`
	refFlags
}

// planJSON is plan --json's shape.
type planJSON struct {
	Provider    string            `json:"provider"`
	Branch      string            `json:"branch"`
	Tag         string            `json:"tag"`
	Commit      string            `json:"commit"`
	PullRequest string            `json:"pull_request"`
	Fork        bool              `json:"fork"`
	BaseBranch  string            `json:"base_branch,omitempty"`
	BuildURL    string            `json:"build_url,omitempty"`
	Sources     map[string]string `json:"sources"`
	Target      string            `json:"target"`
	Rack        string            `json:"rack"`
	App         string            `json:"app"`
	Steps       []string          `json:"steps"`
	Reason      string            `json:"reason,omitempty"`
	Config      string            `json:"config"`
	Warnings    []string          `json:"warnings,omitempty"`
	Unresolved  string            `json:"unresolved,omitempty"` // where ci would stop: a ${VAR} this environment lacks
}

// Run prints the decision. It is written from values and never redacted:
// steps show a run command as written (${VAR}s unexpanded) and env steps
// only their keys, so no secret is in it. Only the warnings, which may quote
// git, are free text and redacted.
func (c *planCmd) Run(rt *runtime, g *Globals) error {
	// A ${VAR} unset here is shown, not fatal: plan is a preview, often run
	// where the CI's secrets are not set (--strict stops as ci would).
	d, err := decide(rt, g, c.Dir, c.overrides(rt.env))
	if err != nil && (d == nil || c.Strict) {
		return err
	}
	p := planJSON{
		Provider: d.CI.Provider, Branch: d.CI.Branch, Tag: d.CI.Tag, Commit: d.CI.Commit,
		PullRequest: d.CI.PullRequest, Fork: d.CI.Fork, BaseBranch: d.CI.BaseBranch, BuildURL: d.CI.BuildURL,
		Sources: d.CI.Sources, Rack: d.Rack, App: d.App, Reason: d.Match.Reason, Config: g.Config, Steps: []string{},
	}
	if p.Sources == nil {
		p.Sources = map[string]string{}
	}
	for _, w := range ciWarnings(d.CI) {
		p.Warnings = append(p.Warnings, rt.secrets.String(w))
	}
	if d.Deploys() {
		p.Target = d.Match.Target.Name
		for _, s := range d.Steps {
			p.Steps = append(p.Steps, s.String())
		}
	}
	if d.Unresolved != nil {
		p.Unresolved = rt.secrets.String(d.Unresolved.Error())
	}
	if c.JSON {
		b, _ := json.MarshalIndent(p, "", "  ")
		fmt.Fprintln(rt.stdout, string(b))
		return nil
	}
	var b strings.Builder
	field := func(name, value, key string) {
		if value == "" {
			value = "-"
		}
		src := ""
		if s := p.Sources[key]; s != "" {
			src = "  (from " + s + ")"
		}
		fmt.Fprintf(&b, "%-13s %s%s\n", name+":", value, src)
	}
	field("CI", p.Provider, "provider")
	field("Branch", p.Branch, "branch")
	field("Tag", p.Tag, "tag")
	field("Commit", p.Commit, "commit")
	pr := p.PullRequest
	switch {
	case pr != "" && d.CI.ForkAssumed():
		pr += " (treated as from a fork: " + d.CI.ForkUnknownBy() + " does not say)"
	case pr != "" && p.Fork:
		pr += " (from a fork)"
	}
	field("Pull request", pr, "pull_request")
	field("Rules", p.Config, "")
	for _, w := range p.Warnings {
		fmt.Fprintf(&b, "Warning:      %s\n", w)
	}
	if !d.Deploys() {
		fmt.Fprintf(&b, "\nNothing to deploy: %s\n", p.Reason)
	} else {
		shown := func(v string) string { // empty only when a ${VAR} is unset here (named below)
			if v == "" {
				return "(unset here)"
			}
			return v
		}
		fmt.Fprintf(&b, "\nTarget %s: app %s on rack %s\n", p.Target, shown(p.App), shown(p.Rack))
		if d.Match.Reason != "" {
			fmt.Fprintf(&b, "(%s)\n", d.Match.Reason)
		}
		for i, s := range p.Steps {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, s)
		}
		if p.Unresolved != "" {
			fmt.Fprintf(&b, "\nci would stop here, before sending anything (exit 2):\n  %s\n", p.Unresolved)
		}
	}
	fmt.Fprint(rt.stdout, b.String())
	return nil
}

// describe fills the state's commit and description from the CI context of
// dir, for the build and deploy commands. A CONVOX_CI_* value that is not
// one of its kind is the one error (a usage error, before anything is sent).
func describe(rt *runtime, st *pipeline.State, dir string) error {
	// CONVOX_CI_* replace detection here too (the flags are ci's and plan's).
	c, err := cienv.DetectWith(rt.ctx, rt.env.lookuper(), cienv.NewGit(dir), refFlags{}.overrides(rt.env))
	var override *cienv.OverrideError
	if errors.As(err, &override) {
		return err
	}
	if err != nil {
		rt.log.Debug().Err(err).Msg("could not detect the CI context; the build carries no commit")
		return nil
	}
	st.Commit, st.Description = c.Commit, plan.Description(c)
	rt.recordCI(c)
	return nil
}

// recordCI notes in the result which build this is.
func (rt *runtime) recordCI(c cienv.Context) {
	r := &rt.result
	r.Provider, r.Branch, r.Tag, r.Commit, r.PullRequest = c.Provider, c.Branch, c.Tag, c.Commit, c.PullRequest
}

// lineOutput writes a remote stream to stdout line by line, redacted.
func lineOutput(rt *runtime) *report.Lines {
	return report.LineWriter(rt.secrets, func(line string) {
		fmt.Fprintln(rt.stdout, line)
	})
}
