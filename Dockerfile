# syntax=docker/dockerfile:1
#
# The convox-ci image: one static binary at /usr/local/bin/convox-ci.
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

ARG BINARY_SOURCE=build
ARG GO_VERSION=1.26
ARG ALPINE_VERSION=3.22

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS build
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

FROM alpine:${ALPINE_VERSION}
# ca-certificates: TLS to Console and Racks. bash, git, openssh-client: what CircleCI
# needs in a primary container (bash also sources $BASH_ENV, where convox-ci
# exports CONVOX_BUILD_ID and CONVOX_RELEASE_ID for later steps).
RUN apk add --no-cache bash ca-certificates git openssh-client
COPY --from=binary /out/convox-ci /usr/local/bin/convox-ci
ARG VERSION=dev
LABEL org.opencontainers.image.title="convox-ci" \
      org.opencontainers.image.description="Deploy to Convox Racks from any CI" \
      org.opencontainers.image.source="https://github.com/convox-ci/convox-ci" \
      org.opencontainers.image.version="${VERSION}"
ENTRYPOINT ["/usr/local/bin/convox-ci"]
