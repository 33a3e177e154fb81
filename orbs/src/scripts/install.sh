#!/usr/bin/env bash
# Installs a pinned convox-ci release: downloads the archive for this OS and
# architecture with the release's checksums.txt, verifies the archive's SHA-256
# (and, when PARAM_SHA256 is set, that it is exactly that value), then installs
# the binary. Nothing is downloaded when that version is already installed.
set -euo pipefail

die() {
  echo "convox-ci install: $*" >&2
  exit 1
}

version=${PARAM_VERSION#v}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || die "version must be an exact release such as 1.0.0, not '${PARAM_VERSION}'"
dir=${PARAM_INSTALL_DIR:-/usr/local/bin}

# `convox-ci version` prints "convox-ci 1.2.3 (...)": the version word must be
# exactly this one (1.0.0 is not 11.0.0 nor 1.0.0-rc1).
installed=$(convox-ci version 2>/dev/null | awk 'NR == 1 { print $2 }' || true)
if [[ -n $installed && ${installed#v} == "$version" ]]; then
  echo "convox-ci $version is already installed"
  exit 0
fi

case $(uname -s) in
Linux) os=linux ;;
Darwin) os=darwin ;;
*) die "unsupported OS: $(uname -s)" ;;
esac
case $(uname -m) in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) die "unsupported architecture: $(uname -m)" ;;
esac

archive="convox-ci_${version}_${os}_${arch}.tar.gz"
base="${PARAM_BASE_URL:-https://github.com/convox-ci/convox-ci/releases/download}/v${version}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" "$1"
  else
    wget -q -O "$2" "$1"
  fi
}
fetch "$base/$archive" "$tmp/$archive"
fetch "$base/checksums.txt" "$tmp/checksums.txt"

want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/checksums.txt")
[[ -n $want ]] || die "$archive is not listed in checksums.txt"
if [[ -n ${PARAM_SHA256:-} && $PARAM_SHA256 != "$want" ]]; then
  die "checksums.txt lists $want for $archive, not the pinned $PARAM_SHA256"
fi
if command -v sha256sum >/dev/null 2>&1; then
  got=$(sha256sum "$tmp/$archive" | awk '{ print $1 }')
else
  got=$(shasum -a 256 "$tmp/$archive" | awk '{ print $1 }')
fi
[[ $got == "$want" ]] || die "checksum mismatch for $archive: got $got, want $want"

tar -xzf "$tmp/$archive" -C "$tmp" convox-ci
sudo=()
if [[ ! -w $dir ]] && command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
fi
"${sudo[@]}" mkdir -p "$dir"
"${sudo[@]}" install -m 0755 "$tmp/convox-ci" "$dir/convox-ci"
echo "installed convox-ci $version ($os/$arch, sha256 $got) to $dir"
