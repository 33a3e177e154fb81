# shellcheck shell=bash
# shellcheck disable=SC2016,SC2154 # node programs take their values as arguments; work, bin: set by the caller
# Sourced by .ci/image.sh and .ci/runners.sh: a container engine of CI's own
# (Debian's docker.io daemon on a private socket and data root, no iptables, no
# bridge: every container here uses the host's network), the simulated Rack
# (`convox-ci simulate --console`: org/staging and org/production), and checks of
# what the Rack holds.
#
# Needs: root, $tools (the tool cache), $work (a scratch folder), $bin (convox-ci).

engine_sock=/run/convox-ci-docker.sock
engine_pid=
rack_pid=

step() { printf '\n== %s\n' "$*"; }
die() {
  printf 'FAIL %s\n' "$*" >&2
  exit 1
}

# apt_need PKG...: installs the Debian packages that are missing.
apt_need() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  echo "  apt: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# engine_start: starts dockerd, or says why it cannot and fails.
engine_start() {
  [[ $(id -u) == 0 ]] || die "the container engine needs root (dockerd); this is uid $(id -u)"
  apt_need docker.io
  # Debian's client matches Debian's daemon and has BuildKit built in; a newer
  # client elsewhere on PATH may want the buildx plugin instead.
  docker=/usr/bin/docker
  export DOCKER_HOST=unix://$engine_sock DOCKER_BUILDKIT=1
  if "$docker" info >/dev/null 2>&1; then
    echo "  engine: already serving on $engine_sock"
    return 0
  fi
  local log=$work/dockerd.log started=$SECONDS
  dockerd --host "$DOCKER_HOST" --data-root /var/lib/convox-ci-docker --exec-root /run/convox-ci-docker \
    --pidfile /run/convox-ci-docker.pid --iptables=false --ip6tables=false --bridge=none \
    >"$log" 2>&1 &
  engine_pid=$!
  while ! "$docker" info >/dev/null 2>&1; do
    if ! kill -0 "$engine_pid" 2>/dev/null || ((SECONDS - started > 60)); then
      echo "dockerd's last lines:" >&2
      grep -E 'level=(error|fatal)|failed|error' "$log" | tail -15 >&2 || tail -15 "$log" >&2
      die "the container engine (dockerd) could not start here: see its lines above"
    fi
    sleep 0.5
  done
  echo "  engine: dockerd $("$docker" version -f '{{.Server.Version}}'), $("$docker" info -f '{{.Driver}}') storage driver, host network only; up in $((SECONDS - started))s"
}

engine_stop() {
  [[ -n $engine_pid ]] || return 0
  kill "$engine_pid" 2>/dev/null || true
  wait "$engine_pid" 2>/dev/null || true
  engine_pid=
}

# rack_start: serves the simulated Rack on 127.0.0.1 (plain HTTP, Console mode:
# org/staging and org/production, app example-app) and reads its settings into
# RACK_HOST, RACK_PASSWORD.
rack_start() {
  local envfile=$work/rack.env
  rm -f "$envfile"
  "$bin" simulate --console --insecure-http --listen 127.0.0.1:0 --app example-app \
    --build-duration 200ms --rollout-duration 200ms --write-env "$envfile" >"$work/rack.out" 2>"$work/rack.log" &
  rack_pid=$!
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s $envfile ]] && break
    kill -0 "$rack_pid" 2>/dev/null || { cat "$work/rack.log" >&2; die "convox-ci simulate stopped"; }
    sleep 0.1
  done
  [[ -s $envfile ]] || die "convox-ci simulate wrote no settings to $envfile"
  RACK_HOST=$(sed -n 's/^export CONVOX_HOST=//p' "$envfile")
  RACK_PASSWORD=$(sed -n 's/^export CONVOX_PASSWORD=//p' "$envfile")
  [[ -n $RACK_HOST && -n $RACK_PASSWORD ]] || die "no CONVOX_HOST/CONVOX_PASSWORD in $envfile"
  echo "  simulated Rack (Console: org/staging, org/production; app example-app) at $RACK_HOST"
}

rack_stop() {
  [[ -n $rack_pid ]] || return 0
  kill -INT "$rack_pid" 2>/dev/null || true
  wait "$rack_pid" 2>/dev/null || true
  rack_pid=
}

# rack_get RACK PATH: the Rack's JSON answer.
rack_get() {
  curl -fsS --max-time 10 -H "Rack: $1" -u "convox:$RACK_PASSWORD" "$RACK_HOST$2"
}

# json FIELD: a top-level string field of the JSON on stdin.
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];console.log(v==null?"":v)})' "$1"; }

# rack_check RACK RELEASE COMMIT: RELEASE is the app's promoted release on RACK,
# and RACK holds a build of COMMIT (convox-ci names the commit in the build's
# description). A deploy key may read the app and its builds, not releases.
rack_check() {
  local rack=$1 release=$2 commit=$3 current build
  [[ -n $release ]] || die "$rack: no release id to check"
  current=$(rack_get "$rack" /apps/example-app | json release)
  [[ $current == "$release" ]] || die "$rack: the app's release is '$current', not $release"
  build=$(rack_get "$rack" /apps/example-app/builds | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const b = JSON.parse(s).find((b) => (b.description || "").includes(process.argv[1]));
      if (b) console.log(`${b.id} (${b.status}): ${b.description}`);
    });' "${commit:0:7}")
  [[ -n $build ]] || die "$rack: no build of commit ${commit:0:7}"
  echo "  rack $rack: release $release promoted; build $build"
}
