package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/convox-ci/convox-ci/internal/cienv"
	"github.com/convox-ci/convox-ci/internal/config"
	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/report"
	"github.com/convox-ci/convox-ci/internal/steps"
)

type ciCmd struct {
	Dir string `arg:"" optional:"" default:"." help:"Directory to build."`
}

// decision is what ci and plan decide from the CI context and the rules.
type decision struct {
	ctx    cienv.Context
	file   *config.File
	match  config.Match
	app    string
	rack   string
	steps  []pipeline.Step
	timing time.Duration
}

func decide(rt *runtime, g *Globals, dir string) (*decision, error) {
	c, err := cienv.Detect(rt.ctx, rt.env.lookuper(), cienv.NewGit(dir))
	if err != nil {
		return nil, fmt.Errorf("detecting the CI: %w", err)
	}
	rt.result.Provider, rt.result.Branch, rt.result.Tag, rt.result.Commit, rt.result.PullRequest = c.Provider, c.Branch, c.Tag, c.Commit, c.PullRequest
	f, err := config.Load(g.Config, rt.env)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usagef("no rules file at %s: write one (see examples/convox-ci.yml) or name it with --config / CONVOX_CI_CONFIG", g.Config)
	}
	if err != nil {
		return nil, err
	}
	// The ${VAR}s of env values and run commands are secrets from the moment
	// the file is read, before any step runs.
	rt.secrets.Add(f.Secrets()...)
	m, err := f.Match(c)
	if errors.Is(err, config.ErrNoRef) {
		return nil, usagef("%v: run in a git checkout, or in a CI whose variables name the branch or tag (see `convox-ci plan`)", err)
	}
	if err != nil {
		return nil, err
	}
	d := &decision{ctx: c, file: f, match: m}
	if m.Target == nil {
		return d, nil
	}
	t := m.Target
	d.app, d.rack = t.App, t.Rack
	if d.app == "" {
		d.app = f.App
	}
	d.steps, err = steps.FromConfig(t, dir)
	if err != nil {
		return nil, err
	}
	d.timing = t.Timeout
	rt.result.Target, rt.result.Rack, rt.result.App = t.Name, d.rack, d.app
	return d, nil
}

func (c *ciCmd) Run(rt *runtime, g *Globals) error {
	d, err := decide(rt, g, c.Dir)
	if err != nil {
		return err
	}
	log := rt.log.With().Str("provider", d.ctx.Provider).Logger()
	if d.match.Target == nil {
		rt.result.Status, rt.result.Reason = "skipped", d.match.Reason
		log.Info().Str("ref", ref(d.ctx)).Msg("nothing to deploy: " + d.match.Reason)
		return nil
	}
	st, err := g.state(rt, d.rack, d.app)
	if err != nil {
		return err
	}
	st.Commit = d.ctx.Commit
	st.Description = description(d.ctx)
	log.Info().Str("target", d.match.Target.Name).Str("ref", ref(d.ctx)).Str("commit", d.ctx.Commit).
		Str("rack", d.rack).Str("app", d.app).Msg("target matched")
	if d.timing > 0 {
		var cancel context.CancelFunc
		rt.ctx, cancel = context.WithTimeout(rt.ctx, d.timing)
		defer cancel()
	}
	return rt.runSteps(st, d.steps...)
}

type planCmd struct {
	Dir  string `arg:"" optional:"" default:"." help:"Directory to build."`
	JSON bool   `name:"json" help:"Print the decision as one JSON object."`
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
}

// Run prints the decision. It is written from values and never redacted:
// steps show a run command as written (${VAR}s unexpanded) and env steps
// only their keys, so no secret is in it.
func (c *planCmd) Run(rt *runtime, g *Globals) error {
	d, err := decide(rt, g, c.Dir)
	if err != nil {
		return err
	}
	p := planJSON{
		Provider: d.ctx.Provider, Branch: d.ctx.Branch, Tag: d.ctx.Tag, Commit: d.ctx.Commit,
		PullRequest: d.ctx.PullRequest, Fork: d.ctx.Fork, BaseBranch: d.ctx.BaseBranch, BuildURL: d.ctx.BuildURL,
		Sources: d.ctx.Sources, Rack: d.rack, App: d.app, Reason: d.match.Reason, Config: g.Config, Steps: []string{},
	}
	if p.Sources == nil {
		p.Sources = map[string]string{}
	}
	if d.match.Target != nil {
		p.Target = d.match.Target.Name
		for _, s := range d.steps {
			p.Steps = append(p.Steps, s.String())
		}
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
	if pr != "" && p.Fork {
		pr += " (from a fork)"
	}
	field("Pull request", pr, "pull_request")
	field("Rules", p.Config, "")
	if d.match.Target == nil {
		fmt.Fprintf(&b, "\nNothing to deploy: %s\n", p.Reason)
	} else {
		fmt.Fprintf(&b, "\nTarget %s: app %s on rack %s\n", p.Target, p.App, p.Rack)
		if d.match.Reason != "" {
			fmt.Fprintf(&b, "(%s)\n", d.match.Reason)
		}
		for i, s := range p.Steps {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, s)
		}
	}
	fmt.Fprint(rt.stdout, b.String())
	return nil
}

// ref names what is being built, for log lines.
func ref(c cienv.Context) string {
	switch {
	case c.IsPullRequest():
		return "pull request #" + c.PullRequest
	case c.Tag != "":
		return "tag " + c.Tag
	case c.Branch != "":
		return "branch " + c.Branch
	}
	return "unknown ref"
}

// description is the default build description: the commit, branch or tag,
// pull request and CI build URL, so a build can be found again by commit.
func description(c cienv.Context) string {
	parts := []string{"build"}
	if c.Commit != "" {
		parts = append(parts, shortSha(c.Commit))
	}
	switch {
	case c.Tag != "":
		parts = append(parts, "tag "+c.Tag)
	case c.Branch != "":
		parts = append(parts, "branch "+c.Branch)
	}
	if c.IsPullRequest() {
		parts = append(parts, "pr #"+c.PullRequest)
	}
	if c.Provider != "" && c.Provider != "local" {
		parts = append(parts, "ci "+c.Provider)
	}
	if c.BuildURL != "" {
		parts = append(parts, c.BuildURL)
	}
	return strings.Join(parts, " ")
}

func shortSha(s string) string {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}

// describe fills the state's commit and description from the CI context of
// dir, for the build and deploy commands.
func describe(rt *runtime, st *pipeline.State, dir string) {
	c, err := cienv.Detect(rt.ctx, rt.env.lookuper(), cienv.NewGit(dir))
	if err != nil {
		rt.log.Debug().Err(err).Msg("could not detect the CI context; the build carries no commit")
		return
	}
	st.Commit, st.Description = c.Commit, description(c)
	rt.result.Provider, rt.result.Branch, rt.result.Tag, rt.result.Commit, rt.result.PullRequest = c.Provider, c.Branch, c.Tag, c.Commit, c.PullRequest
}

// lineOutput writes a remote stream to stdout line by line, redacted.
func lineOutput(rt *runtime) *report.Lines {
	return report.LineWriter(rt.secrets, func(line string) {
		fmt.Fprintln(rt.stdout, line)
	})
}
