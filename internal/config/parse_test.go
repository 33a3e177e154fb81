package config

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const secret = "s3cret-value-for-tests"

func TestLoadFull(t *testing.T) {
	lookup := env(map[string]string{"MIGRATE_TO": "42", "PROD_RACK": "org/production", "DATABASE_URL": secret})
	f, err := Load("testdata/full.yml", lookup)
	require.NoError(t, err)
	want := &File{
		Path:    "testdata/full.yml",
		App:     "example-app",
		Timeout: 30 * time.Minute,
		Targets: []Target{
			{
				Name:         "staging",
				Branches:     []string{"master", "release/*"},
				PullRequests: true,
				Rack:         "org/staging",
				App:          "example-app",
				Timeout:      20 * time.Minute,
				Pos:          Pos{5, 3},
				Steps: []Step{
					{Kind: KindBuild, Pos: Pos{11, 9}},
					{Kind: KindRun, Service: "web", Command: []string{"bin/migrate", "--to", "42", "two words"},
						Written: []string{"bin/migrate", "--to", "${MIGRATE_TO}", "two words"}, Timeout: 10 * time.Minute, Pos: Pos{12, 9}},
					{Kind: KindPromote, Pos: Pos{13, 9}},
					{Kind: KindExport, File: "build.tgz", Pos: Pos{14, 9}},
				},
				Secrets: Values{"42"},
			},
			{
				Name:    "production",
				Tags:    []string{"v*"},
				Rack:    "org/production",
				App:     "other-app",
				Timeout: 30 * time.Minute,
				Pos:     Pos{15, 3},
				Steps: []Step{
					{Kind: KindImport, From: "org/staging", FromApp: "example-app", Pos: Pos{20, 9}},
					{Kind: KindEnv, Replace: true, Env: []EnvVar{
						{"NODE_ENV", "production"}, {"DATABASE_URL", secret}, {"PORT", "8080"}, {"PRICE", "$5"},
					}, Pos: Pos{21, 9}},
					{Kind: KindPromote, Timeout: 2 * time.Minute, Pos: Pos{29, 9}},
				},
				Secrets: Values{secret}, // ${VAR}s in env values and run commands; rack and app name places
			},
			{
				Name:     "review",
				Branches: []string{"feature/**"},
				Rack:     "org/review",
				App:      "example-app",
				Timeout:  30 * time.Minute,
				Pos:      Pos{30, 3},
				Steps: []Step{
					{Kind: KindDeploy, Timeout: 15 * time.Minute, Pos: Pos{34, 9}},
					{Kind: KindRun, Service: "web", Command: []string{"bin/seed", "--fast", "42"}, Written: []string{"bin/seed", "--fast", "${MIGRATE_TO}"}, Pos: Pos{35, 9}},
				},
				Secrets: Values{"42"},
			},
		},
	}
	require.Equal(t, want, f)
	require.Equal(t, []string{"42", secret}, f.Secrets(), "every target's ${VAR}s in env values and run commands, once; not rack's ${PROD_RACK}")
	for i := range f.Targets {
		require.NoError(t, f.Targets[i].Err())
	}
}

func TestParseSmallForms(t *testing.T) {
	tests := map[string]struct {
		data []byte
		want Target
	}{
		"flow mapping and scalar pattern": {
			data: yml("targets: {s: {branches: main, rack: r, app: a, steps: [deploy]}}"),
			want: Target{Name: "s", Branches: []string{"main"}, Rack: "r", App: "a", Pos: Pos{1, 11},
				Steps: []Step{{Kind: KindDeploy, Pos: Pos{1, 56}}}},
		},
		"step kind with an empty value": {
			data: yml("app: a", "targets:", "  s:", "    tags: [v*]", "    rack: r", "    steps:", "      - build:", "      - promote: {}"),
			want: Target{Name: "s", Tags: []string{"v*"}, Rack: "r", App: "a", Pos: Pos{3, 3},
				Steps: []Step{{Kind: KindBuild, Pos: Pos{7, 9}}, {Kind: KindPromote, Pos: Pos{8, 9}}}},
		},
		"standard tags and numbers as strings": {
			data: yml("app: !!str 123", "targets:", "  s:", "    tags: [1.0]", "    rack: r", "    steps:", "      - env: {values: {ON: true, N: 0x10, Q: \"\"}, promote: true}"),
			want: Target{Name: "s", Tags: []string{"1.0"}, Rack: "r", App: "123", Pos: Pos{3, 3},
				Steps: []Step{{Kind: KindEnv, Promote: true, Env: []EnvVar{{"ON", "true"}, {"N", "0x10"}, {"Q", ""}}, Pos: Pos{7, 9}}}},
		},
		"byte order mark and CRLF": {
			data: []byte("\ufeffapp: a\r\ntargets:\r\n  s:\r\n    branches: [m]\r\n    rack: r\r\n    steps:\r\n      - deploy\r\n"),
			want: Target{Name: "s", Branches: []string{"m"}, Rack: "r", App: "a", Pos: Pos{3, 3},
				Steps: []Step{{Kind: KindDeploy, Pos: Pos{7, 9}}}},
		},
		"dollar not followed by a brace": {
			data: yml("app: a", "targets:", "  s:", "    tags: [v*]", "    rack: r", "    steps:", "      - deploy", "      - run: {service: web, command: 'echo $HOME $$ $'}"),
			want: Target{Name: "s", Tags: []string{"v*"}, Rack: "r", App: "a", Pos: Pos{3, 3},
				Steps: []Step{{Kind: KindDeploy, Pos: Pos{7, 9}}, {Kind: KindRun, Service: "web", Command: []string{"echo", "$HOME", "$", "$"}, Written: []string{"echo", "$HOME", "$$", "$"}, Pos: Pos{8, 9}}}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := Parse("convox-ci.yml", tc.data, nil)
			require.NoError(t, err)
			require.Equal(t, []Target{tc.want}, f.Targets)
		})
	}
}

func TestTargetVariables(t *testing.T) {
	data, err := os.ReadFile("testdata/full.yml")
	require.NoError(t, err)

	t.Run("missing in one target waits for that target", func(t *testing.T) {
		f, err := Parse("convox-ci.yml", data, env(map[string]string{"MIGRATE_TO": "1", "PROD_RACK": "org/production"}))
		require.NoError(t, err)
		require.NoError(t, f.Targets[0].Err())
		err = f.Targets[1].Err()
		var e *Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, [2]int{26, 28}, [2]int{e.Line, e.Column})
		require.Equal(t, "environment variable DATABASE_URL (for ${DATABASE_URL}) is not set", e.Msg)
		require.Contains(t, e.Fix, "set DATABASE_URL in the CI's environment")
	})

	t.Run("empty is missing", func(t *testing.T) {
		f, err := Parse("convox-ci.yml", data, env(map[string]string{"MIGRATE_TO": "1", "PROD_RACK": "", "DATABASE_URL": secret}))
		require.NoError(t, err)
		require.EqualError(t, f.Targets[1].Err(), "convox-ci.yml:17:11: environment variable PROD_RACK (for ${PROD_RACK}) is empty; fix: give PROD_RACK a value in the CI's environment")
	})

	t.Run("the first missing one in the target is reported", func(t *testing.T) {
		f, err := Parse("convox-ci.yml", data, nil)
		require.NoError(t, err)
		require.ErrorContains(t, f.Targets[0].Err(), "convox-ci.yml:12:38: environment variable MIGRATE_TO")
		require.ErrorContains(t, f.Targets[1].Err(), "convox-ci.yml:17:11: environment variable PROD_RACK")
		require.ErrorContains(t, f.Targets[2].Err(), "convox-ci.yml:37:40: environment variable MIGRATE_TO")
	})

	t.Run("a line break from the environment in a command", func(t *testing.T) {
		f, err := Parse("convox-ci.yml", data, env(map[string]string{"MIGRATE_TO": "4\n2", "PROD_RACK": "r", "DATABASE_URL": secret}))
		require.NoError(t, err)
		require.ErrorContains(t, f.Targets[0].Err(), "convox-ci.yml:12:")
		require.ErrorContains(t, f.Targets[0].Err(), "command has a line break or control character, from the environment")
		require.NotContains(t, f.Targets[0].Err().Error(), "4\n2")
		require.NoError(t, f.Targets[1].Err(), "a target that uses no such value is unaffected")
	})

	t.Run("a line break from the environment", func(t *testing.T) {
		f, err := Parse("convox-ci.yml", data, env(map[string]string{"MIGRATE_TO": "1", "PROD_RACK": "r", "DATABASE_URL": secret + "\nmore"}))
		require.NoError(t, err)
		require.EqualError(t, f.Targets[1].Err(), "convox-ci.yml:26:27: the value of DATABASE_URL has a line break, from the environment: Convox environment values are single lines; fix: store the value on a single line (e.g. base64-encode it)")
	})
}

func TestSecretsStayHidden(t *testing.T) {
	lookup := env(map[string]string{"MIGRATE_TO": "1", "PROD_RACK": "r", "DATABASE_URL": secret})
	f, err := Load("testdata/full.yml", lookup)
	require.NoError(t, err)
	step := f.Targets[1].Steps[1]
	require.Equal(t, secret, step.Env[1].Value)

	js, err := json.Marshal(f)
	require.NoError(t, err)
	for name, out := range map[string]string{
		"%v":            fmt.Sprintf("%v", f),
		"%+v":           fmt.Sprintf("%+v", *f),
		"%#v":           fmt.Sprintf("%#v", f.Targets),
		"String":        step.String(),
		"EnvVar %s":     fmt.Sprintf("%s", step.Env),
		"json":          string(js),
		"error":         parseErr(t, yml("app: ${DATABASE_URL", "targets: {}"), lookup),
		"line break":    f2err(t, lookup, secret+"\n"),
		"bad env value": parseErr(t, yml("app: a", "targets:", "  s:", "    tags: [v]", "    rack: r", "    steps: [{env: {values: {K: ["+secret+"]}}}]"), lookup),
	} {
		require.NotContains(t, out, secret, name)
		require.NotContains(t, out, "s3cret", name)
	}
	require.Equal(t, "env NODE_ENV, DATABASE_URL, PORT, PRICE (replace)", step.String())
	var got map[string]string
	require.NoError(t, json.Unmarshal(mustJSON(t, step.Env[1]), &got))
	require.Equal(t, map[string]string{"key": "DATABASE_URL", "value": "<redacted>"}, got)
}

func f2err(t *testing.T, lookup func(string) (string, bool), value string) string {
	t.Helper()
	f, err := Parse("convox-ci.yml", yml("app: a", "targets:", "  s:", "    tags: [v]", "    rack: r", "    steps: [{env: {values: {K: \"${V}\"}}}, promote]"),
		func(k string) (string, bool) {
			if k == "V" {
				return value, true
			}
			return lookup(k)
		})
	require.NoError(t, err)
	require.Error(t, f.Targets[0].Err())
	return f.Targets[0].Err().Error()
}

func parseErr(t *testing.T, data []byte, lookup func(string) (string, bool)) string {
	t.Helper()
	_, err := Parse("convox-ci.yml", data, lookup)
	require.Error(t, err)
	return err.Error()
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestStepString(t *testing.T) {
	tests := map[string]struct {
		step Step
		want string
	}{
		"build": {Step{Kind: KindBuild}, "build"},
		"run":   {Step{Kind: KindRun, Service: "web", Command: []string{"bin/migrate", "--all"}}, "run web: bin/migrate --all"},
		"run as written": {Step{Kind: KindRun, Service: "web", Command: []string{"bin/migrate", "--url=postgres://x"}, Written: []string{"bin/migrate", "--url=${DATABASE_URL}"}},
			"run web: bin/migrate --url=${DATABASE_URL}"},
		"run at": {Step{Kind: KindRun, Service: "web", Command: []string{"x"}, Release: "RABC"}, "run web: x (release RABC)"},
		"env":    {Step{Kind: KindEnv, Promote: true, Env: []EnvVar{{"A", "1"}}}, "env A then promote"},
		"import": {Step{Kind: KindImport, From: "org/staging", FromApp: "app"}, "import from org/staging (app app)"},
		"export": {Step{Kind: KindExport, File: "b.tgz"}, "export to b.tgz"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.step.String())
			require.False(t, strings.Contains(tc.step.String(), "=1"))
		})
	}
}

func TestCommandWithALineBreakIsRefusedWhereItIsWritten(t *testing.T) {
	_, err := Parse("convox-ci.yml", yml("app: a", "targets:", "  s:", "    tags: [v*]", "    rack: r", "    steps:", `      - run: {service: web, command: [echo, "a\nb"]}`), nil)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Contains(t, e.Error(), "convox-ci.yml:7:")
	require.Contains(t, e.Error(), "command has a line break or control character")
}
