#!/usr/bin/env bash
# Builds the project's OpenTelemetry Collector (fapilog-otelcol) into the
# shared cache and prints the binary's path on stdout.
#
# The cache path is the one internal/collectortest uses, so a binary built
# here is reused by the tests and the other way round:
#
#   ${FAPILOG_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fapilog-go}/otelcol-<hash>
#
# <hash> is the first 16 hex digits of a SHA-256 over this folder's *.go,
# go.mod and go.sum (the sha256sum listing of those files, sorted by name,
# hashed again). Keep it in step with internal/toolbuild.SourceHash (the collector's patterns).
#
# Never builds inside the repository tree. Needs only Go (and, if present,
# flock(1) to serialise with concurrent test builds).
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$src"

cache="${FAPILOG_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fapilog-go}"
mkdir -p "$cache"

hash="$(
	export LC_ALL=C
	{ ls -1 -- *.go go.mod go.sum; } | sort | while IFS= read -r f; do
		sha256sum -- "$f"
	done | sha256sum | cut -c1-16
)"
bin="$cache/otelcol-$hash"

build() {
	if [[ -x "$bin" ]]; then
		return 0
	fi
	local tmp
	tmp="$(mktemp -d "$cache/.otelcol-$hash.XXXXXX")"
	# GOWORK=off: never pick up a go.work from above. CGO off: a static
	# binary, like the official builder makes.
	if ! GOWORK=off CGO_ENABLED=0 go build -trimpath -o "$tmp/otelcol" . >&2; then
		rm -rf "$tmp"
		return 1
	fi
	mv -f "$tmp/otelcol" "$bin"
	rm -rf "$tmp"
}

if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache/otelcol-$hash.lock"
	flock 9
fi
build
echo "$bin"
