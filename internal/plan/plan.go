// Package plan decides what a CI run does: from the CI context and the
// rules file, the target that matches, its rack and app, and the steps
// that run it. It sends nothing and writes no result; the ci command runs
// the plan and the plan command prints it.
package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/convox-ci/convox-ci/internal/cienv"
	"github.com/convox-ci/convox-ci/internal/config"
	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/steps"
)

// Plan is the decision for one build.
type Plan struct {
	CI      cienv.Context
	Rules   *config.File
	Match   config.Match      // Match.Target is nil when nothing deploys; Match.Reason says why (or why this target)
	Rack    string            // the target's rack
	Conn    config.Connection // the target's own host and password, if it sets them
	App     string            // the target's app, else the rules file's
	Steps   []pipeline.Step   // what runs, in order
	Timeout time.Duration     // the target's deadline; 0 for none
	// Unresolved is the matched target's first ${VAR} the environment could
	// not fill (*config.Error): ci stops on it before sending anything;
	// plan shows it. Nil when the target can run.
	Unresolved error
}

// Deploys reports whether a target matched, so that steps run.
func (p *Plan) Deploys() bool { return p.Match.Target != nil }

// Decide matches the build c describes against the rules and, when a
// target matches, builds its steps; dir is the directory builds package.
// Nothing matching is not an error. The errors are config.ErrNoRef
// (wrapped: the CI named no branch, tag or pull request; no plan) and the
// matched target's own (*config.Error, e.g. a ${VAR} the environment
// lacks), returned with the plan as it would be (in p.Unresolved too), so
// that plan can show it.
func Decide(c cienv.Context, rules *config.File, dir string) (*Plan, error) {
	m, err := rules.Match(c)
	if err != nil && m.Target == nil {
		return nil, err
	}
	unresolved := err
	p := &Plan{CI: c, Rules: rules, Match: m}
	if m.Target == nil {
		return p, nil
	}
	t := m.Target
	p.Rack, p.Conn, p.App, p.Timeout = t.Rack, t.Conn, t.App, t.Timeout
	if p.App == "" {
		p.App = rules.App
	}
	p.Steps, err = Steps(t, dir)
	if err != nil {
		return nil, err
	}
	p.Unresolved = unresolved
	return p, unresolved
}

// Steps turns a rules-file target into the steps that run it; dir is the
// directory builds package.
func Steps(t *config.Target, dir string) ([]pipeline.Step, error) {
	var list []pipeline.Step
	for _, s := range t.Steps {
		var step pipeline.Step
		switch s.Kind {
		case "build":
			step = build(s, dir)
		case "deploy":
			list = append(list, pipeline.WithTimeout(build(s, dir), s.Timeout))
			step = steps.Promote{}
		case "promote":
			step = steps.Promote{}
		case "run":
			step = steps.Run{Service: s.Service, Command: s.Command, Written: s.Written, Release: s.Release, Limit: s.Timeout}
		case "env":
			step = steps.Env{Vars: s.Env, Replace: s.Replace, Promote: s.Promote}
		case "import":
			step = steps.Import{From: s.From, FromHost: s.FromConn.Host, FromPassword: s.FromConn.Password, FromApp: s.FromApp}
		case "export":
			step = steps.ExportFile{File: s.File}
		case "rollback":
			step = steps.Rollback{Release: s.Release}
		default:
			return nil, fmt.Errorf("step kind %q is not supported", s.Kind)
		}
		list = append(list, pipeline.WithTimeout(step, s.Timeout))
	}
	return list, nil
}

// build is a build or deploy step's build, with its options.
func build(s config.Step, dir string) steps.Build {
	b := steps.Build{Dir: dir, Manifest: s.Manifest, Description: s.Description, NoCache: s.NoCache}
	for _, a := range s.BuildArgs {
		b.BuildArgs = append(b.BuildArgs, a.Key+"="+a.Value)
	}
	return b
}

// Description is the build description for the build c describes: the
// commit, branch or tag, pull request and CI build URL, so that a build
// can be found again by its commit.
func Description(c cienv.Context) string {
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
