#!/usr/bin/env bash
# Load run of `outfitter-daemon run` against the neutral load generator and C echo server in ../shared/bench
# (override with OUTFITTER_BENCH_DIR). Prints latency and throughput for both and the ratio.
#   bench/load.sh            # latency 1x64B, throughput 4x32 64B and 4KiB
#   BAD=1 bench/load.sh      # also the bad-input cases
#   bench/load.sh micro      # BenchmarkDotNet micro-benchmarks of framing and envelopes
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = micro ]; then
  exec dotnet run -c Release --project "$root/bench/Outfitter.Daemon.Benchmarks" -- --filter '*' "${@:2}"
fi
shared=${OUTFITTER_BENCH_DIR:-$root/../shared/bench}
[ -x "$shared/compare.sh" ] || { echo "load generator not found at $shared (set OUTFITTER_BENCH_DIR)"; exit 1; }
dotnet build -c Release "$root/src/Host/Outfitter.Daemon.Tool" -nologo -v q
"$shared/compare.sh" "dotnet $root/src/Host/Outfitter.Daemon.Tool/bin/Release/net10.0/outfitter-daemon.dll run --socket {sock}"
