package cienv

import (
	"context"
	"testing"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/require"
)

func TestDetectOutputs(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		want Outputs
	}{
		"github": {
			env:  map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": "/o", "GITHUB_STEP_SUMMARY": "/s", "BASH_ENV": "/b"},
			want: Outputs{GitHubActions: true, GitHubOutput: "/o", GitHubStepSummary: "/s"},
		},
		"circleci": {
			env:  map[string]string{"CIRCLECI": "true", "BASH_ENV": "/b", "GITHUB_OUTPUT": "/o"},
			want: Outputs{CircleCI: true, BashEnv: "/b"},
		},
		"a shell's BASH_ENV is not CircleCI's": {
			env:  map[string]string{"BASH_ENV": "/home/me/.bashrc"},
			want: Outputs{},
		},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := DetectOutputs(context.Background(), envconfig.MapLookuper(tc.env))
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
