#!/usr/bin/env bash
# The whole test suite: formatting, vet, unit and integration tests (against
# a real OpenTelemetry Collector built from tools/otelcol), a short fuzz run,
# the benchmark module's tests, and the compose stack's validation.
#
#   ./scripts/test.sh            # everything
#   SHORT=1 ./scripts/test.sh    # skip the fuzz run and compose validation
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
# One cache for the built collector, shared by build.sh and the Go tests,
# even where HOME is unset.
export FAPILOG_OTELCOL_CACHE="${FAPILOG_OTELCOL_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/fapilog-go}"
step() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - start ))"; }

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './tools/otelcol/*') | grep -v '^tools/otelcol/' || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "build the test collector (cached by source hash)"
./tools/otelcol/build.sh >/dev/null

step "go test -race (unit + integration with the real collector)"
go test -race -count=1 -timeout 15m ./...

if [ -f benchmarks/go.mod ]; then
  step "benchmarks module: vet and tests (allocation pins, one iteration of each benchmark)"
  (cd benchmarks && go vet ./... && go test -count=1 -run . -bench . -benchtime 1x ./...)
fi

if [ -z "${SHORT:-}" ]; then
  step "fuzz value conversion (short run)"
  go test -run '^$' -fuzz '^FuzzValue$' -fuzztime 15s ./bridge/
  go test -run '^$' -fuzz '^FuzzAppendKV$' -fuzztime 10s ./bridge/

  if [ -x scripts/validate-compose.sh ]; then
    step "docker-compose.yml"
    ./scripts/validate-compose.sh
  fi
fi

step "all tests passed"
