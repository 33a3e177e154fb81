package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// yml joins lines into a file, so that tests can count lines.
func yml(lines ...string) []byte { return []byte(strings.Join(lines, "\n") + "\n") }

// env is a lookup over a fixed map.
func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestParseErrors(t *testing.T) {
	tests := map[string]struct {
		data      []byte
		line, col int
		msg, fix  string // substrings of Msg and Fix
	}{
		"unknown key with suggestion": {
			data: yml("app: a", "targets:", "  staging:", "    brnches: [master]", "    rack: org/staging", "    steps: [deploy]"),
			line: 4, col: 5,
			msg: `unknown key "brnches" in target "staging" (did you mean "branches"?)`,
			fix: `rename it to "branches"`,
		},
		"unknown key without suggestion": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    colour: red", "    steps: [deploy]"),
			line: 6, col: 5,
			msg: `unknown key "colour" in target "staging"`,
			fix: "remove it; the keys allowed here are branches, tags, pull_requests, rack, host, password, app, timeout, steps",
		},
		"target key at the top level": {
			data: yml("app: a", "rack: org/staging", "targets:", "  staging: {branches: [master], rack: r, steps: [deploy]}"),
			line: 2, col: 1,
			msg: `unknown key "rack" at the top level`,
			fix: "move rack under a target",
		},
		"mis-indented target": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps: [deploy]", "    production:", "      tags: [v*]"),
			line: 7, col: 5,
			msg: `unknown key "production" in target "staging"`,
			fix: `if "production" is meant to be a target, indent it like the other targets`,
		},
		"steps not a list": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps: deploy"),
			line: 6, col: 12,
			msg: `steps in target "staging" must be a list, not a string`,
			fix: "write steps as a list",
		},
		"targets a list": {
			data: yml("app: a", "targets:", "  - staging"),
			line: 3, col: 3,
			msg: "targets must be a mapping of target names to targets, not a list",
			fix: "write targets as a mapping",
		},
		"unknown step kind": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps: [biuld, promote]"),
			line: 6, col: 13,
			msg: `unknown step "biuld" (did you mean "build"?)`,
			fix: "write build; use one of build, deploy, promote, run, env, import, export",
		},
		"missing rack": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    steps: [deploy]"),
			line: 3, col: 3,
			msg: `target "staging" has no rack`,
			fix: "add rack: ORG/RACK",
		},
		"missing app": {
			data: yml("targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps: [deploy]"),
			line: 2, col: 3,
			msg: `target "staging" has no app, and the file has no top-level app`,
			fix: "add app: NAME to the target",
		},
		"no branches and no tags": {
			data: yml("app: a", "targets:", "  staging:", "    pull_requests: true", "    rack: org/staging", "    steps: [deploy]"),
			line: 3, col: 3,
			msg: `target "staging" has no branches and no tags, so it would never match`,
			fix: `add branches: [master] or tags: ["v*"]`,
		},
		"pull requests without branches": {
			data: yml("app: a", "targets:", "  staging:", "    tags: [v*]", "    pull_requests: true", "    rack: org/staging", "    steps: [deploy]"),
			line: 5, col: 5,
			msg: `target "staging" sets pull_requests: true but has no branches`,
			fix: "add branches",
		},
		"complex key": {
			data: yml("app: a", "? x", ": y"),
			line: 2, col: 1,
			msg: `a key at the top level is a complex key ("? "), not a name`,
			fix: "write each key as a plain name",
		},
		"custom tag": {
			data: yml("app: !env APP", "targets: {}"),
			line: 1, col: 6,
			msg: `YAML tag "!env" is not supported`,
			fix: "remove the tag",
		},
		"merge key": {
			data: yml("app: a", "targets:", "  staging:", "    <<: {rack: r}", "    branches: [master]"),
			line: 4, col: 5,
			msg: "merge keys (<<) are not supported",
			fix: "write the keys out in full",
		},
		"run without command": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - build", "      - run: {service: web}"),
			line: 8, col: 9,
			msg: "a run step needs a service and a command",
			fix: "add command, e.g. - run: {service: web, command: bin/migrate}",
		},
		"run as a bare name": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps: [run]"),
			line: 6, col: 13,
			msg: "a run step needs a service and a command",
			fix: "write - run: {service: web, command: bin/migrate}",
		},
		"unknown field in a step": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - run: {servce: web, command: x}"),
			line: 7, col: 15,
			msg: `unknown key "servce" in the run step (did you mean "service"?)`,
			fix: `rename it to "service"`,
		},
		"step field beside the kind": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - run:", "          service: web", "          command: x", "        timeout: 5m"),
			line: 10, col: 9,
			msg: `a step has one key, its kind (run); "timeout" is beside it`,
			fix: "indent timeout under run",
		},
		"step fields without the kind": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - service: web", "        command: x"),
			line: 7, col: 9,
			msg: `"service" is a field of a run step, not a step`,
			fix: "put the fields under the step's kind: - run: {service: web, command: bin/migrate}",
		},
		"bad target duration": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    timeout: 10", "    steps: [deploy]"),
			line: 6, col: 14,
			msg: `timeout "10" is not a duration`,
			fix: "write a duration with its unit, e.g. timeout: 10m",
		},
		"bad step duration": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - build: {timeout: soon}"),
			line: 7, col: 26,
			msg: `timeout "soon" is not a duration`,
			fix: "write a duration with its unit",
		},
		"negative duration": {
			data: yml("app: a", "timeout: -5m", "targets:", "  staging: {branches: [master], rack: r, steps: [deploy]}"),
			line: 2, col: 10,
			msg: "timeout must be more than zero",
			fix: "write a duration",
		},
		"bad glob": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master, \"release/[abc\"]", "    rack: org/staging", "    steps: [deploy]"),
			line: 4, col: 24,
			msg: `pattern "release/[abc" has a "[" without its "]"`,
			fix: "write a glob",
		},
		"negated glob": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [\"!master\"]", "    rack: org/staging", "    steps: [deploy]"),
			line: 4, col: 16,
			msg: `pattern "!master" starts with "!": negated patterns are not supported`,
			fix: "write a glob",
		},
		"duplicate target": {
			data: yml("app: a", "targets:", "  staging: {branches: [master], rack: r, steps: [deploy]}", "  staging: {tags: [v*], rack: r, steps: [deploy]}"),
			line: 4, col: 3,
			msg: `"staging" appears twice in targets (first at line 3)`,
			fix: "keep one of them",
		},
		"duplicate key": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    rack: org/production", "    steps: [deploy]"),
			line: 6, col: 5,
			msg: `"rack" appears twice in target "staging" (first at line 5)`,
			fix: "keep one of them",
		},
		"duplicate env key": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - env: {values: {A: x, A: y}}", "      - promote"),
			line: 7, col: 30,
			msg: `"A" appears twice in env values (first at line 7)`,
			fix: "keep one of them",
		},
		"unterminated variable": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/${RACK", "    steps: [deploy]"),
			line: 5, col: 15,
			msg: `"${" is not closed by "}"`,
			fix: "write ${NAME}",
		},
		"bad variable name": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: \"${RACK:-x}\"", "    steps: [deploy]"),
			line: 5, col: 12,
			msg: `"RACK:-x" is not a variable name`,
			fix: "write ${NAME}",
		},
		"promote with nothing before it": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - run: {service: web, command: bin/migrate}", "      - promote"),
			line: 8, col: 9,
			msg: "promote has nothing to promote: no build, env or import step comes before it",
			fix: "put a build, env or import step before promote, or use deploy",
		},
		"promote after deploy": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - deploy", "      - promote"),
			line: 8, col: 9,
			msg: "promote has nothing to promote: the deploy step at line 7 already promoted the last release",
			fix: "remove this promote",
		},
		"export before any build": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - export: {file: build.tgz}", "      - deploy"),
			line: 7, col: 9,
			msg: "export has no build to export",
			fix: "put a build, deploy or import step before export",
		},
		"import without from": {
			data: yml("app: a", "targets:", "  production:", "    tags: [v*]", "    rack: org/production", "    steps:", "      - import: {app: other}", "      - promote"),
			line: 7, col: 9,
			msg: "an import step needs from (the rack to import from)",
			fix: "add from, e.g. - import: {from: org/staging}",
		},
		"env without values": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - env: {replace: true}"),
			line: 7, col: 9,
			msg: "an env step needs values",
			fix: "add values",
		},
		"env value with a line break": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - env:", "          values:", "            KEY: |", "              two", "              lines"),
			line: 9, col: 18,
			msg: "the value of KEY has a line break",
			fix: "write a single-line value",
		},
		"env key not a name": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - env: {values: {NODE-ENV: production}}"),
			line: 7, col: 24,
			msg: `"NODE-ENV" is not an environment variable name`,
			fix: "use letters, digits and _",
		},
		"command with an open quote": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - run: {service: web, command: \"echo 'hi\"}"),
			line: 7, col: 38,
			msg: "command has a ' that is not closed",
			fix: "close the quote",
		},
		"two steps in one item": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - build:", "        promote:"),
			line: 8, col: 9,
			msg: "two steps (build and promote) in one list item",
			fix: `start each step with its own "- "`,
		},
		"pull_requests not a boolean": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    pull_requests: yes", "    rack: org/staging", "    steps: [deploy]"),
			line: 5, col: 20,
			msg: "pull_requests must be true or false, not a string",
			fix: "write pull_requests: true or pull_requests: false, without quotes",
		},
		"tab indentation": {
			data: yml("app: a", "targets:", "\tstaging:", "    branches: [master]"),
			line: 3, col: 1,
			msg: `invalid YAML: found character '\t' that cannot start any token`,
			fix: "indent with spaces: YAML does not allow tabs",
		},
		"unclosed quote in YAML": {
			data: yml("app: a", "targets:", "  staging:", "    rack: \"org/staging", "    steps: [deploy]"),
			line: 4, col: 11,
			msg: "invalid YAML: could not find end character of double-quoted text",
			fix: "check the indentation and quoting",
		},
		"empty file": {
			data: []byte(""),
			line: 1, col: 1,
			msg: "the rules file is empty",
			fix: "define at least one target",
		},
		"only comments": {
			data: yml("# nothing yet"),
			line: 1, col: 1,
			msg: "the rules file is empty",
			fix: "define at least one target",
		},
		"no targets": {
			data: yml("app: a", "timeout: 5m"),
			line: 1, col: 1,
			msg: "the rules file has no targets",
			fix: "add targets:",
		},
		"empty targets": {
			data: yml("app: a", "targets: {}"),
			line: 2, col: 10,
			msg: "targets is empty",
			fix: "define at least one target",
		},
		"root is a list": {
			data: yml("- build", "- promote"),
			line: 1, col: 1,
			msg: "the rules file must be a mapping of keys (app, timeout, targets), not a list",
			fix: "start the file with keys such as app: and targets:",
		},
		"two documents": {
			data: yml("app: a", "targets:", "  staging: {branches: [master], rack: r, steps: [deploy]}", "---", "app: b"),
			line: 5, col: 1,
			msg: "the rules file holds more than one YAML document",
			fix: "keep one document",
		},
		"alias": {
			data: yml("app: a", "targets:", "  staging: &s {branches: [master], rack: r, steps: [deploy]}", "  other: *s"),
			line: 3, col: 12,
			msg: "anchors (&name) and aliases (*name) are not supported",
			fix: "write the value out in full",
		},
		"bad target name": {
			data: yml("app: a", "targets:", "  my staging: {branches: [master], rack: r, steps: [deploy]}"),
			line: 3, col: 3,
			msg: `target name "my staging" has characters other than letters, digits`,
			fix: "use letters, digits",
		},
		"no steps": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps: []"),
			line: 6, col: 12,
			msg: `target "staging" has no steps`,
			fix: "add at least one step",
		},
		"service from a variable": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org/staging", "    steps:", "      - deploy", "      - run: {service: \"${SERVICE}\", command: bin/migrate}"),
			line: 8, col: 24,
			msg: `service "${SERVICE}" is not a service name`,
			fix: "write the service's name as in convox.yml",
		},
		"rack with a space": {
			data: yml("app: a", "targets:", "  staging:", "    branches: [master]", "    rack: org staging", "    steps: [deploy]"),
			line: 5, col: 11,
			msg: `rack "org staging" has a space in it`,
			fix: "write the rack's name without spaces",
		},
	}
	lookup := env(map[string]string{"EMPTY": "", "RACK": "org/staging"})
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := Parse("convox-ci.yml", tc.data, lookup)
			require.Nil(t, f)
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, "convox-ci.yml", e.File)
			require.Equal(t, [2]int{tc.line, tc.col}, [2]int{e.Line, e.Column}, "position of %q", e.Msg)
			require.Contains(t, e.Msg, tc.msg)
			require.Contains(t, e.Fix, tc.fix)
			require.True(t, strings.HasPrefix(err.Error(), "convox-ci.yml:"), err.Error())
		})
	}
}

// The top-level app is part of every target that takes it: a ${VAR} the
// environment lacks there is each such target's error, at the app's
// position, and not the file's (a target naming its own app runs).
func TestTopLevelAppVariableWaitsOnTheTargetsTakingIt(t *testing.T) {
	lookup := env(map[string]string{"EMPTY": ""})
	for name, tc := range map[string]struct {
		app       string
		line, col int
		msg, fix  string
	}{
		"missing": {app: "${APP_NAME}", line: 1, col: 6, msg: "environment variable APP_NAME (for ${APP_NAME}) is not set", fix: "set APP_NAME in the CI's environment"},
		"empty":   {app: "pre-${EMPTY}", line: 1, col: 10, msg: "environment variable EMPTY (for ${EMPTY}) is empty", fix: "give EMPTY a value"},
	} {
		t.Run(name, func(t *testing.T) {
			f, err := Parse("convox-ci.yml", yml("app: "+tc.app, "targets:",
				"  staging: {branches: [master], rack: r, steps: [deploy]}",
				"  production: {tags: [v*], rack: r, app: myapp, steps: [deploy]}"), lookup)
			require.NoError(t, err)
			var e *Error
			require.ErrorAs(t, f.Targets[0].Err(), &e)
			require.Equal(t, [2]int{tc.line, tc.col}, [2]int{e.Line, e.Column}, "position of %q", e.Msg)
			require.Contains(t, e.Msg, tc.msg)
			require.Contains(t, e.Fix, tc.fix)
			require.NoError(t, f.Targets[1].Err())
			require.Equal(t, "myapp", f.Targets[1].App)
		})
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := Parse("ci/rules.yml", yml("app: a", "targets:", "  staging:", "    brnches: [master]"), nil)
	require.EqualError(t, err, `ci/rules.yml:4:5: unknown key "brnches" in target "staging" (did you mean "branches"?); fix: rename it to "branches"`)
}

func TestParseDefaultPath(t *testing.T) {
	_, err := Parse("", nil, nil)
	require.EqualError(t, err, "convox-ci.yml:1:1: the rules file is empty; fix: define at least one target, e.g. "+exampleTarget)
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(t.TempDir()+"/convox-ci.yml", nil)
	require.ErrorContains(t, err, "reading rules file")
	var e *Error
	require.False(t, errors.As(err, &e), "an unreadable file is not a content error")
}
