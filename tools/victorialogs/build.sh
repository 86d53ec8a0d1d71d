#!/usr/bin/env bash
# Builds VictoriaLogs (the log store the stack test and docker-compose.yml
# use) into the shared cache and prints the binary's path on stdout.
#
# The version is the one go.mod in this folder pins (a `tool` directive), so
# the cache key is a hash of go.mod and go.sum, and the binary is shared with
# internal/logstoretest:
#
#   ${FAPILOG_VICTORIALOGS_CACHE:-${FAPILOG_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fapilog-go}}/victoria-logs-<hash>
#
# <hash> is the first 16 hex digits of a SHA-256 over the sha256sum listing
# of go.mod and go.sum (sorted by name). Keep it in step with
# internal/logstoretest/build.go.
#
# Never builds inside the repository tree. Needs only Go (and, if present,
# flock(1) to serialise with concurrent test builds).
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$src"

cache="${FAPILOG_VICTORIALOGS_CACHE:-${FAPILOG_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fapilog-go}}"
mkdir -p "$cache"

hash="$(
	export LC_ALL=C
	printf '%s\n' go.mod go.sum | while IFS= read -r f; do
		sha256sum -- "$f"
	done | sha256sum | cut -c1-16
)"
bin="$cache/victoria-logs-$hash"
pkg="github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs"

build() {
	if [[ -x "$bin" ]]; then
		return 0
	fi
	local tmp
	tmp="$(mktemp -d "$cache/.victoria-logs-$hash.XXXXXX")"
	# GOWORK=off: never pick up a go.work from above. CGO off: a static
	# binary with the pure-Go zstd, as upstream's "pure" build.
	if ! GOWORK=off CGO_ENABLED=0 go build -trimpath -o "$tmp/victoria-logs" "$pkg" >&2; then
		rm -rf "$tmp"
		return 1
	fi
	mv -f "$tmp/victoria-logs" "$bin"
	rm -rf "$tmp"
}

if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache/victoria-logs-$hash.lock"
	flock 9
fi
build
echo "$bin"
