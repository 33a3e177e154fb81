#!/usr/bin/env bash
# Runs one convox-ci command from the orb's parameters, which arrive as PARAM_*
# variables. Secrets never pass through here as values: only the names of the
# variables holding them (PARAM_HOST_ENV, PARAM_PASSWORD_ENV).
set -euo pipefail

die() {
  echo "convox-ci orb: $*" >&2
  exit 2
}

# from_env TARGET NAME: export TARGET with the value of the variable named NAME,
# unless NAME is TARGET itself (the default), which convox-ci reads directly.
from_env() {
  local target=$1 name=$2
  if [[ -z $name || $name == "$target" ]]; then
    return 0
  fi
  [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "not an environment variable name: $name"
  [[ -n ${!name:-} ]] || die "$name is empty: set it in the project settings or a context"
  export "$target=${!name}"
}

from_env CONVOX_HOST "${PARAM_HOST_ENV:-}"
from_env CONVOX_PASSWORD "${PARAM_PASSWORD_ENV:-}"

bin=${CONVOX_CI_BIN:-convox-ci}
command -v "$bin" >/dev/null 2>&1 ||
  die "$bin is not on PATH: use the convox-ci/default executor, or run the convox-ci/install command first"

args=()
[[ -n ${PARAM_RACK:-} ]] && args+=(--rack "$PARAM_RACK")
[[ -n ${PARAM_APP:-} ]] && args+=(--app "$PARAM_APP")
[[ -n ${PARAM_CONFIG:-} ]] && args+=(--config "$PARAM_CONFIG")
[[ -n ${PARAM_TIMEOUT:-} ]] && args+=(--timeout "$PARAM_TIMEOUT")
[[ -n ${PARAM_RESULT_FILE:-} ]] && args+=(--result-file "$PARAM_RESULT_FILE")

verb=${PARAM_VERB:?PARAM_VERB is not set}
case $verb in
ci)
  # What the pipeline says about the build (pipeline values such as
  # pipeline.event.github.pull_request.number), over CircleCI's variables.
  [[ -n ${PARAM_BRANCH:-} ]] && export CONVOX_CI_BRANCH=$PARAM_BRANCH
  [[ -n ${PARAM_TAG:-} ]] && export CONVOX_CI_TAG=$PARAM_TAG
  [[ -n ${PARAM_PULL_REQUEST:-} ]] && export CONVOX_CI_PULL_REQUEST=$PARAM_PULL_REQUEST
  [[ -n ${PARAM_COMMIT:-} ]] && export CONVOX_CI_COMMIT=$PARAM_COMMIT
  if [[ ${PARAM_PLAN_ONLY:-false} == true ]]; then
    args+=(plan)
  else
    args+=(ci)
  fi
  ;;
build)
  args+=(build)
  [[ -n ${PARAM_DESCRIPTION:-} ]] && args+=(--description "$PARAM_DESCRIPTION")
  args+=("${PARAM_DIR:-.}")
  ;;
deploy)
  args+=(deploy "${PARAM_DIR:-.}")
  ;;
run)
  [[ -n ${PARAM_SERVICE:-} ]] || die "service is required"
  [[ -n ${PARAM_COMMAND:-} ]] || die "command is required"
  args+=(run)
  [[ -n ${PARAM_RELEASE:-} ]] && args+=(--release "$PARAM_RELEASE")
  args+=(-- "$PARAM_SERVICE" "$PARAM_COMMAND")
  ;;
env)
  args+=(env set --replace)
  [[ ${PARAM_PROMOTE:-false} == true ]] && args+=(--promote)
  [[ -n ${PARAM_ENV_FILE:-} ]] && args+=(--env-file "$PARAM_ENV_FILE")
  set -f
  # shellcheck disable=SC2086 # word splitting is the point: KEY=VALUE pairs
  for pair in ${PARAM_VARS:-}; do
    [[ $pair == [A-Za-z_]*=* ]] || die "not a KEY=VALUE pair in vars: ${pair%%=*}"
    args+=("$pair")
  done
  set +f
  ;;
promote)
  # An earlier convox-ci step in this job exported CONVOX_RELEASE_ID.
  release=${PARAM_RELEASE:-${CONVOX_RELEASE_ID:-}}
  [[ -n $release ]] || die "no release to promote: set release, or build or deploy earlier in this job"
  args+=(releases promote "$release")
  ;;
*)
  die "unknown command: $verb"
  ;;
esac

echo "convox-ci $verb"
exec "$bin" "${args[@]}"
