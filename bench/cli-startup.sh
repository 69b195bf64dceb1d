#!/usr/bin/env bash
# The command line's cost where users feel it, for the Native AOT tool built from BASE (default: main) and from this
# checkout, in the same run: spawn → first answered ping (../shared/bench loadgen startup, 20 spawns per round), the
# daemon's RSS once ready and after 20,000 requests, and one-shot commands (--version, ping to a running daemon, a usage
# error) as wall time and peak RSS (bench/oneshot.py). ROUNDS rounds (default 3), alternating; medians printed.
#   bench/cli-startup.sh [BASE] [ROUNDS]
# Everything is built and run under a temp dir ($TMPDIR); the checkout and BASE's tree are left untouched.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-main}
rounds=${2:-3}
shared=${OUTFITTER_BENCH_DIR:-$root/../shared/bench}
work=$(mktemp -d "${TMPDIR:-/tmp}/cli-startup.XXXXXX")
echo "work dir: $work"
gcc -O2 -o "$work/loadgen" "$shared/loadgen.c"

publish() { # tree outdir
  dotnet publish "$1/src/Host/Outfitter.Daemon.Tool" -c Release -r linux-x64 -p:PublishAot=true -o "$2" -nologo -v q >"$2.log" 2>&1 \
    || { echo "publish of $1 failed:"; tail -20 "$2.log"; exit 1; }
}
if [ -n "${BASE_TOOL:-}" ]; then mkdir -p "$work/base-tool"; cp "$BASE_TOOL" "$work/base-tool/outfitter-daemon"; else
  mkdir -p "$work/base-src"; git -C "$root" archive "$base" | tar -x -C "$work/base-src"; publish "$work/base-src" "$work/base-tool"; fi
if [ -n "${HEAD_TOOL:-}" ]; then mkdir -p "$work/head-tool"; cp "$HEAD_TOOL" "$work/head-tool/outfitter-daemon"; else publish "$root" "$work/head-tool"; fi
ls -l "$work"/*-tool/outfitter-daemon

rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
for i in $(seq 1 "$rounds"); do
  for side in base head; do
    tool="$work/$side-tool/outfitter-daemon"
    sock="$work/$side-$i.sock"
    "$work/loadgen" startup "$sock" 20 "$tool" run --socket "$sock" 2>/dev/null | sed "s/^/$side /" >>"$work/startup.txt"
    rm -f "$sock" "$sock.lock"
    "$tool" run --socket "$sock" >"$work/$side-$i.out" 2>&1 & pid=$!
    for _ in $(seq 1 500); do grep -q READY "$work/$side-$i.out" 2>/dev/null && break; sleep 0.01; done
    ready=$(rss_kib "$pid")
    "$work/loadgen" latency "$sock" 20000 64 >/dev/null
    after=$(rss_kib "$pid")
    echo "$side ready_kib=$ready after20k_kib=$after" >>"$work/rss.txt"
    python3 "$root/bench/oneshot.py" 20 "$side --version=$tool --version" "$side ping=$tool ping --socket $sock" \
      "$side bad option=$tool status --nmae x" | grep "^| $side" >>"$work/oneshot.txt"
    kill -TERM "$pid"; wait "$pid" || true
  done
done

median() { sort -g | awk '{v[NR]=$1} END{if(NR%2){print v[(NR+1)/2]}else{printf "%.1f\n",(v[NR/2]+v[NR/2+1])/2}}'; }
field() { grep "^$1 " "$2" | tr ' ' '\n' | awk -F= -v k="$3" '$1==k{print $2}'; }
printf '\n| figure (median of %s rounds) | %s | this checkout |\n|---|---|---|\n' "$rounds" "$base"
printf '| spawn → first ping, ms (median of 20 spawns per round) | %s | %s |\n' "$(field base "$work/startup.txt" median_ms | median)" "$(field head "$work/startup.txt" median_ms | median)"
printf '| daemon RSS when ready, KiB | %s | %s |\n' "$(field base "$work/rss.txt" ready_kib | median)" "$(field head "$work/rss.txt" ready_kib | median)"
printf '| daemon RSS after 20,000 requests, KiB | %s | %s |\n' "$(field base "$work/rss.txt" after20k_kib | median)" "$(field head "$work/rss.txt" after20k_kib | median)"
for cmd in "--version" "ping" "bad option"; do
  for stat in 3 6; do # median ms, peak RSS
    b=$(grep "^| base $cmd |" "$work/oneshot.txt" | awk -F'|' -v c=$stat '{print $(c)}' | median)
    h=$(grep "^| head $cmd |" "$work/oneshot.txt" | awk -F'|' -v c=$stat '{print $(c)}' | median)
    printf '| one-shot `%s`, %s | %s | %s |\n' "$cmd" "$([ $stat = 3 ] && echo 'wall ms' || echo 'peak RSS KiB')" "$b" "$h"
  done
done
