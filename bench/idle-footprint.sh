#!/usr/bin/env bash
# What the idle monitor costs a daemon that sits idle: `run` as it is, `run --idle-timeout 15m` (a check every 5 s),
# and `run --idle-timeout 15m --exit-with-pid P` (plus the process watch, every second), started side by side and left
# alone for SECONDS (default 60). For each: RSS when ready and at the end (ps -o rss), per minute the wake-ups (voluntary
# context switches of all its threads: a thread that slept and was woken) and the preemptions (involuntary ones: on a
# busy machine mostly the thread pool's spin-wait yielding after a timer callback), from /proc/PID/task/*/status, and
# the CPU time (utime + stime from /proc/PID/stat, 10 ms ticks). ROUNDS rounds (default 3); medians printed.
#   bench/idle-footprint.sh [TOOL] [SECONDS] [ROUNDS]
# TOOL defaults to a Native AOT build of this checkout, published under a temp dir ($TMPDIR); the checkout is untouched.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tool=${1:-}
seconds=${2:-60}
rounds=${3:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/idle-footprint.XXXXXX")
echo "work dir: $work"
if [ -z "$tool" ]; then
  dotnet publish "$root/src/Host/Outfitter.Daemon.Tool" -c Release -r linux-x64 -p:PublishAot=true -o "$work/tool" -nologo -v q >"$work/publish.log" 2>&1 \
    || { echo "publish failed:"; tail -20 "$work/publish.log"; exit 1; }
  tool="$work/tool/outfitter-daemon"
fi
echo "tool: $tool"
export XDG_RUNTIME_DIR="$work/run"
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"

switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/{v+=$2} /^nonvoluntary_ctxt_switches/{n+=$2} END{print v+0, n+0}'; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; } # utime + stime, in clock ticks (after the comm field, which has no spaces here)
rss() { ps -o rss= -p "$1" | tr -d ' '; }
hz=$(getconf CLK_TCK)

sleep 100000 & watched=$!
trap 'kill $watched 2>/dev/null || true' EXIT
for round in $(seq 1 "$rounds"); do
  declare -A pids=()
  for config in plain idle idle+pid; do
    case $config in
      plain) args=() ;;
      idle) args=(--idle-timeout 15m) ;;
      idle+pid) args=(--idle-timeout 15m --exit-with-pid "$watched") ;;
    esac
    name="fp-$round-${config/+/-}"
    "$tool" run --name "$name" "${args[@]}" >"$work/$name.out" 2>&1 & pids[$config]=$!
  done
  for config in "${!pids[@]}"; do
    name="fp-$round-${config/+/-}"
    for _ in $(seq 1 1000); do grep -q READY "$work/$name.out" 2>/dev/null && break; sleep 0.01; done
  done
  sleep 2 # let start-up work (JIT-free under AOT, but the first GC and the thread pool's ramp-down) settle
  declare -A v0=() n0=() c0=() r0=()
  for config in "${!pids[@]}"; do p=${pids[$config]}; read -r v0[$config] n0[$config] < <(switches "$p"); c0[$config]=$(cpu_ticks "$p"); r0[$config]=$(rss "$p"); done
  sleep "$seconds"
  for config in plain idle idle+pid; do
    p=${pids[$config]}
    read -r v1 n1 < <(switches "$p"); c1=$(cpu_ticks "$p"); r1=$(rss "$p")
    awk -v c="$config" -v r0="${r0[$config]}" -v r1="$r1" -v dv=$((v1 - ${v0[$config]})) -v dn=$((n1 - ${n0[$config]})) -v dc=$((c1 - ${c0[$config]})) -v t="$seconds" -v hz="$hz" \
      'BEGIN{printf "%s ready_kib=%d end_kib=%d wakeups_per_min=%.1f preemptions_per_min=%.1f cpu_ms_per_min=%.1f\n", c, r0, r1, dv*60/t, dn*60/t, dc*1000/hz*60/t}' >>"$work/results.txt"
    kill -TERM "$p"; wait "$p" || true
  done
  unset pids v0 n0 c0 r0
done

median() { sort -g | awk '{v[NR]=$1} END{if(NR%2){print v[(NR+1)/2]}else{printf "%.1f\n",(v[NR/2]+v[NR/2+1])/2}}'; }
field() { grep "^$1 " "$work/results.txt" | tr ' ' '\n' | awk -F= -v k="$2" '$1==k{print $2}'; }
printf '\n| idle daemon, %s s, median of %s rounds | RSS ready, KiB | RSS after, KiB | wake-ups / min | preemptions / min | CPU ms / min |\n|---|---|---|---|---|---|\n' "$seconds" "$rounds"
for config in plain idle idle+pid; do
  label=$(case $config in plain) echo '`run`';; idle) echo '`run --idle-timeout 15m`';; *) echo '`run --idle-timeout 15m --exit-with-pid P`';; esac)
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$(field "$config" ready_kib | median)" "$(field "$config" end_kib | median)" \
    "$(field "$config" wakeups_per_min | median)" "$(field "$config" preemptions_per_min | median)" "$(field "$config" cpu_ms_per_min | median)"
done
