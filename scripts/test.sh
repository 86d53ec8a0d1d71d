#!/usr/bin/env bash
# The whole test suite: formatting, vet (linux, and darwin and windows so
# the tests keep compiling there), unit and integration tests (against a
# real OpenTelemetry Collector built from tools/otelcol and a real
# VictoriaLogs built from tools/victorialogs and a real Jaeger v2 built
# from tools/jaeger), the benchmark module's tests,
# staticcheck, a short fuzz run, and the compose stack's validation.
#
#   ./scripts/test.sh                        # everything; soaks on a short load
#   FAPILOG_LONG_TESTS=1 ./scripts/test.sh   # soaks on their full load (CI: .ci/run sets it)
#   SHORT=1 ./scripts/test.sh                # skip the fuzz run and compose validation
#
# Independent steps run side by side: the two cached builds run under gofmt
# and vet, the compose check under go test (whose packages run in parallel,
# go test's default), the benchmark module under the time-boxed fuzz run.
# A background step's output is printed when it is collected.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
# One cache for the built collector, VictoriaLogs and Jaeger, shared by the build
# scripts and the Go tests, even where HOME is unset.
export FAPILOG_OTELCOL_CACHE="${FAPILOG_OTELCOL_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/fapilog-go}"
step() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - start ))"; }

logs=$(mktemp -d)
declare -A pids=() titles=()
cleanup() {
	for key in "${!pids[@]}"; do kill "${pids[$key]}" 2>/dev/null || true; done
	rm -rf "$logs"
}
trap cleanup EXIT
# bg KEY TITLE CMD...: run CMD in the background, its output to a log.
bg() {
	local key=$1 title=$2
	shift 2
	titles[$key]=$title
	("$@") >"$logs/$key.log" 2>&1 &
	pids[$key]=$!
}
# collect KEY: wait for a background step, print its output, fail with it.
collect() {
	local key=$1 rc=0
	wait "${pids[$key]}" || rc=$?
	unset "pids[$key]"
	step "${titles[$key]} (ran in the background)"
	cat "$logs/$key.log"
	if [ "$rc" -ne 0 ]; then
		echo "FAILED: ${titles[$key]} (exit $rc)"
		exit "$rc"
	fi
}

bg otelcol "build the test collector (cached by source hash)" ./tools/otelcol/build.sh
bg vlogs "build VictoriaLogs (cached by version)" ./tools/victorialogs/build.sh
# Jaeger's cold build is the longest step (about 10 minutes on 2 cores,
# from modules only); warm, it is a cache hit.
bg jaeger "build Jaeger v2 (cached by version)" ./tools/jaeger/build.sh

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go') | grep -v '^tools/otelcol/' || true)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet (linux, darwin, windows: the tests must compile on all three)"
go vet ./...
GOOS=darwin go vet ./...
GOOS=windows go vet ./...

collect otelcol
collect vlogs
collect jaeger

if [ -z "${SHORT:-}" ]; then
	bg compose "docker-compose.yml (compose-go, tools/composecheck)" \
		bash -c 'GOWORK=off go -C tools/composecheck vet ./... && GOWORK=off go -C tools/composecheck test -count=1 ./... && ./scripts/validate-compose.sh'
fi

step "go test -race (unit + integration with the real collector and VictoriaLogs; full soaks: ${FAPILOG_LONG_TESTS:-0})"
# -p 4: two cores, but the integration and reliability packages spend much
# of their time waiting on child processes, so four packages at a time keep
# the cores busy (go test's default is one per core).
go test -race -count=1 -p 4 -timeout 20m ./...

if [ -f benchmarks/go.mod ]; then
	bg bench "benchmarks module: vet and tests (allocation pins, one iteration of each benchmark)" \
		bash -c 'cd benchmarks && go vet ./... && go test -count=1 -run . -bench . -benchtime 1x ./...'
fi
# staticcheck, pinned (the module proxy serves honnef.co/go/tools v0.8.2).
bg staticcheck "staticcheck" go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
if [ -z "${SHORT:-}" ]; then
	# Time-boxed, so it overlaps the benchmark module's run at no cost.
	step "fuzz value conversion (short run)"
	go test -run '^$' -fuzz '^FuzzValue$' -fuzztime 15s ./bridge/
	go test -run '^$' -fuzz '^FuzzAppendKV$' -fuzztime 10s ./bridge/
	collect compose
fi
if [ -f benchmarks/go.mod ]; then
	collect bench
fi
collect staticcheck

step "all tests passed"
