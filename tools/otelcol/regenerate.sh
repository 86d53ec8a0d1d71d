#!/usr/bin/env bash
# Regenerates this module from builder-config.yaml with the official
# OpenTelemetry Collector builder (ocb), then gofmt's the generated code.
# Run it after changing builder-config.yaml; commit everything it changes.
# See README.md for why GOFLAGS=-e.
set -euo pipefail

BUILDER_VERSION=v0.165.0

cd "$(dirname "${BASH_SOURCE[0]}")"

go install "go.opentelemetry.io/collector/cmd/builder@${BUILDER_VERSION}"
bindir="$(go env GOBIN)"
if [[ -z "$bindir" ]]; then
	bindir="$(go env GOPATH)/bin"
fi

# -e: the builder runs `go mod tidy`, which also resolves the test imports
# of every component; one of them is not served by the module proxy.
GOFLAGS="-e ${GOFLAGS:-}" GOWORK=off "$bindir/builder" \
	--config builder-config.yaml --skip-compilation
gofmt -w ./*.go
