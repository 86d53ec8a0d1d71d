#!/usr/bin/env bash
# Builds a test-only server from its module under tools/ into the shared
# cache and prints the binary's path on stdout. The tools' build.sh scripts
# call it; internal/toolbuild (the tests' builder) makes the same file.
#
#   scripts/toolbuild.sh <tool dir> <binary name> <main package> <cache env var> [hashed file pattern...]
#
# The version is the one go.mod in <tool dir> pins (a `tool` directive), so
# by default the cache key is a hash of go.mod and go.sum; the collector,
# whose generated sources live beside them, also names '*.go':
#
#   ${<cache env var>:-${FAPILOG_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fapilog-go}}/<binary name>-<hash>
#
# <hash> is the first 16 hex digits of a SHA-256 over the sha256sum listing
# of the hashed files (sorted by name). Keep it in step with
# internal/toolbuild.SourceHash.
#
# Never builds inside the repository tree. Needs only Go (and, if present,
# flock(1) to serialise with concurrent test builds).
set -euo pipefail

if [[ $# -lt 4 ]]; then
	echo "usage: $0 <tool dir> <binary name> <main package> <cache env var> [hashed file pattern...]" >&2
	exit 2
fi
src="$(cd "$1" && pwd)"
name="$2"
pkg="$3"
cache="${!4:-${FAPILOG_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fapilog-go}}"
shift 4
patterns=("$@")
if [[ ${#patterns[@]} -eq 0 ]]; then
	patterns=(go.mod go.sum)
fi
cd "$src"
mkdir -p "$cache"

hash="$(
	export LC_ALL=C
	# The patterns are globs, expanded here in the tool's folder.
	# shellcheck disable=SC2068
	ls -1 -- ${patterns[@]} | sort | while IFS= read -r f; do
		sha256sum -- "$f"
	done | sha256sum | cut -c1-16
)"
bin="$cache/$name-$hash"

build() {
	if [[ -x "$bin" ]]; then
		return 0
	fi
	local tmp
	tmp="$(mktemp -d "$cache/.$name-$hash.XXXXXX")"
	# GOWORK=off: never pick up a go.work from above. CGO off: static
	# binaries, pure-Go dependencies only.
	if ! GOWORK=off CGO_ENABLED=0 go build -trimpath -o "$tmp/$name" "$pkg" >&2; then
		rm -rf "$tmp"
		return 1
	fi
	mv -f "$tmp/$name" "$bin"
	rm -rf "$tmp"
}

if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache/$name-$hash.lock"
	flock 9
fi
build
echo "$bin"
