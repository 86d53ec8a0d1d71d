#!/usr/bin/env bash
# Runs the comparison benchmarks and regenerates docs/readme/performance.md.
#
#   ./benchmarks/run.sh                      # 6 rounds, 1 s per benchmark (~20 min on 2 cores)
#   ROUNDS=2 BENCHTIME=200ms ./benchmarks/run.sh   # a quick look
#
# Each round runs every benchmark once (-count 1) and the rounds are
# repeated: 6 rounds give benchstat the same 6 samples per benchmark as
# -count 6, but interleaved, so that the contenders compared in a ratio ran
# seconds apart rather than minutes (the load of a shared machine drifts).
#
# Writes benchmarks/results/: bench.txt (raw output of every round),
# benchstat.txt, e2e.md, collector.md, machine.txt; the page
# docs/readme/performance.md, and the README's section between the
# <!-- performance:start --> and <!-- performance:end --> markers (the same page).
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS=${ROUNDS:-6}
BENCHTIME=${BENCHTIME:-1s}
E2E_RECORDS=${E2E_RECORDS:-1000000}
COLLECTOR_RECORDS=${COLLECTOR_RECORDS:-200000}
COLLECTOR_ROUNDS=${COLLECTOR_ROUNDS:-3}
results=results
mkdir -p "$results"

benchstat=$(command -v benchstat || true)
if [ -z "$benchstat" ]; then
  benchstat="$(go env GOPATH)/bin/benchstat"
  if [ ! -x "$benchstat" ]; then
    echo "installing benchstat" >&2
    GOFLAGS= go install golang.org/x/perf/cmd/benchstat@latest
  fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/bench.test" .

bench_cmd="bench.test -test.run '^\$' -test.bench . -test.benchmem -test.benchtime $BENCHTIME -test.count 1"
modver() { go list -m -f '{{.Path}} {{.Version}}' "$1" 2>/dev/null || echo "$1 ?"; }
{
  echo "date:        $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu:         $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores)"
  echo "go:          $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  for m in go.opentelemetry.io/otel/sdk/log go.opentelemetry.io/otel/log \
    go.opentelemetry.io/contrib/bridges/otelslog go.opentelemetry.io/contrib/bridges/otelzap \
    go.uber.org/zap github.com/rs/zerolog go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc; do
    echo "module:      $(modver "$m")"
  done
  echo "command:     cd benchmarks && go test -c -o bench.test . && for i in \$(seq $ROUNDS); do ./$bench_cmd; done"
} > "$results/machine.txt.tmp"

: > "$results/bench.txt"
for i in $(seq "$ROUNDS"); do
  echo "round $i/$ROUNDS (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  "$tmp/bench.test" -test.run '^$' -test.bench . -test.benchmem -test.benchtime "$BENCHTIME" -test.count 1 \
    | tee -a "$results/bench.txt" >&2
done

echo "end to end ($E2E_RECORDS records)" >&2
"$tmp/bench.test" -test.run '^TestEndToEnd$' -test.v -e2e.records "$E2E_RECORDS" -results "$PWD/$results" >&2
echo "through the collector ($COLLECTOR_RECORDS records x $COLLECTOR_ROUNDS rounds)" >&2
"$tmp/bench.test" -test.run '^TestThroughCollector$' -test.v -test.timeout 30m \
  -collector.records "$COLLECTOR_RECORDS" -collector.rounds "$COLLECTOR_ROUNDS" -results "$PWD/$results" >&2

{
  cat "$results/machine.txt.tmp"
  echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "rounds:      $ROUNDS x -test.count 1, -test.benchtime $BENCHTIME; e2e $E2E_RECORDS records; collector $COLLECTOR_RECORDS records x $COLLECTOR_ROUNDS rounds"
} > "$results/machine.txt"
rm -f "$results/machine.txt.tmp"

{
  echo "# benchstat $results/bench.txt"
  "$benchstat" "$results/bench.txt"
  echo
  echo "# OpenTelemetry contenders side by side (columns: /impl, compared with the raw SDK)"
  "$benchstat" -filter '/impl:(sdk OR otelslog OR otelzap OR fapilog OR fapilog-noredact)' -col /impl "$results/bench.txt"
} > "$results/benchstat.txt"

go run ./internal/perfreport -bench "$results/bench.txt" -e2e "$results/e2e.md" -collector "$results/collector.md" \
  -machine "$results/machine.txt" -out ../docs/readme/performance.md -readme ../README.md
echo "wrote $results/, docs/readme/performance.md and the README's performance section" >&2
