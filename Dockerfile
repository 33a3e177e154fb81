# The convox-ci image: one static binary at /usr/local/bin/convox-ci.
#
# It needs BuildKit ($BUILDPLATFORM, RUN --mount): the default builder of Docker
# 23 and later and of `docker buildx build`; on Docker 18.09 to 22.x set
# DOCKER_BUILDKIT=1. The Dockerfile syntax it uses is built into every BuildKit
# since Docker 20.10, so no `# syntax=` frontend image is pulled.
#
# It serves, unchanged, as
#   - a GitHub Action container (runs as root, exec-form ENTRYPOINT with an
#     absolute path, no WORKDIR, so the runner's --workdir /github/workspace holds);
#   - a Drone / Woodpecker plugin (settings arrive as PLUGIN_* variables, which the
#     binary reads as fallbacks; no shell is needed);
#   - a CircleCI executor image (CircleCI replaces the ENTRYPOINT of a job's primary
#     container and needs a shell, git and ssh in it: hence alpine, not distroless);
#   - a plain `docker run` with CONVOX_* variables.
#
# Build from source:   docker build --build-arg VERSION=1.2.3 -t convox-ci .
# goreleaser passes BINARY_SOURCE=prebuilt so the image holds the very binary that
# was checksummed and released, and the Go stage is never built.
# BASE_IMAGE replaces alpine (e.g. where Docker Hub is out of reach): any image with
# a shell; on Alpine the packages below are installed, any other base must already
# hold bash, git, ssh and the CA bundle (.ci/image.sh builds such a base from
# Debian's packages). GO_IMAGE replaces the golang image of the build stage: any
# image with go on PATH and GOPATH=/go.

ARG BINARY_SOURCE=build
ARG GO_VERSION=1.26
ARG ALPINE_VERSION=3.22
ARG BASE_IMAGE=alpine:${ALPINE_VERSION}
ARG GO_IMAGE=golang:${GO_VERSION}-alpine

FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY cmd ./cmd
COPY internal ./internal
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/convox-ci ./cmd/convox-ci

# goreleaser's dockers_v2 context holds the released binary at $TARGETPLATFORM/convox-ci.
FROM scratch AS prebuilt
ARG TARGETPLATFORM
COPY ${TARGETPLATFORM}/convox-ci /out/convox-ci

FROM ${BINARY_SOURCE} AS binary

FROM ${BASE_IMAGE}
# ca-certificates: TLS to Console and Racks. bash, git, openssh-client: what CircleCI
# needs in a primary container (bash also sources $BASH_ENV, where convox-ci
# exports CONVOX_BUILD_ID and CONVOX_RELEASE_ID for later steps).
RUN set -e; \
    if command -v apk >/dev/null; then apk add --no-cache bash ca-certificates git openssh-client; fi; \
    for tool in bash git ssh; do \
      command -v "$tool" >/dev/null || { echo "BASE_IMAGE has no $tool" >&2; exit 1; }; \
    done; \
    test -s /etc/ssl/certs/ca-certificates.crt || { echo "BASE_IMAGE has no CA bundle" >&2; exit 1; }
COPY --from=binary /out/convox-ci /usr/local/bin/convox-ci
ARG VERSION=dev
LABEL org.opencontainers.image.title="convox-ci" \
      org.opencontainers.image.description="Deploy to Convox Racks from any CI" \
      org.opencontainers.image.source="https://github.com/convox-ci/convox-ci" \
      org.opencontainers.image.version="${VERSION}"
ENTRYPOINT ["/usr/local/bin/convox-ci"]
