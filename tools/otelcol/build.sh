#!/usr/bin/env bash
# Builds the project's OpenTelemetry Collector (fapilog-otelcol) into the
# shared cache and prints the binary's path on stdout:
#
#   ${FAPILOG_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fapilog-go}/otelcol-<hash>
#
# the file internal/collectortest builds too. Unlike the other tools, its
# generated sources live here, so <hash> covers this folder's *.go as well
# as go.mod and go.sum (see scripts/toolbuild.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../../scripts/toolbuild.sh" "$here" otelcol . FAPILOG_OTELCOL_CACHE '*.go' go.mod go.sum
