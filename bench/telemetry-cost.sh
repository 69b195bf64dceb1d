#!/usr/bin/env bash
# What telemetry costs with nobody listening: the Native AOT tool (`outfitter-daemon run --socket {sock}`) built from
# BASE (default: main) and from this checkout, each measured ROUNDS times (default 3, alternating, so the noise of a
# shared machine falls on both) with the shared load generator (../shared/bench/compare.sh, override with
# OUTFITTER_BENCH_DIR); prints the median of each figure and the ratio.
#   bench/telemetry-cost.sh                 # main vs this checkout, 3 rounds each
#   bench/telemetry-cost.sh BASE ROUNDS     # another ref
#   MICRO=1 bench/telemetry-cost.sh         # also BenchmarkDotNet's ServerRequestBenchmarks in this checkout
# Everything is built and run under a temp dir ($TMPDIR); the checkout and BASE's tree are left untouched.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-main}
rounds=${2:-3}
shared=${OUTFITTER_BENCH_DIR:-$root/../shared/bench}
[ -x "$shared/compare.sh" ] || { echo "load generator not found at $shared (set OUTFITTER_BENCH_DIR)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/telemetry-cost.XXXXXX")
echo "work dir: $work"

publish() { # tree outdir
  dotnet publish "$1/src/Host/Outfitter.Daemon.Tool" -c Release -r linux-x64 -p:PublishAot=true -o "$2" -nologo -v q >"$2.log" 2>&1 \
    || { echo "publish of $1 failed:"; tail -20 "$2.log"; exit 1; }
}

mkdir -p "$work/base-src"
git -C "$root" archive "$base" | tar -x -C "$work/base-src"
echo "== publishing $base ($(git -C "$root" rev-parse --short "$base")) and this checkout ($(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo ', with uncommitted changes'))"
publish "$work/base-src" "$work/base-tool"
publish "$root" "$work/head-tool"

for i in $(seq 1 "$rounds"); do
  for side in base head; do
    echo "== round $i: $side"
    BENCH_OUT="$work/run-$side-$i" "$shared/compare.sh" "$work/$side-tool/outfitter-daemon run --socket {sock}" >"$work/run-$side-$i.txt" 2>&1 \
      || { echo "compare.sh failed:"; tail -20 "$work/run-$side-$i.txt"; exit 1; }
    grep '^yours RESULT' "$work/run-$side-$i/results.txt" >>"$work/$side.results"
  done
done

value() { # side mode size key -> one value per round
  grep " mode=$2 size=$3 " "$work/$1.results" | tr ' ' '\n' | awk -F= -v k="$4" '$1==k{print $2}'
}
median() { sort -g | awk '{v[NR]=$1} END{if(NR==0){print ""}else if(NR%2){print v[(NR+1)/2]}else{printf "%.1f\n",(v[NR/2]+v[NR/2+1])/2}}'; }
printf '\n| figure (median of %s) | %s | this checkout | ratio | all %s | all this checkout |\n|---|---|---|---|---|---|\n' "$rounds" "$base" "$base"
for row in "latency 64 p50_us" "latency 64 p99_us" "throughput 64 rps" "throughput 64 p99_us" "throughput 4096 rps" "throughput 4096 p99_us"; do
  set -- $row
  b=$(value base "$1" "$2" "$3" | median); h=$(value head "$1" "$2" "$3" | median)
  printf '| %s %s B %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$b" "$h" \
    "$(awk -v a="$b" -v b="$h" 'BEGIN{if(a>0)printf "%.3f", b/a}')" \
    "$(value base "$1" "$2" "$3" | paste -sd' ')" "$(value head "$1" "$2" "$3" | paste -sd' ')"
done

if [ "${MICRO:-0}" = 1 ]; then
  echo "== BenchmarkDotNet: ServerRequestBenchmarks (no listener, meter, activity, both)"
  dotnet run -c Release --project "$root/bench/Outfitter.Daemon.Benchmarks" -- --filter '*ServerRequestBenchmarks*' --artifacts "$work/bdn"
fi
