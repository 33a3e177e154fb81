package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A build or deploy step takes the build command's options.
func TestBuildStepOptions(t *testing.T) {
	data := yml("app: a", "targets:", "  s:", "    branches: [main]", "    rack: r", "    steps:",
		"      - build: {manifest: convox2.yml, no_cache: true, description: \"nightly ${RUN}\", build_args: {NODE_ENV: production, NPM_TOKEN: \"${NPM_TOKEN}\"}}",
		"      - deploy: {manifest: convox.yml}")
	f, err := Parse("convox-ci.yml", data, env(map[string]string{"RUN": "42", "NPM_TOKEN": secret}))
	require.NoError(t, err)
	steps := f.Targets[0].Steps
	require.Equal(t, "convox2.yml", steps[0].Manifest)
	require.True(t, steps[0].NoCache)
	require.Equal(t, "nightly 42", steps[0].Description)
	require.Equal(t, []EnvVar{{"NODE_ENV", "production"}, {"NPM_TOKEN", secret}}, steps[0].BuildArgs)
	require.Equal(t, "convox.yml", steps[1].Manifest)
	require.Contains(t, f.Targets[0].Secrets, secret, "a build arg's ${VAR} is a secret")
	require.NoError(t, f.Targets[0].Err())

	require.Equal(t, `build (manifest convox2.yml; no cache; build args NODE_ENV, NPM_TOKEN; description "nightly 42")`, steps[0].String())
	require.NotContains(t, steps[0].String(), secret)
}

// The Rack splits build args on commas: a value with one is refused where
// it is written, or, coming from the environment, when its target runs.
func TestBuildArgWithACommaIsRefused(t *testing.T) {
	data := yml("app: a", "targets:", "  s:", "    branches: [main]", "    rack: r", "    steps:",
		"      - build: {build_args: {LIST: 'a,b'}}")
	_, err := Parse("convox-ci.yml", data, nil)
	require.EqualError(t, err, "convox-ci.yml:7:36: the value of build arg LIST has a comma; fix: the Rack splits build args on commas, so a value cannot hold one: pass a list another way (e.g. separated by spaces or semicolons)")

	data = yml("app: a", "targets:", "  s:", "    branches: [main]", "    rack: r", "    steps:",
		"      - build: {build_args: {LIST: '${LIST}'}}")
	f, err := Parse("convox-ci.yml", data, env(map[string]string{"LIST": "a,b"}))
	require.NoError(t, err)
	require.ErrorContains(t, f.Targets[0].Err(), "the value of build arg LIST has a comma, from the environment")
	require.NotContains(t, f.Targets[0].Err().Error(), "a,b")
}

func TestBuildStepOptionMistakes(t *testing.T) {
	for name, tc := range map[string]struct{ step, want string }{
		"unknown option":      {"- build: {manifests: x}", `unknown key "manifests"`},
		"no_cache not a bool": {"- build: {no_cache: yes please}", "no_cache must be true or false"},
		"build_args a list":   {"- deploy: {build_args: [A=1]}", "build_args must be a mapping"},
		"bad arg name":        {"- build: {build_args: {1A: x}}", `"1A" is not a build arg name`},
		"option beside kind":  {"- manifest: x", `"manifest" is a field of a build step, not a step`},
		"option on promote":   {"- promote: {manifest: x}", "manifest"},
	} {
		t.Run(name, func(t *testing.T) {
			data := yml("app: a", "targets:", "  s:", "    branches: [main]", "    rack: r", "    steps:", "      - build", "      "+tc.step)
			_, err := Parse("convox-ci.yml", data, nil)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
