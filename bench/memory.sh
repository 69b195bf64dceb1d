#!/usr/bin/env bash
# Memory per idle connection and RSS under churn: the Native AOT tool beside ../shared/bench/echo.c, in the same run.
#   bench/memory.sh            # builds the AOT tool into a temp dir (or set TOOL=path/to/outfitter-daemon)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${OUTFITTER_BENCH_DIR:-$root/../shared/bench}
out=${BENCH_OUT:-${TMPDIR:-/tmp}/outfitter-bench}
mkdir -p "$out"
gcc -O2 -o "$out/echo" "$shared/echo.c"
if [ -z "${TOOL:-}" ]; then
  dotnet publish "$root/src/Host/Outfitter.Daemon.Tool" -c Release -r linux-x64 -p:PublishAot=true -o "$out/aot" -nologo -v q
  TOOL="$out/aot/outfitter-daemon"
fi
python3 "$root/bench/memory.py" "$out/echo {sock}" "$TOOL run --socket {sock}"
