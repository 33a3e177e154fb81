#!/usr/bin/env bash
# Lints the Go code: staticcheck, then golangci-lint with the checked-in
# .golangci.yml. Both are pinned, built from the Go module proxy and cached
# under $CONVOX_CI_TOOLS (default ~/.cache/convox-ci-tools), like the wrapper
# validators: a second run installs nothing. Exits non-zero on any finding.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

STATICCHECK_VERSION=v0.8.2     # staticcheck 2026.2.2
GOLANGCI_LINT_VERSION=v2.15.0

tools=${CONVOX_CI_TOOLS:-$HOME/.cache/convox-ci-tools}
gobin=$tools/go/bin
mkdir -p "$gobin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! "$gobin/staticcheck" -version 2>/dev/null | grep -q "(${STATICCHECK_VERSION#v})"; then
  echo "  installing staticcheck $STATICCHECK_VERSION (cached in $gobin)"
  (cd "$work" && GOBIN=$gobin GOFLAGS="" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION")
fi
if ! "$gobin/golangci-lint" version 2>/dev/null | grep -q "version ${GOLANGCI_LINT_VERSION#v} "; then
  echo "  installing golangci-lint $GOLANGCI_LINT_VERSION (cached in $gobin)"
  (cd "$work" && GOBIN=$gobin GOFLAGS="" go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_LINT_VERSION")
fi

echo "  $("$gobin/staticcheck" -version)"
"$gobin/staticcheck" ./...
echo "  staticcheck: no findings"
echo "  golangci-lint $("$gobin/golangci-lint" version --short 2>/dev/null || echo "$GOLANGCI_LINT_VERSION")"
"$gobin/golangci-lint" run ./...
