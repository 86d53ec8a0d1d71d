#!/usr/bin/env bash
# Builds Jaeger v2 (the traces backend the stack test and docker-compose.yml
# use) into the shared cache and prints the binary's path on stdout:
#
#   ${FAPILOG_JAEGER_CACHE:-${FAPILOG_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fapilog-go}}/jaeger-<hash>
#
# The version is the one go.mod in this folder pins; scripts/toolbuild.sh
# holds the cached, locked build shared with internal/tracestoretest. A cold
# build takes about 10 minutes on 2 cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../../scripts/toolbuild.sh" "$here" jaeger \
	github.com/jaegertracing/jaeger/cmd/jaeger FAPILOG_JAEGER_CACHE
