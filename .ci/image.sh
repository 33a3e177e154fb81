#!/usr/bin/env bash
# shellcheck disable=SC2016 # single-quoted programs (bash -c, mmdebstrap hooks) take their values as arguments
# The image for real: starts a container engine, builds the image from the
# Dockerfile (BuildKit, BINARY_SOURCE=prebuilt as goreleaser does, on a base that
# can be had here), prints its size, and runs it against the simulated Rack the
# way each CI runs it:
#   - GitHub's docker-action runner: workspace mounted at /github/workspace
#     (owned by the runner's uid, not root), INPUT_* and GITHUB_* variables, the
#     file commands ($GITHUB_OUTPUT, $GITHUB_ENV, $GITHUB_STEP_SUMMARY) read back;
#   - CircleCI's primary container: ENTRYPOINT replaced, the checkout cloned with
#     the image's git, each step a `bash -eo pipefail` with $BASH_ENV, the orb's
#     script run, and a later step reading CONVOX_RELEASE_ID from $BASH_ENV;
#   - a Drone plugin: PLUGIN_* settings, /drone/src, a tag event importing the
#     staging build into org/production.
# Each run is checked on the Rack's side. If the engine cannot start, this says
# why and fails: it is never skipped.
#
# The base: CONVOX_CI_BASE_IMAGE if set; else alpine (the Dockerfile's default)
# when Docker Hub answers; else a base built here from Debian's packages
# (mmdebstrap: bash, ca-certificates, git, openssh-client), cached in
# $CONVOX_CI_TOOLS (default ~/.cache/convox-ci-tools).
# Then .ci/runners.sh runs the examples in their own CI's runners with this image.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tools=${CONVOX_CI_TOOLS:-$HOME/.cache/convox-ci-tools}
mkdir -p "$tools"
work=$(mktemp -d)
# shellcheck source=.ci/engine.sh
. .ci/engine.sh
cleanup() {
  rack_stop
  [[ -n ${docker:-} && -n ${DOCKER_HOST:-} ]] && "$docker" rm -f convox-ci-circleci >/dev/null 2>&1
  engine_stop
  rm -rf "$work"
}
trap cleanup EXIT
started=$SECONDS

image=ghcr.io/convox-ci/convox-ci:$(sed -n 's|^ *image: docker://ghcr.io/convox-ci/convox-ci:\(v[0-9.]*\)$|\1|p' action.yml)
[[ $image == *:v* ]] || die "action.yml names no image tag"

step "container engine"
engine_start

# ---------------------------------------------------------------- base
step "base image"
base=${CONVOX_CI_BASE_IMAGE:-}
if [[ -z $base ]]; then
  alpine=alpine:$(sed -n 's/^ARG ALPINE_VERSION=//p' Dockerfile)
  if "$docker" image inspect "$alpine" >/dev/null 2>&1 || timeout 20 "$docker" pull -q "$alpine" >/dev/null 2>&1; then
    base=$alpine
    echo "  $alpine (the Dockerfile's default)"
  fi
fi
if [[ -z $base ]]; then
  echo "  Docker Hub is out of reach: a base from Debian's packages"
  # Essential packages plus what the image needs; no docs, no full perl (git's
  # commands used here are C), no gconv, no apt lists.
  base_packages=bash,ca-certificates,git,openssh-client
  base_hook='rm -rf "$1"/usr/share/doc "$1"/usr/share/man "$1"/usr/share/locale "$1"/usr/share/info "$1"/usr/lib/x86_64-linux-gnu/perl "$1"/usr/share/perl "$1"/usr/lib/x86_64-linux-gnu/libperl.so* "$1"/usr/lib/x86_64-linux-gnu/gconv "$1"/usr/share/bash-completion "$1"/usr/share/gitweb "$1"/var/lib/apt/lists/* "$1"/var/cache/debconf/*-old'
  key=$(printf '%s\n' bookworm "$base_packages" "$base_hook" | sha256sum | cut -c1-12)
  base=convox-ci-base:bookworm-$key
  tar=$tools/base-bookworm-$key.tar
  if ! "$docker" image inspect "$base" >/dev/null 2>&1; then
    if [[ ! -s $tar ]]; then
      rm -rf "$tar.tmp"
      apt_need mmdebstrap
      t=$SECONDS
      mmdebstrap --quiet --format=tar --variant=essential --include="$base_packages" \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --customize-hook="$base_hook" \
        bookworm "$tar.tmp" || die "mmdebstrap could not build the base"
      mv "$tar.tmp" "$tar"
      echo "  mmdebstrap: built $tar in $((SECONDS - t))s"
    fi
    "$docker" import "$tar" "$base" >/dev/null
  fi
  echo "  $base: $("$docker" image inspect -f '{{.Size}}' "$base" | awk '{printf "%.1f MB", $1/1e6}') (bookworm: $base_packages)"
fi

# ---------------------------------------------------------------- build
step "docker build (BuildKit, BINARY_SOURCE=prebuilt, BASE_IMAGE=$base)"
ctx=$work/context
mkdir -p "$ctx/linux/amd64"
version=ci-$(git rev-parse --short HEAD 2>/dev/null || echo dev)
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags "-s -w -X main.version=$version" \
  -o "$ctx/linux/amd64/convox-ci" ./cmd/convox-ci
bin=$ctx/linux/amd64/convox-ci
t=$SECONDS
"$docker" build --progress=plain --network host -f Dockerfile --platform linux/amd64 \
  --build-arg BINARY_SOURCE=prebuilt --build-arg BASE_IMAGE="$base" --build-arg VERSION="$version" \
  -t "$image" "$ctx" >"$work/build.log" 2>&1 || {
  tail -30 "$work/build.log"
  die "docker build failed"
}
echo "  built $image in $((SECONDS - t))s"
"$docker" run --rm "$image" version
size=$("$docker" image inspect -f '{{.Size}}' "$image")
binsize=$(stat -c %s "$bin")
awk -v s="$size" -v b="$binsize" 'BEGIN {
  printf "  image size: %.1f MB (convox-ci binary %.1f MB, base %.1f MB)\n", s/1e6, b/1e6, (s-b)/1e6
  printf "  against the Convox CLI'\''s image (convox/convox: ubuntu:24.04 plus the docker CLI, kubectl, skopeo and database clients;\n"
  printf "  no registry here to measure it): this one is the binary on a base with only bash, git, ssh and CA certificates\n"
}'
[[ $size -lt 250000000 ]] || die "the image is $size bytes: keep it under 250 MB (every job pulls it)"

# ---------------------------------------------------------------- from source
# What `docker build .` does for a user: the Go stage compiles the checkout sent
# through .dockerignore. Its golang image comes from Docker Hub when it answers,
# else it is the base plus this machine's Go toolchain.
step "docker build from source (BINARY_SOURCE=build: the Go stage and .dockerignore)"
go_image=${CONVOX_CI_GO_IMAGE:-}
if [[ -z $go_image ]]; then
  golang=golang:$(sed -n 's/^ARG GO_VERSION=//p' Dockerfile)-alpine
  if "$docker" image inspect "$golang" >/dev/null 2>&1 || timeout 20 "$docker" pull -q "$golang" >/dev/null 2>&1; then
    go_image=$golang
  fi
fi
if [[ -z $go_image ]]; then
  goroot=$(go env GOROOT)
  go_image=convox-ci-go:$(go env GOVERSION)-${base##*:}-$(sha256sum /etc/ssl/certs/ca-certificates.crt | cut -c1-8)
  if ! "$docker" image inspect "$go_image" >/dev/null 2>&1; then
    gctx=$work/go-image
    mkdir -p "$gctx/go"
    cp -a "$goroot"/{bin,pkg,src,lib,go.env,VERSION} "$gctx/go/"
    # This machine's trust store, so that the Go stage reaches the module proxy
    # as this machine's go does (the shipped base keeps Debian's own bundle).
    cp /etc/ssl/certs/ca-certificates.crt "$gctx/"
    printf '%s\n' "FROM $base" 'COPY go /usr/local/go' 'COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt' \
      'ENV GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin GOTOOLCHAIN=local' >"$gctx/Dockerfile"
    "$docker" build -q -t "$go_image" "$gctx" >/dev/null
    rm -rf "$gctx"
  fi
fi
t=$SECONDS
"$docker" build --progress=plain --network host -f Dockerfile --platform linux/amd64 \
  --build-arg GO_IMAGE="$go_image" --build-arg BASE_IMAGE="$base" --build-arg VERSION="$version" \
  -t convox-ci:from-source . >"$work/build-source.log" 2>&1 || {
  tail -30 "$work/build-source.log"
  echo "dockerd's last lines:"
  tail -5 "$work/dockerd.log"
  die "docker build from source failed"
}
got=$("$docker" run --rm convox-ci:from-source version)
[[ $got == "convox-ci $version" || $got == "convox-ci $version "* ]] || die "the image built from source says '$got', not convox-ci $version"
echo "  built convox-ci:from-source with $go_image in $((SECONDS - t))s: $got"
"$docker" rmi convox-ci:from-source >/dev/null

# ---------------------------------------------------------------- workspace
step "simulated Rack and a checkout"
rack_start
origin=$work/origin
git init -q -b master "$origin"
cp -r examples/app/. "$origin/"
cp examples/convox-ci.yml "$origin/convox-ci.yml"
git -C "$origin" add -A
git -C "$origin" -c user.name=ci -c user.email=ci@example.com commit -q -m "example app"
git -C "$origin" tag v1.0.0
sha=$(git -C "$origin" rev-parse HEAD)
echo "  checkout: master at ${sha:0:12}, tagged v1.0.0"

# ---------------------------------------------------------------- GitHub
step "as GitHub's docker-action runner runs it (push to master)"
gh=$work/github
mkdir -p "$gh/home" "$gh/file_commands" "$gh/workflow"
git clone -q "$origin" "$gh/workspace"
chown -R 1001:1001 "$gh/workspace" # the runner's user, not the container's root
for f in set_output set_env step_summary add_path; do : >"$gh/file_commands/$f"; done
inputs=(-e INPUT_HOST="$RACK_HOST" -e INPUT_PASSWORD -e INPUT_RACK= -e INPUT_APP= -e INPUT_COMMAND=
  -e INPUT_RESULT_FILE=convox-result.json)
t=$SECONDS
INPUT_PASSWORD=$RACK_PASSWORD "$docker" run --rm --network host --workdir /github/workspace \
  -v "$gh/workspace:/github/workspace" -v "$gh/home:/github/home" \
  -v "$gh/file_commands:/github/file_commands" -v "$gh/workflow:/github/workflow" \
  "${inputs[@]}" -e HOME=/github/home -e CI=true -e GITHUB_ACTIONS=true -e GITHUB_WORKSPACE=/github/workspace \
  -e GITHUB_EVENT_NAME=push -e GITHUB_REF=refs/heads/master -e GITHUB_REF_NAME=master -e GITHUB_REF_TYPE=branch \
  -e GITHUB_SHA="$sha" -e GITHUB_REPOSITORY=org/example-app -e GITHUB_RUN_ID=1 -e RUNNER_OS=Linux \
  -e GITHUB_OUTPUT=/github/file_commands/set_output -e GITHUB_ENV=/github/file_commands/set_env \
  -e GITHUB_STEP_SUMMARY=/github/file_commands/step_summary -e GITHUB_PATH=/github/file_commands/add_path \
  "$image" >"$work/github.out" 2>"$work/github.err" || {
  cat "$work/github.err"
  die "the GitHub docker-action run failed"
}
release=$(sed -n 's/^release_id=//p' "$gh/file_commands/set_output")
for key in build_id release_id rack app target; do
  grep -q "^$key=." "$gh/file_commands/set_output" || die "\$GITHUB_OUTPUT has no $key: $(cat "$gh/file_commands/set_output")"
done
grep -q "$release" "$gh/file_commands/step_summary" || die "the job summary does not name release $release"
grep -qF "::add-mask::$RACK_PASSWORD" "$work/github.err" || die "the password was not masked (::add-mask::)"
! grep -rqF "$RACK_PASSWORD" "$gh/file_commands" "$work/github.out" || die "the password is in the outputs"
owner=$(stat -c %u:%g "$gh/workspace/convox-result.json")
[[ $owner == 1001:1001 ]] || die "convox-result.json belongs to $owner, not the workspace's owner 1001:1001"
echo "  \$GITHUB_OUTPUT: $(tr '\n' ' ' <"$gh/file_commands/set_output") ($((SECONDS - t))s)"
echo "  convox-result.json written, owned by the workspace's uid; password masked, in no output"
rack_check org/staging "$release" "$sha"

# ---------------------------------------------------------------- CircleCI
step "as CircleCI's primary container (push to master, the orb's script, \$BASH_ENV)"
t=$SECONDS
"$docker" rm -f convox-ci-circleci >/dev/null 2>&1 || true
"$docker" run -d --name convox-ci-circleci --network host --entrypoint /bin/sh \
  -v "$origin:/mnt/origin:ro" -v "$PWD/orbs/src/scripts:/mnt/orb:ro" "$image" -c 'exec sleep 600' >/dev/null
circle_env=(-e CIRCLECI=true -e CI=true -e CIRCLE_BRANCH=master -e CIRCLE_SHA1="$sha"
  -e CIRCLE_PROJECT_REPONAME=example-app -e CIRCLE_BUILD_NUM=7 -e BASH_ENV=/tmp/.bash_env-convox-ci)
circle_step() { "$docker" exec "${circle_env[@]}" -w /root/project "$@"; }
"$docker" exec convox-ci-circleci /bin/bash -eo pipefail -c \
  'git clone -q /mnt/origin /root/project && git -C /root/project checkout -q "$0" && : > /tmp/.bash_env-convox-ci' "$sha"
CONVOX_HOST=$RACK_HOST CONVOX_PASSWORD=$RACK_PASSWORD circle_step -e CONVOX_HOST -e CONVOX_PASSWORD \
  -e PARAM_VERB=ci -e PARAM_RESULT_FILE=/tmp/convox-ci/result.json -e PARAM_HOST_ENV=CONVOX_HOST -e PARAM_PASSWORD_ENV=CONVOX_PASSWORD \
  convox-ci-circleci /bin/bash -eo pipefail -c 'bash /mnt/orb/convox-ci.sh' >"$work/circleci.out" 2>"$work/circleci.err" || {
  cat "$work/circleci.err"
  die "the CircleCI step (the orb's script) failed"
}
circle_release=$(circle_step convox-ci-circleci /bin/bash -eo pipefail -c 'echo "$CONVOX_RELEASE_ID"')
[[ -n $circle_release ]] || die "a later step sees no CONVOX_RELEASE_ID in \$BASH_ENV"
result_release=$(circle_step convox-ci-circleci /bin/bash -eo pipefail -c 'cat /tmp/convox-ci/result.json' | json release_id)
[[ $result_release == "$circle_release" ]] || die "/tmp/convox-ci/result.json names release '$result_release', \$BASH_ENV $circle_release"
"$docker" rm -f convox-ci-circleci >/dev/null
echo "  a later step reads CONVOX_RELEASE_ID=$circle_release from \$BASH_ENV; /tmp/convox-ci/result.json agrees ($((SECONDS - t))s)"
rack_check org/staging "$circle_release" "$sha"

# ---------------------------------------------------------------- Drone
step "as a Drone plugin (tag v1.0.0: import into org/production)"
t=$SECONDS
drone=$work/drone
git clone -q "$origin" "$drone"
git -C "$drone" checkout -q v1.0.0
PLUGIN_PASSWORD=$RACK_PASSWORD DATABASE_URL=postgres://db.example/prod "$docker" run --rm --network host \
  -v "$drone:/drone/src" -w /drone/src \
  -e CI=true -e DRONE=true -e DRONE_BUILD_EVENT=tag -e DRONE_TAG=v1.0.0 -e DRONE_COMMIT_REF=refs/tags/v1.0.0 \
  -e DRONE_COMMIT_SHA="$sha" -e DRONE_REPO=org/example-app -e DRONE_BUILD_NUMBER=8 \
  -e PLUGIN_HOST="$RACK_HOST" -e PLUGIN_PASSWORD -e PLUGIN_TIMEOUT=5m -e PLUGIN_RESULT_FILE=convox-result.json -e DATABASE_URL \
  "$image" >"$work/drone.out" 2>"$work/drone.err" || {
  cat "$work/drone.err"
  die "the Drone plugin run failed"
}
drone_release=$(json release_id <"$drone/convox-result.json")
target=$(json target <"$drone/convox-result.json")
[[ $target == production ]] || die "the tag run's target is '$target', not production"
echo "  convox-result.json: target $target, release $drone_release ($((SECONDS - t))s)"
rack_check org/production "$drone_release" "$sha"

# ---------------------------------------------------------------- docker run
step "examples/docker/run.sh (CONVOX_CI_DOCKER_ARGS=\"--network host\")"
t=$SECONDS
plain=$work/plain
git clone -q "$origin" "$plain"
(cd "$plain" && CONVOX_CI_IMAGE=$image CONVOX_CI_DOCKER_ARGS="--network host" CONVOX_HOST=$RACK_HOST \
  CONVOX_PASSWORD=$RACK_PASSWORD CONVOX_RACK=org/staging CONVOX_APP=example-app \
  bash "$OLDPWD/examples/docker/run.sh" deploy) >"$work/plain.out" 2>"$work/plain.err" || {
  cat "$work/plain.err"
  die "examples/docker/run.sh deploy failed"
}
plain_release=$(json release_id <"$plain/convox-result.json")
echo "  deploy: convox-result.json in the mounted checkout names release $plain_release ($((SECONDS - t))s)"
rack_check org/staging "$plain_release" "$sha"

rack_stop
echo
echo "image: built and run as GitHub's docker action, CircleCI's primary container, a Drone plugin and by examples/docker/run.sh in $((SECONDS - started))s"

if [[ -f .ci/runners.sh ]]; then
  export CONVOX_CI_IMAGE=$image CONVOX_CI_BIN=$bin
  # shellcheck source=.ci/runners.sh
  . .ci/runners.sh
fi
