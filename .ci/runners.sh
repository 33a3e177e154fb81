# shellcheck shell=bash
# shellcheck disable=SC2154 # tools, work, image, docker, bin: set by .ci/image.sh, which sources this
# Sourced by .ci/image.sh once the image is built: runs the examples in their own
# CI's local runner, with that image, against the simulated Rack (host network):
#   act                 examples/github/deploy.yml (push to master, tag v1.0.0)
#   gitlab-ci-local     examples/gitlab/.gitlab-ci.yml, the deploy job (docker executor)
#   drone exec          examples/drone/.drone.yml (push to master, tag v1.0.0)
# Each run is checked on the Rack's side (a build and a promoted release per push;
# the tag run imports that build into org/production) and in the outputs the
# example reads. Woodpecker's CLI is not served by the Go module proxy (every
# version refused): examples/woodpecker is checked by .ci/wrappers.sh's rules.
#
# The only change made to an example is what points it at this machine: the
# action as a local action (uses: ./...), `network_mode: host` for Drone's steps
# (the Rack listens on 127.0.0.1), and the Rack's address in the CI's variables.
# Tools are pinned and cached in $tools like the other validators.

ACT_VERSION=v0.2.89
DRONE_CLI_VERSION=v1.8.0
# 4.65 and later need Node 22 (Set.prototype.union); CI has Node 20.
GITLAB_CI_LOCAL_VERSION=4.64.1

runners_started=$SECONDS
step "runners: installing act $ACT_VERSION, drone-cli $DRONE_CLI_VERSION, gitlab-ci-local $GITLAB_CI_LOCAL_VERSION (cached in $tools)"
gobin=$tools/go/bin
mkdir -p "$gobin"
apt_need rsync # gitlab-ci-local copies the checkout with it
if [[ $("$gobin/act" --version 2>/dev/null) != "act version ${ACT_VERSION#v}" ]]; then
  (cd "$work" && GOBIN=$gobin GOFLAGS="" go install "github.com/nektos/act@$ACT_VERSION")
fi
echo "  $("$gobin/act" --version)"
# drone-cli's checksums are not in the checksum database (GONOSUMDB), and the
# proxy refuses its version list, so build it inside its own module.
if [[ ! -x $gobin/drone-$DRONE_CLI_VERSION ]]; then
  dir=$(cd "$work" && GONOSUMDB=github.com/drone/drone-cli GOFLAGS="" go mod download -json "github.com/drone/drone-cli@$DRONE_CLI_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [[ -d $dir ]] || die "github.com/drone/drone-cli@$DRONE_CLI_VERSION: not downloaded"
  (cd "$dir" && GONOSUMDB=github.com/drone/drone-cli GOFLAGS=-mod=readonly go build -o "$gobin/drone-$DRONE_CLI_VERSION" ./drone)
fi
echo "  drone-cli $DRONE_CLI_VERSION"
glcl_dir=$tools/gitlab-ci-local-$GITLAB_CI_LOCAL_VERSION
glcl=$glcl_dir/node_modules/.bin/gitlab-ci-local
if [[ ! -x $glcl ]]; then
  mkdir -p "$glcl_dir"
  echo '{"private": true}' >"$glcl_dir/package.json"
  (cd "$glcl_dir" && npm install --no-audit --no-fund --loglevel=error --save-exact "gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION" >/dev/null)
fi
echo "  gitlab-ci-local $("$glcl" --version) on node $(node --version)"

# The runners' own images, built here: act's job container and gitlab-ci-local's
# helper need a shell, and the helper copies artifacts with rsync. They are the
# image without its ENTRYPOINT, plus rsync (Debian's package, or Alpine's).
debs=$work/debs
mkdir -p "$debs"
if ! (cd "$debs" && apt-get download rsync libpopt0 libxxhash0 >/dev/null 2>&1); then
  apt-get update -qq >/dev/null
  (cd "$debs" && apt-get download rsync libpopt0 libxxhash0 >/dev/null)
fi
printf '%s\n' "FROM $image" 'COPY *.deb /tmp/' \
  'RUN if command -v apk >/dev/null; then apk add --no-cache rsync; else dpkg -i /tmp/*.deb >/dev/null; fi; rm -f /tmp/*.deb' \
  'ENTRYPOINT []' >"$debs/Dockerfile"
"$docker" build -q --network host -t convox-ci-runner:local "$debs" >/dev/null

# repo DIR REMOTE: the example app with the rules file and every CI file of examples/,
# committed on master and tagged v1.0.0, as a user's repository would be.
repo() {
  local dir=$1 remote=$2
  git init -q -b master "$dir"
  cp -r examples/app/. "$dir/"
  cp examples/convox-ci.yml "$dir/convox-ci.yml"
  mkdir -p "$dir/.github/workflows" "$dir/.github/actions/convox-ci"
  sed 's#uses: convox-ci/convox-ci@v1$#uses: ./.github/actions/convox-ci#' examples/github/deploy.yml >"$dir/.github/workflows/deploy.yml"
  cp action.yml "$dir/.github/actions/convox-ci/action.yml"
  cp examples/gitlab/.gitlab-ci.yml "$dir/.gitlab-ci.yml"
  sed 's#^\( *\)image: \(ghcr.io/convox-ci/convox-ci:.*\)$#&\n\1network_mode: host#' examples/drone/.drone.yml >"$dir/.drone.yml"
  git -C "$dir" add -A
  git -C "$dir" -c user.name=ci -c user.email=ci@example.com commit -q -m "example app"
  git -C "$dir" tag v1.0.0
  # The runners read the project's name from its remote; nothing is fetched.
  git -C "$dir" remote add origin "$remote"
  git -C "$dir" update-ref refs/remotes/origin/master HEAD
  git -C "$dir" symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/master
}

# ---------------------------------------------------------------- act
step "act $ACT_VERSION: examples/github/deploy.yml (runner image built here)"
t=$SECONDS
rack_stop
rack_start
ws=$work/run-act
repo "$ws" https://github.com/org/example-app.git
sha=$(git -C "$ws" rev-parse HEAD)
printf '{"ref": "refs/heads/master", "before": "0000000000000000000000000000000000000000", "after": "%s"}\n' "$sha" >"$work/push.json"
printf '{"ref": "refs/tags/v1.0.0", "before": "0000000000000000000000000000000000000000", "after": "%s"}\n' "$sha" >"$work/tag.json"
act_run() {
  local event=$1 log=$2
  (cd "$ws" && CONVOX_PASSWORD=$RACK_PASSWORD DATABASE_URL=postgres://db.example/prod ACT_DISABLE_VERSION_CHECK=1 \
    "$gobin/act" push -e "$event" -W .github/workflows/deploy.yml -P ubuntu-latest=convox-ci-runner:local \
    --pull=false --network host --container-daemon-socket - --no-cache-server --cache-server-addr 127.0.0.1 \
    --var CONVOX_HOST="$RACK_HOST" -s CONVOX_PASSWORD -s DATABASE_URL) >"$log" 2>&1 || {
    tail -40 "$log"
    die "act failed ($event)"
  }
}
act_run "$work/push.json" "$work/act-push.log"
line=$(grep -o 'target staging, app example-app on org/staging, release R[A-Z0-9]* (build B[A-Z0-9]*)' "$work/act-push.log" | head -1)
[[ -n $line ]] || {
  tail -40 "$work/act-push.log"
  die "act: the 'Show what was deployed' step did not print the outputs"
}
echo "  push: the workflow's last step read the action's outputs: $line"
release=$(sed -n 's/.*release \(R[A-Z0-9]*\) .*/\1/p' <<<"$line")
rack_check org/staging "$release" "$sha"
act_run "$work/tag.json" "$work/act-tag.log"
line=$(grep -o 'target production, app example-app on org/production, release R[A-Z0-9]* (build B[A-Z0-9]*)' "$work/act-tag.log" | head -1)
[[ -n $line ]] || {
  tail -40 "$work/act-tag.log"
  die "act: the tag run printed no production outputs"
}
echo "  tag v1.0.0: $line"
rack_check org/production "$(sed -n 's/.*release \(R[A-Z0-9]*\) .*/\1/p' <<<"$line")" "$sha"
echo "  act: $((SECONDS - t))s"

# ---------------------------------------------------------------- gitlab-ci-local
step "gitlab-ci-local $GITLAB_CI_LOCAL_VERSION: examples/gitlab/.gitlab-ci.yml, job deploy (docker executor)"
t=$SECONDS
rack_stop
rack_start
ws=$work/run-gitlab
repo "$ws" https://gitlab.example.com/org/example-app.git
sha=$(git -C "$ws" rev-parse HEAD)
glcl_run() {
  local log=$1
  shift
  (cd "$ws" && "$glcl" deploy --container-executable "$docker" --pull-policy if-not-present \
    --helper-image convox-ci-runner:local --network host --home "$work/glcl-home" \
    --variable CONVOX_HOST="$RACK_HOST" --variable CONVOX_PASSWORD="$RACK_PASSWORD" \
    --variable DATABASE_URL=postgres://db.example/prod "$@") >"$log" 2>&1 || {
    tail -40 "$log"
    die "gitlab-ci-local failed"
  }
}
glcl_run "$work/glcl-push.log"
result=$ws/.gitlab-ci-local/artifacts/deploy/convox-result.json
[[ -s $result ]] || {
  tail -30 "$work/glcl-push.log"
  die "gitlab-ci-local: the deploy job left no convox-result.json artifact"
}
release=$(json release_id <"$result")
echo "  push: artifact convox-result.json: target $(json target <"$result"), release $release"
rack_check org/staging "$release" "$sha"
git -C "$ws" checkout -q v1.0.0
rm -rf "$ws/.gitlab-ci-local"
# gitlab-ci-local reads no tag from a checkout (a detached HEAD is "branch HEAD"):
# give the variables GitLab sets in a tag pipeline.
glcl_run "$work/glcl-tag.log" --variable CI_COMMIT_TAG=v1.0.0 --variable CI_COMMIT_REF_NAME=v1.0.0 --unset-variable CI_COMMIT_BRANCH
[[ $(json target <"$result") == production ]] || die "gitlab-ci-local: the tag run's target is $(json target <"$result")"
echo "  tag v1.0.0: artifact convox-result.json: target production, release $(json release_id <"$result")"
rack_check org/production "$(json release_id <"$result")" "$sha"
echo "  gitlab-ci-local: $((SECONDS - t))s"

# ---------------------------------------------------------------- drone exec
step "drone exec ($DRONE_CLI_VERSION): examples/drone/.drone.yml"
t=$SECONDS
rack_stop
rack_start
ws=$work/run-drone
repo "$ws" https://drone.example.com/org/example-app.git
sha=$(git -C "$ws" rev-parse HEAD)
printf 'convox_password=%s\ndatabase_url=postgres://db.example/prod\n' "$RACK_PASSWORD" >"$work/drone-secrets"
# The plugin's host setting is the example's console.convox.com: point it here.
sed -i "s#host: console.convox.com#host: $RACK_HOST#" "$ws/.drone.yml"
drone_run() {
  local log=$1
  shift
  (cd "$ws" && "$gobin/drone-$DRONE_CLI_VERSION" exec --pipeline deploy --trusted --secret-file "$work/drone-secrets" \
    --repo org/example-app "$@" .drone.yml) >"$log" 2>&1 || {
    tail -40 "$log"
    die "drone exec failed ($*)"
  }
}
drone_run "$work/drone-push.log" --event push --branch master
release=$(json release_id <"$ws/convox-result.json")
sed 's/\x1b\[[0-9;]*m//g' "$work/drone-push.log" | grep -q '^\[migrate-again:[0-9]*\] .*command finished .*exit_code=0' ||
  die "drone exec: the migrate-again step did not run bin/migrate"
echo "  push: steps convox and migrate-again ran; convox-result.json: release $release"
rack_check org/staging "$release" "$sha"
git -C "$ws" checkout -q v1.0.0
drone_run "$work/drone-tag.log" --event tag
[[ $(json target <"$ws/convox-result.json") == production ]] || die "drone exec --event tag: target $(json target <"$ws/convox-result.json")"
echo "  tag v1.0.0 (--event tag, no tag variable): target production, release $(json release_id <"$ws/convox-result.json")"
rack_check org/production "$(json release_id <"$ws/convox-result.json")" "$sha"
echo "  drone exec: $((SECONDS - t))s"

rack_stop
echo
echo "runners: act, gitlab-ci-local and drone exec ran their examples to promoted releases in $((SECONDS - runners_started))s"
