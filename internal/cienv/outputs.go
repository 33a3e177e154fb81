package cienv

import (
	"context"

	"github.com/sethvargo/go-envconfig"
)

// Outputs are the channels a CI reads a job's results from: GitHub's
// output and job-summary files and workflow commands, CircleCI's BASH_ENV
// (sourced by every later step).
type Outputs struct {
	GitHubActions     bool   `env:"GITHUB_ACTIONS"`
	GitHubOutput      string `env:"GITHUB_OUTPUT"`
	GitHubStepSummary string `env:"GITHUB_STEP_SUMMARY"`
	CircleCI          bool   `env:"CIRCLECI"`
	BashEnv           string `env:"BASH_ENV"`
}

// DetectOutputs reads the output channels of the CI the job runs in. Files
// are only taken from the CI that defines them.
func DetectOutputs(ctx context.Context, l Lookuper) (Outputs, error) {
	if l == nil {
		l = envconfig.OsLookuper()
	}
	var o Outputs
	if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &o, Lookuper: l}); err != nil {
		return Outputs{}, err
	}
	if !o.GitHubActions {
		o.GitHubOutput, o.GitHubStepSummary = "", ""
	}
	if !o.CircleCI {
		o.BashEnv = ""
	}
	return o, nil
}
