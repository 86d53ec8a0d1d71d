#!/usr/bin/env bash
# Builds VictoriaLogs (the log store the stack test and docker-compose.yml
# use) into the shared cache and prints the binary's path on stdout:
#
#   ${FAPILOG_VICTORIALOGS_CACHE:-${FAPILOG_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fapilog-go}}/victoria-logs-<hash>
#
# The version is the one go.mod in this folder pins; scripts/toolbuild.sh
# holds the cached, locked build shared with internal/logstoretest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../../scripts/toolbuild.sh" "$here" victoria-logs \
	github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs FAPILOG_VICTORIALOGS_CACHE
