#!/usr/bin/env bash
# Compares the serial emit path (BenchmarkStackShift) of two revisions of
# the library, with what a plain A/B run cannot tell from a change averaged
# out: each build is linked with several random function layouts
# (-ldflags=-randlayout), and each call runs at several stack depths. See
# internal/layoutcmp for how the runs are combined.
#
#   ./benchmarks/compare.sh OLD_REV              # against the working tree
#   ./benchmarks/compare.sh OLD_REV NEW_REV
#   SEEDS=8 ROUNDS=3 BENCHTIME=300ms BENCH='StackShift/attrs=3/' ./benchmarks/compare.sh 1f41af1
#
# The runs are pinned to one CPU (PIN, default 0) when taskset is there, and
# the two builds alternate which runs first. An old revision without the
# StackShift benchmark gets this tree's copy (it needs only startFapilog and
# fapilog.WithoutRedaction). About 8 minutes with the defaults.
set -euo pipefail
cd "$(dirname "$0")"
[ $# -ge 1 ] || { sed -n 2,16p "$0"; exit 2; }
old=$1
new=${2:-}
SEEDS=${SEEDS:-8}
ROUNDS=${ROUNDS:-3}
BENCHTIME=${BENCHTIME:-300ms}
BENCH=${BENCH:-StackShift/}
PIN=${PIN:-0}

repo=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
cleanup() {
  for d in "$tmp"/tree-*; do
    [ -d "$d" ] && git -C "$repo" worktree remove --force "$d" >/dev/null 2>&1
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# tree REV: a checkout of REV's benchmarks directory.
tree() {
  local dir="$tmp/tree-$1"
  git -C "$repo" worktree add --detach "$dir" "$1" >/dev/null 2>&1
  if [ ! -f "$dir/benchmarks/stackshift_test.go" ]; then
    cp stackshift_test.go "$dir/benchmarks/"
  fi
  echo "$dir/benchmarks"
}

build() { # build DIR TAG
  for s in $(seq "$SEEDS"); do
    (cd "$1" && go test -c -ldflags="-randlayout=$s" -o "$tmp/$2.$s.test" .)
  done
}

echo "building $SEEDS layouts of $old and of ${new:-the working tree}" >&2
build "$(tree "$old")" old
if [ -n "$new" ]; then build "$(tree "$new")" new; else build . new; fi

pin=()
if command -v taskset >/dev/null; then pin=(taskset -c "$PIN"); fi
run() { # run TAG SEED
  FAPILOG_BENCH_STACKSHIFT=1 "${pin[@]}" "$tmp/$1.$2.test" -test.run '^$' -test.bench "$BENCH" \
    -test.benchtime "$BENCHTIME" -test.cpu 1 | grep '^Benchmark' >> "$tmp/$1.$2.txt"
}
for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  for s in $(seq "$SEEDS"); do
    if [ $(((r + s) % 2)) -eq 0 ]; then run old "$s"; run new "$s"; else run new "$s"; run old "$s"; fi
  done
done
go run ./internal/layoutcmp -old "$tmp/old.*.txt" -new "$tmp/new.*.txt"
