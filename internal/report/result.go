package report

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/convox-ci/convox-ci/internal/outfile"
	"github.com/convox-ci/convox-ci/internal/shellwords"
)

// Result is what a run produced, written to the result file and each CI's
// own output channels.
type Result struct {
	Status      string       `json:"status"` // succeeded, failed, superseded, skipped, interrupted
	Reason      string       `json:"reason,omitempty"`
	Error       string       `json:"error,omitempty"` // free text: redacted when set
	ExitCode    int          `json:"exit_code"`
	Provider    string       `json:"provider,omitempty"`
	Branch      string       `json:"branch,omitempty"`
	Tag         string       `json:"tag,omitempty"`
	Commit      string       `json:"commit,omitempty"`
	PullRequest string       `json:"pull_request,omitempty"`
	Target      string       `json:"target,omitempty"`
	Rack        string       `json:"rack,omitempty"`
	App         string       `json:"app,omitempty"`
	BuildID     string       `json:"build_id,omitempty"`
	ReleaseID   string       `json:"release_id,omitempty"`
	Duration    Duration     `json:"duration"`
	Steps       []StepResult `json:"steps,omitempty"`
}

// StepResult is one step's outcome.
type StepResult struct {
	Name     string   `json:"name"`
	Status   string   `json:"status"`
	Duration Duration `json:"duration"`
	Error    string   `json:"error,omitempty"` // free text: redacted when set
}

// Duration renders as seconds in JSON.
type Duration time.Duration

// MarshalJSON writes seconds with millisecond precision.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("%.3f", time.Duration(d).Seconds())), nil
}

// Outputs are the files a CI reads outputs from. Empty paths are skipped.
type Outputs struct {
	ResultFile        string // --result-file, any CI
	GitHubOutput      string // $GITHUB_OUTPUT
	GitHubStepSummary string // $GITHUB_STEP_SUMMARY
	BashEnv           string // CircleCI's $BASH_ENV
}

// Write writes r to every configured output. The outputs are built from
// r's values and never rewritten: ids, app, rack, target and status are
// written as they are, whatever secret they happen to equal. Free text in r
// (Error, each step's Error) was redacted where it was made.
func (o Outputs) Write(r Result) error {
	var errs []string
	if o.ResultFile != "" {
		b, _ := json.MarshalIndent(r, "", "  ")
		b = append(b, '\n')
		if err := outfile.WriteFile(o.ResultFile, b); err != nil {
			errs = append(errs, fmt.Sprintf("writing result file: %v", err))
		}
	}
	if o.GitHubOutput != "" {
		if err := appendFile(o.GitHubOutput, githubOutputs(r)); err != nil {
			errs = append(errs, fmt.Sprintf("writing GITHUB_OUTPUT: %v", err))
		}
	}
	if o.GitHubStepSummary != "" {
		if err := appendFile(o.GitHubStepSummary, Summary(r)); err != nil {
			errs = append(errs, fmt.Sprintf("writing GITHUB_STEP_SUMMARY: %v", err))
		}
	}
	if o.BashEnv != "" {
		if err := appendFile(o.BashEnv, bashExports(r)); err != nil {
			errs = append(errs, fmt.Sprintf("writing BASH_ENV: %v", err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func (r Result) fields() map[string]string {
	return map[string]string{
		"status": r.Status, "target": r.Target, "rack": r.Rack, "app": r.App,
		"build_id": r.BuildID, "release_id": r.ReleaseID, "commit": r.Commit,
	}
}

func githubOutputs(r Result) string {
	var b strings.Builder
	for _, k := range sortedKeys(r.fields()) {
		v := r.fields()[k]
		if v == "" {
			continue // never overwrite what an earlier step exported with nothing
		}
		if strings.ContainsAny(v, "\r\n") { // outputs are single-line facts; never let one forge another
			v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
		}
		fmt.Fprintf(&b, "%s=%s\n", k, v)
	}
	return b.String()
}

func bashExports(r Result) string {
	var b strings.Builder
	for _, k := range sortedKeys(r.fields()) {
		if v := r.fields()[k]; v != "" { // a later command that made nothing keeps the earlier ids
			fmt.Fprintf(&b, "export CONVOX_%s=%s\n", strings.ToUpper(k), shellwords.Quote(v))
		}
	}
	return b.String()
}

// Summary renders r as a Markdown table for a job summary.
func Summary(r Result) string {
	var b strings.Builder
	b.WriteString("### convox-ci\n\n| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", k, cell(v))
		}
	}
	row("Status", r.Status)
	row("Reason", r.Reason)
	row("Target", r.Target)
	row("Rack", r.Rack)
	row("App", r.App)
	row("Build", r.BuildID)
	row("Release", r.ReleaseID)
	row("Commit", r.Commit)
	row("Duration", time.Duration(r.Duration).Round(time.Millisecond).String())
	row("Error", r.Error)
	if len(r.Steps) > 0 {
		b.WriteString("\n| Step | Status | Duration |\n|---|---|---|\n")
		for _, s := range r.Steps {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(s.Name), cell(s.Status), time.Duration(s.Duration).Round(time.Millisecond))
		}
	}
	b.WriteString("\n")
	return b.String()
}

// cell is v as one Markdown table cell: a | is escaped and a line break
// becomes <br>, so a value (an error text from a server, a command) never
// ends its row or starts another.
func cell(v string) string {
	return strings.NewReplacer("|", "\\|", "\r\n", "<br>", "\n", "<br>", "\r", "<br>").Replace(strings.TrimRight(v, "\r\n"))
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
