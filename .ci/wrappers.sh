#!/usr/bin/env bash
# Checks every CI wrapper of convox-ci with its own ecosystem's tools:
#   action.yml and examples/github   action-validator (SchemaStore schemas), actionlint
#   orbs/src and examples/circleci   packed like `circleci orb pack`, parsed by
#                                    @circleci/circleci-config-parser, orb-tools review rules
#   .goreleaser.yaml                 goreleaser check, or goreleaser's own strict loader
#   Dockerfile                       dockerfile-utils lint + the image's contract
#   shell scripts                    shellcheck
#   examples/jenkins/Jenkinsfile     parsed by Groovy
#   every YAML file                  yamllint
#   image and release pins           one version everywhere, never a floating tag
#
# Tools come from the Go module proxy, npm and Debian, pinned, and are cached under
# $CONVOX_CI_TOOLS (default ~/.cache/convox-ci-tools); a second run installs nothing.
# Prints what each validator checked; exits non-zero if any check fails.
# shellcheck disable=SC2016 # single-quoted programs (node, bash -c) take their values as arguments
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ACTIONLINT_VERSION=v1.7.12
# v2.16.0: newer releases need Go 1.27 or a module the proxy does not serve.
GORELEASER_VERSION=v2.16.0
NPM_PACKAGES=(
  @action-validator/cli@0.6.0
  @action-validator/core@0.6.0
  @circleci/circleci-config-parser@0.10.0-alpha.3
  dockerfile-utils@0.16.3
  yaml@2.9.1
)
APT_PACKAGES=(shellcheck yamllint groovy)

tools=${CONVOX_CI_TOOLS:-$HOME/.cache/convox-ci-tools}
gobin=$tools/go/bin
nodedir=$tools/node
mkdir -p "$gobin" "$nodedir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=0
section() { printf '\n== %s\n' "$*"; }
ok() { printf '  ok   %s\n' "$*"; }
fail() {
  printf '  FAIL %s\n' "$*"
  failures=$((failures + 1))
}
# check DESCRIPTION CMD...: run a validator, report it, keep going on failure.
check() {
  local what=$1
  shift
  local out
  if out=$("$@" 2>&1); then
    ok "$what"
    [[ -z $out ]] || printf '%s\n' "$out" | sed 's/^/       /'
  else
    fail "$what"
    printf '%s\n' "$out" | sed 's/^/       /'
  fi
}

# ---------------------------------------------------------------- install
section "installing validators (cached in $tools)"

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "  apt: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq >/dev/null
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "  apt: $(dpkg-query -W -f '${Package} ${Version}, ' "${APT_PACKAGES[@]}")"

if [[ ! -x $gobin/actionlint ]] || [[ $("$gobin/actionlint" -version | head -1) != "${ACTIONLINT_VERSION#v}" ]]; then
  (cd "$work" && GOBIN=$gobin GOFLAGS="" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION")
fi
echo "  go: actionlint $("$gobin/actionlint" -version | head -1)"

# goreleaser: the full CLI takes 6 to 13 minutes to build on 2 cores, so by default
# check with goreleaser's own strict config loader (pkg/config, the code
# `goreleaser check` starts with), built from the same release in seconds. A
# goreleaser $GORELEASER_VERSION already in $gobin, or CONVOX_CI_GORELEASER=full,
# runs the real `goreleaser check` instead.
goreleaser_mode=loader
if [[ ${CONVOX_CI_GORELEASER:-} == full ]] && ! "$gobin/goreleaser" --version 2>/dev/null | grep -q "${GORELEASER_VERSION#v}"; then
  (cd "$work" && GOBIN=$gobin GOFLAGS="" go install "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION")
fi
if "$gobin/goreleaser" --version 2>/dev/null | grep -q "GitVersion:.*${GORELEASER_VERSION#v}"; then
  goreleaser_mode=full
  echo "  go: goreleaser $GORELEASER_VERSION (full CLI)"
else
  loader=$tools/grcheck-$GORELEASER_VERSION
  if [[ ! -x $loader/grcheck ]]; then
    mkdir -p "$loader"
    cat >"$loader/main.go" <<'GO'
// Command grcheck loads goreleaser configuration files with goreleaser's own
// strict loader: an unknown or misplaced field fails, as in `goreleaser check`.
package main

import (
	"fmt"
	"os"

	"github.com/goreleaser/goreleaser/v2/pkg/config"
)

func main() {
	code := 0
	for _, path := range os.Args[1:] {
		if _, err := config.Load(path); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			code = 1
			continue
		}
		fmt.Printf("%s: loaded strictly\n", path)
	}
	os.Exit(code)
}
GO
    printf 'module grcheck\n\ngo 1.25\n\nrequire github.com/goreleaser/goreleaser/v2 %s\n' "$GORELEASER_VERSION" >"$loader/go.mod"
    (cd "$loader" && GOFLAGS=-mod=mod go build -o grcheck .)
  fi
  echo "  go: goreleaser $GORELEASER_VERSION pkg/config strict loader"
fi

[[ -f $nodedir/package.json ]] || echo '{"private": true}' >"$nodedir/package.json"
need_npm=0
for spec in "${NPM_PACKAGES[@]}"; do
  name=${spec%@*}
  want=${spec##*@}
  have=$(node -p "try { require('$nodedir/node_modules/$name/package.json').version.replace(/^v/, '') } catch (e) { '' }")
  [[ $have == "$want" ]] || need_npm=1
done
if ((need_npm)); then
  (cd "$nodedir" && npm install --no-audit --no-fund --loglevel=error --save-exact "${NPM_PACKAGES[@]}" >/dev/null 2>&1) ||
    (cd "$nodedir" && npm install --no-audit --no-fund --loglevel=error --save-exact "${NPM_PACKAGES[@]}")
fi
echo "  npm: ${NPM_PACKAGES[*]}"
export NODE_PATH=$nodedir/node_modules
if [[ -z ${JAVA_HOME:-} || ! -x ${JAVA_HOME:-}/bin/java ]] && command -v java >/dev/null; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  export JAVA_HOME
fi

# ---------------------------------------------------------------- pins
section "pins: one release everywhere, never a floating tag"
image_ref=$(sed -n 's|^ *image: docker://\(ghcr.io/convox-ci/convox-ci:.*\)$|\1|p' action.yml)
tag=${image_ref##*:}
if [[ $tag =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  ok "action.yml runs the prebuilt image $image_ref (an exact release; no Docker build per job)"
else
  fail "action.yml must run docker://ghcr.io/convox-ci/convox-ci:vX.Y.Z, found '${image_ref:-nothing}'"
fi
version=${tag#v}
while IFS= read -r line; do
  file=${line%%:*}
  ref=$(grep -o "ghcr.io/convox-ci/convox-ci:[^ \"'}]*" <<<"${line#*:}" | head -1)
  [[ $ref == "ghcr.io/convox-ci/convox-ci:$tag" || $ref == "ghcr.io/convox-ci/convox-ci:$tag@sha256:<digest>" ]] ||
    fail "$file uses $ref, not $tag"
done < <(grep -rn 'ghcr.io/convox-ci/convox-ci:' action.yml orbs examples --exclude-dir=app | grep -v 'ghcr.io/convox-ci/convox-ci:<')
grep -rqn 'convox-ci:latest\|convox-ci@latest' action.yml orbs examples --exclude-dir=app && fail "a wrapper uses a floating 'latest'"
for f in orbs/src/executors/default.yml orbs/src/jobs/ci.yml; do
  grep -q "default: $tag\$" "$f" || fail "$f: the image tag default is not $tag"
done
grep -q "default: $version\$" orbs/src/commands/install.yml || fail "orbs/src/commands/install.yml: version default is not $version"
bad_orb=$(grep -rno 'convox-ci/convox-ci@[0-9][^ ]*' orbs examples --exclude-dir=app | grep -v "@$version\$" || true)
[[ -z $bad_orb ]] || fail "orb references not at @$version: $bad_orb"
grep -rq "CONVOX_CI_VERSION=$version\$" examples/travis/.travis.yml || fail "examples/travis/.travis.yml does not install $version"
((failures)) || ok "image tag $tag, orb @$version and release $version agree in action.yml, orbs/ and examples/"

# ---------------------------------------------------------------- GitHub
section "GitHub Action: action.yml and examples/github"
av=$nodedir/node_modules/@action-validator/cli/cli.mjs
check "action.yml: action metadata schema (action-validator)" node "$av" action.yml
for wf in examples/github/*.yml; do
  check "$wf: workflow schema (action-validator)" node "$av" "$wf"
done
# actionlint checks workflows; to also check each use of the action against
# action.yml (input names, outputs read), lint copies that use it as a local action.
mkdir -p "$work/gh/.github/workflows"
cp action.yml "$work/gh/"
for wf in examples/github/*.yml; do
  sed 's#uses: convox-ci/convox-ci@v1$#uses: ./#' "$wf" >"$work/gh/.github/workflows/${wf##*/}"
done
check "examples/github: actionlint $ACTIONLINT_VERSION (syntax, expressions, shellcheck of run:, inputs and outputs against action.yml)" \
  bash -c 'cd "$1" && git init -q . && "$2" -no-color -shellcheck=shellcheck' _ "$work/gh" "$gobin/actionlint"
inputs=$(node -e '
  const y = require("yaml"); const a = y.parse(require("fs").readFileSync("action.yml", "utf8"));
  console.log(Object.keys(a.inputs || {}).join(" "));')
bad_inputs=()
for id in $inputs; do
  [[ $id =~ ^[a-z][a-z0-9_]*$ ]] || bad_inputs+=("$id (not snake_case)")
  name="INPUT_${id^^}"
  if [[ -d cmd/convox-ci ]] && ! grep -rqE "[\",]${name}[\",]" cmd/convox-ci; then
    [[ $id == command ]] && grep -rq 'INPUT_COMMAND' cmd/convox-ci && continue
    bad_inputs+=("$id ($name is not read by cmd/convox-ci)")
  fi
done
if ((${#bad_inputs[@]})); then
  fail "action.yml inputs: ${bad_inputs[*]}"
else
  ok "action.yml inputs are snake_case and each INPUT_<ID> is read by cmd/convox-ci: $inputs"
fi

# ---------------------------------------------------------------- CircleCI
section "CircleCI: orbs/src and examples/circleci"
cat >"$work/circleci-check.cjs" <<'JS'
// Packs the orb source like `circleci orb pack` and checks the orb and every
// CircleCI config with CircleCI's own config parser (@circleci/circleci-config-parser),
// plus the orb-tools review rules that need no network.
// Usage: node circleci-check.cjs ORB_SRC_DIR PACKED_OUT ORB_ALIAS CONFIG...
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');
const P = require('@circleci/circleci-config-parser');

const [srcDir, packedOut, alias, ...configs] = process.argv.slice(2);
const failures = [];
const fail = (where, msg) => failures.push(`${where}: ${msg}`);
const note = (msg) => console.log(`  ${msg}`);

function load(file) {
  const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'), { prettyErrors: true });
  if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map(String).join('; ')}`);
  return doc.toJS();
}

// --- pack ---------------------------------------------------------------
function resolveIncludes(node, where) {
  if (typeof node === 'string') {
    const m = node.match(/<<\s*include\(([^)]+)\)\s*>>/);
    if (!m) return node;
    if (node.trim() !== m[0]) throw new Error(`${where}: <<include()>> must be the whole value`);
    const file = path.join(srcDir, m[1].trim());
    if (!fs.existsSync(file)) throw new Error(`${where}: included file ${m[1]} does not exist`);
    return fs.readFileSync(file, 'utf8');
  }
  if (Array.isArray(node)) return node.map((v, i) => resolveIncludes(v, `${where}[${i}]`));
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) out[k] = resolveIncludes(v, `${where}.${k}`);
    return out;
  }
  return node;
}

function pack() {
  const orb = load(path.join(srcDir, '@orb.yml'));
  for (const kind of ['commands', 'jobs', 'executors', 'examples']) {
    const dir = path.join(srcDir, kind);
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, f);
      if (fs.statSync(full).isDirectory()) { fail(full, 'orb pack ignores sub-directories'); continue; }
      if (!/\.ya?ml$/.test(f)) continue;
      orb[kind] = orb[kind] || {};
      orb[kind][f.replace(/\.ya?ml$/, '')] = resolveIncludes(load(full), `${kind}/${f}`);
    }
  }
  return orb;
}

// --- orb-tools review rules (the offline ones) ---------------------------
function review(orb) {
  if (!orb.version) fail('@orb.yml', 'no version');
  if (!orb.description) fail('@orb.yml', 'RC002 no description');
  if (!orb.display || !orb.display.source_url) fail('@orb.yml', 'RC001 no display.source_url');
  if (!orb.examples || !Object.keys(orb.examples).length) fail('orb', 'RC003 no example');
  const snake = /^[a-z][a-z0-9_]*$/;
  for (const kind of ['commands', 'jobs', 'executors', 'examples']) {
    for (const [name, body] of Object.entries(orb[kind] || {})) {
      const where = `${kind}/${name}`;
      if (!snake.test(name)) fail(where, 'RC010 name is not snake_case');
      if (!body.description) fail(where, 'RC002 no description');
      for (const [p, spec] of Object.entries(body.parameters || {})) {
        if (!snake.test(p)) fail(where, `RC010 parameter ${p} is not snake_case`);
        if (!spec.description) fail(where, `RC002 parameter ${p} has no description`);
        if (typeof spec.default === 'string' && /\$[A-Z_{]/.test(spec.default)) fail(where, `RC012 parameter ${p} defaults to an environment variable`);
        if (/(password|key|token|secret)/.test(p) && spec.type !== 'env_var_name') fail(where, `parameter ${p} looks secret: make it an env_var_name`);
      }
      for (const step of body.steps || []) {
        if (step && step.run && (typeof step.run !== 'object' || !step.run.name)) fail(where, 'RC008 run step without a name');
      }
      if (kind === 'examples' && !body.usage) fail(where, 'RC003 example without usage');
    }
  }
}

function checkIncludesInSource() {
  // RC009: complex run commands live in scripts/ and are <<include>>d.
  const dir = path.join(srcDir, 'commands');
  for (const f of fs.readdirSync(dir)) {
    const body = load(path.join(dir, f));
    for (const step of body.steps || []) {
      const cmd = step && step.run && step.run.command;
      if (typeof cmd === 'string' && cmd.split('\n').length > 3 && !/<<\s*include/.test(cmd)) fail(`commands/${f}`, 'RC009 long inline command: put it in scripts/ and <<include>> it');
    }
  }
}

// --- parse with CircleCI's parser ----------------------------------------
function parseOrb(orb) {
  const executors = orb.executors && P.parseReusableExecutors(orb.executors);
  const commands = orb.commands && P.parseReusableCommands(orb.commands);
  P.parseJobList(orb.jobs || {}, commands, executors);
  note(`orb parsed: ${Object.keys(orb.commands || {}).length} commands, ${Object.keys(orb.jobs || {}).length} jobs, ${Object.keys(orb.executors || {}).length} executors, ${Object.keys(orb.examples || {}).length} examples`);
}

function manifestOf(orb) {
  const params = (sec) => Object.fromEntries(Object.entries(orb[sec] || {}).map(([n, b]) => [n, b.parameters || {}]));
  return { jobs: params('jobs'), commands: params('commands'), executors: params('executors') };
}

// The parser does not check parameter names on orb references; do it here.
const workflowJobKeys = new Set(['name', 'context', 'filters', 'requires', 'matrix', 'pre-steps', 'post-steps', 'type', 'serial-group', 'override-with']);
function checkOrbRefs(where, config, orbAlias, manifest) {
  const check = (kind, ref, args, extra) => {
    const name = ref.slice(orbAlias.length + 1);
    const params = manifest[kind][name];
    if (!params) { fail(where, `${ref}: no such ${kind.slice(0, -1)} in the orb`); return; }
    for (const a of Object.keys(args || {})) {
      if (!(a in params) && !(extra && extra.has(a))) fail(where, `${ref}: unknown parameter ${a}`);
    }
    for (const [p, spec] of Object.entries(params)) {
      if (!('default' in spec) && !(args && p in args)) fail(where, `${ref}: required parameter ${p} not given`);
    }
  };
  const isRef = (k) => typeof k === 'string' && k.startsWith(`${orbAlias}/`);
  const steps = (list) => (list || []).forEach((s) => {
    if (typeof s === 'string' && isRef(s)) check('commands', s, {});
    else if (s && typeof s === 'object') for (const [k, v] of Object.entries(s)) if (isRef(k)) check('commands', k, v);
  });
  for (const job of Object.values(config.jobs || {})) {
    steps(job.steps);
    const ex = job.executor;
    if (typeof ex === 'string' && isRef(ex)) check('executors', ex, {});
    if (ex && typeof ex === 'object' && isRef(ex.name)) { const { name, ...rest } = ex; check('executors', name, rest); }
  }
  for (const wf of Object.values(config.workflows || {})) {
    for (const j of (wf && wf.jobs) || []) {
      if (typeof j === 'string' && isRef(j)) check('jobs', j, {});
      else if (j && typeof j === 'object') for (const [k, v] of Object.entries(j)) if (isRef(k)) check('jobs', k, v, workflowJobKeys);
    }
  }
}

function checkConfig(where, config, manifests) {
  try {
    // The parser requires a jobs map even when every job comes from an orb.
    P.parseConfig({ jobs: {}, ...config }, manifests);
  } catch (e) {
    fail(where, String(e.message || e).split('\n').slice(0, 3).join(' / '));
    return;
  }
  const aliases = Object.keys(config.orbs || {});
  for (const a of aliases) if (manifests[a]) checkOrbRefs(where, config, a, manifests[a].__raw);
  note(`${where}: parsed (${Object.keys(config.jobs || {}).length} jobs, ${Object.keys(config.workflows || {}).length} workflows, orbs: ${aliases.join(', ') || 'none'})`);
}

try {
  const orb = pack();
  fs.writeFileSync(packedOut, YAML.stringify(orb));
  note(`packed ${srcDir} into ${packedOut}`);
  review(orb);
  checkIncludesInSource();
  parseOrb(orb);
  const raw = manifestOf(orb);
  const manifest = P.parseOrbManifest(raw);
  manifest.__raw = raw;
  const manifests = { [alias]: manifest };
  for (const [name, ex] of Object.entries(orb.examples || {})) {
    if (ex.usage) checkConfig(`orb example ${name}`, ex.usage, manifests);
  }
  for (const file of configs) checkConfig(file, load(file), manifests);
} catch (e) {
  fail('circleci', String(e.message || e).split('\n').slice(0, 4).join(' / '));
}
if (failures.length) {
  for (const f of failures) console.error(`  FAIL ${f}`);
  process.exit(1);
}
JS
circle_configs=(examples/circleci/*/.circleci/config.yml)
check "orb packed (orb pack layout, <<include>>s resolved), orb-tools review rules RC001-RC003 RC008-RC010 RC012, secrets as env_var_name; orb, its examples and ${circle_configs[*]} parsed by @circleci/circleci-config-parser, orb references checked against the packed orb's parameters" \
  node "$work/circleci-check.cjs" orbs/src "$work/orb.yml" convox-ci "${circle_configs[@]}"
check "orbs/src/scripts/*.sh: shellcheck" shellcheck -s bash orbs/src/scripts/*.sh

# ---------------------------------------------------------------- goreleaser
section "goreleaser: .goreleaser.yaml"
if [[ $goreleaser_mode == full ]]; then
  check ".goreleaser.yaml: goreleaser check ($GORELEASER_VERSION)" "$gobin/goreleaser" check
else
  check ".goreleaser.yaml: goreleaser $GORELEASER_VERSION strict config load (goreleaser check itself: CONVOX_CI_GORELEASER=full)" \
    "$tools/grcheck-$GORELEASER_VERSION/grcheck" .goreleaser.yaml
fi
gr_contract() {
  local f=.goreleaser.yaml
  grep -q 'CGO_ENABLED=0' $f && grep -q -- '-trimpath' $f && grep -q -- '-X main.version={{ .Version }}' $f &&
    grep -q 'mod_timestamp:' $f && grep -q 'goos: \[linux, darwin\]' $f && grep -q 'goarch: \[amd64, arm64\]' $f &&
    grep -q 'name_template: checksums.txt' $f && grep -q '^sboms:' $f && grep -q '^dockers_v2:' $f &&
    grep -q 'BINARY_SOURCE: prebuilt' $f &&
    grep -q 'name_template: "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}"' $f
}
check ".goreleaser.yaml: static linux/darwin amd64/arm64, -trimpath, version ldflag, mod_timestamp, checksums.txt, SBOM, image from the released binaries" gr_contract

# ---------------------------------------------------------------- Docker
section "Docker: Dockerfile"
check "Dockerfile: dockerfile-utils lint (hadolint is in none of the reachable registries)" \
  node -e '
    const u = require("dockerfile-utils"); const fs = require("fs");
    const text = fs.readFileSync("Dockerfile", "utf8");
    const problems = u.validate(text, {});
    for (const p of problems) console.log(`Dockerfile:${p.range.start.line + 1}: ${p.message}`);
    process.exit(problems.length ? 1 : 0);'
docker_contract() {
  local final
  final=$(awk '/^FROM /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' Dockerfile)
  grep -q '^ENTRYPOINT \["/usr/local/bin/convox-ci"\]$' <<<"$final" || { echo "final stage: ENTRYPOINT must be exec form with the absolute path"; return 1; }
  ! grep -q '^USER ' <<<"$final" || { echo "final stage: no USER (GitHub runs Docker actions as root)"; return 1; }
  ! grep -q '^WORKDIR ' <<<"$final" || { echo "final stage: no WORKDIR (the runner sets the workspace)"; return 1; }
  ! grep -q '^CMD ' <<<"$final" || { echo "final stage: no CMD (no arguments means: run the rules file)"; return 1; }
  grep -q 'ca-certificates' <<<"$final" || { echo "final stage: no CA certificates"; return 1; }
  if ! grep -q 'CGO_ENABLED=0' Dockerfile || ! grep -q -- '-trimpath' Dockerfile || ! grep -q -- '-X main.version=' Dockerfile; then
    echo "build stage: CGO_ENABLED=0, -trimpath and -X main.version= are required"
    return 1
  fi
}
check "Dockerfile: exec-form absolute ENTRYPOINT, root, no WORKDIR/CMD in the final stage, CA certificates, static trimmed stamped build" docker_contract
if docker info >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; then
  check "Dockerfile: docker build --check (BuildKit's own checks)" docker buildx build --check .
else
  echo "  skip docker build --check: no Docker daemon here"
fi

# ---------------------------------------------------------------- other CIs
section "Jenkins, Travis, GitLab, Bitbucket, Drone, Woodpecker, docker run"
check "examples/jenkins/Jenkinsfile: parses as Groovy (Groovy $(dpkg-query -W -f '${Version}' groovy))" \
  bash -c 'cat >"$1/parse.groovy" <<"GROOVY"
args.each { f -> new GroovyShell().parse(new File(f)); println "${f}: parses" }
GROOVY
groovy "$1/parse.groovy" examples/jenkins/Jenkinsfile 2>&1 | grep -v "^WARNING"; exit "${PIPESTATUS[0]}"' _ "$work"
check "examples/docker/run.sh: shellcheck" shellcheck examples/docker/run.sh
plugin_style() {
  node -e '
    const y = require("yaml"); const fs = require("fs");
    const src = fs.readFileSync("cmd/convox-ci/globals.go", "utf8") + fs.readFileSync("cmd/convox-ci/cli.go", "utf8");
    let bad = 0;
    for (const f of process.argv.slice(1)) {
      for (const doc of y.parseAllDocuments(fs.readFileSync(f, "utf8"))) {
        const steps = doc.toJS().steps || [];
        for (const s of (Array.isArray(steps) ? steps : Object.values(steps))) {
          if (!String(s.image).startsWith("ghcr.io/convox-ci/convox-ci:")) continue;
          // Woodpecker 2.7+ makes a step with environment: a commands step.
          const woodpecker = f.includes("woodpecker");
          const commandsStep = s.commands || s.entrypoint || (woodpecker && s.environment);
          if (s.settings && commandsStep) { console.log(`${f}: step ${s.name}: both a plugin (settings) and a commands step (commands, entrypoint${woodpecker ? ", environment" : ""})`); bad++; }
          if (!s.settings) {
            const cmds = [].concat(s.commands || []);
            if (!cmds.length || !cmds.every((c) => /^convox-ci( |$)/.test(c))) { console.log(`${f}: step ${s.name}: a commands step runs convox-ci`); bad++; }
            console.log(`${f}: step ${s.name}: commands step: ${cmds.join("; ")}`);
            continue;
          }
          for (const k of Object.keys(s.settings || {})) {
            const env = "PLUGIN_" + k.toUpperCase().replace(/-/g, "_");
            if (!new RegExp(`[",]${env}[",]`).test(src)) { console.log(`${f}: step ${s.name}: setting ${k} arrives as ${env}, which convox-ci does not read`); bad++; }
          }
          console.log(`${f}: step ${s.name}: settings ${Object.keys(s.settings || {}).join(", ")} -> PLUGIN_*`);
        }
      }
    }
    process.exit(bad ? 1 : 0);' examples/drone/.drone.yml examples/woodpecker/.woodpecker.yml
}
if [[ -f cmd/convox-ci/globals.go && -f cmd/convox-ci/cli.go ]]; then
  check "examples/drone, examples/woodpecker: no step both a plugin and a commands step (Woodpecker 2.7+: environment makes a commands step), every setting read as PLUGIN_<NAME> by cmd/convox-ci" plugin_style
fi
gitlab_entrypoint() { grep -q 'entrypoint: \[""\]' examples/gitlab/.gitlab-ci.yml; }
check "examples/gitlab/.gitlab-ci.yml: clears the image's ENTRYPOINT for GitLab's shell" gitlab_entrypoint

# ---------------------------------------------------------------- YAML
section "YAML: every wrapper file (yamllint $(dpkg-query -W -f '${Version}' yamllint))"
mapfile -t yamls < <(
  {
    echo action.yml
    echo .goreleaser.yaml
    find orbs examples -path examples/app -prune -o -type f \( -name '*.yml' -o -name '*.yaml' \) -print
  } | sort
)
cat >"$work/yamllint.yml" <<'YL'
extends: default
rules:
  line-length: disable
  document-start: disable
  truthy: {allowed-values: ["true", "false", "on"], check-keys: false}
  comments: {min-spaces-from-content: 1}
  comments-indentation: disable
  braces: {max-spaces-inside: 1}
  brackets: {max-spaces-inside: 1}
YL
check "yamllint (syntax, duplicate keys, indentation) on ${#yamls[@]} files" yamllint -s -c "$work/yamllint.yml" "${yamls[@]}"
printf '       %s\n' "${yamls[@]}"

# ---------------------------------------------------------------- result
section "result"
echo "  not checked here (no tool in the reachable registries; checked by hand):"
echo "    Travis, GitLab and Bitbucket keys against their services' schemas (only YAML validity here),"
echo "    Jenkins step names (Groovy syntax only), hadolint rules. The image building and running: .ci/image.sh."
if ((failures)); then
  echo "  $failures check(s) FAILED"
  exit 1
fi
echo "  all wrapper checks passed"
