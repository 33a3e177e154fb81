#!/usr/bin/env bash
# Plain `docker run`: any CI (or a laptop) that can run a container can use the
# pinned image. The checkout is mounted at /src; settings go in as environment
# variables, named on the command line only (-e NAME), so no value is echoed.
#
#   CONVOX_HOST=console.convox.com CONVOX_PASSWORD=<deploy key> ./run.sh plan
#   CONVOX_HOST=... CONVOX_PASSWORD=... DATABASE_URL=... ./run.sh          # the rules file
#   CONVOX_HOST=... CONVOX_PASSWORD=... ./run.sh deploy --rack org/staging --app example-app
#
# Extra `docker run` arguments go in CONVOX_CI_DOCKER_ARGS, split on spaces; a
# Rack on this machine (`convox-ci simulate`) needs the host's network:
#   CONVOX_CI_DOCKER_ARGS="--network host" CONVOX_HOST=http://127.0.0.1:5443 ... ./run.sh plan
#
# With no arguments convox-ci runs the rules file (convox-ci.yml); it learns the
# branch, tag and commit from the CI's variables, so pass those through too
# (here: the ones of the common CIs, when set).
set -euo pipefail

image=${CONVOX_CI_IMAGE:-ghcr.io/convox-ci/convox-ci:v1.0.0}

env_args=()
for name in CONVOX_HOST CONVOX_PASSWORD CONVOX_RACK CONVOX_APP CONVOX_CI_TIMEOUT DATABASE_URL; do
  [[ -n ${!name:-} ]] && env_args+=(-e "$name")
done
# CI context: every variable of the CIs convox-ci knows, by prefix.
while IFS='=' read -r name _; do
  env_args+=(-e "$name")
done < <(env | grep -E '^(CI|GITHUB_|CIRCLE|TRAVIS|GITLAB_|CI_|BITBUCKET_|DRONE|JENKINS_URL|BUILD_|BRANCH_NAME|TAG_NAME|CHANGE_|GIT_|BUILDKITE)[A-Za-z0-9_]*=' || true)

docker_args=()
read -r -a docker_args <<<"${CONVOX_CI_DOCKER_ARGS:-}"

exec docker run --rm \
  -v "$PWD:/src" -w /src \
  -e CONVOX_CI_RESULT_FILE=/src/convox-result.json \
  "${env_args[@]}" \
  "${docker_args[@]}" \
  "$image" "$@"
