#!/usr/bin/env bash
# The tool against a daemon that accepts connections but never answers (SIGSTOPped; deadlocked or overloaded behaves the
# same): how long ping, status and health take with their default timeouts, and how long `stop --force --timeout 5`
# takes to end it. Each line: command, exit code, seconds, first line of stderr.
#
# Usage: bench/tool-timeouts.sh [TOOL COMMAND...]
#   default: dotnet src/Host/Outfitter.Daemon.Tool/bin/Debug/net10.0/outfitter-daemon.dll (build first)
#   e.g.:    bench/tool-timeouts.sh ./aot/outfitter-daemon
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then tool=("$@"); else tool=(dotnet src/Host/Outfitter.Daemon.Tool/bin/Debug/net10.0/outfitter-daemon.dll); fi

XDG_RUNTIME_DIR="$(mktemp -d "${TMPDIR:-/tmp}/outfitter-bench.XXXXXX")"
export XDG_RUNTIME_DIR
name="bench-$$"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$XDG_RUNTIME_DIR"
}
trap cleanup EXIT

measure() {
  local start end code err
  err="$(mktemp)"
  start=$(date +%s%N)
  set +e
  "${tool[@]}" "$@" >/dev/null 2>"$err"
  code=$?
  set -e
  end=$(date +%s%N)
  printf '%-44s exit %3d  %6.2f s  %s\n' "$*" "$code" "$(awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')" "$(head -c 160 "$err" | head -n 1)"
  rm -f "$err"
}

pid=$("${tool[@]}" start --name "$name" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
kill -STOP "$pid"
echo "daemon $name, PID $pid, SIGSTOPped"

measure ping --name "$name"
measure status --name "$name"
measure health --name "$name"
measure stop --force --timeout 5 --name "$name"

if kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*zombie' "/proc/$pid/status" 2>/dev/null; then
  echo "daemon PID $pid is STILL RUNNING"
  exit 1
fi
echo "daemon PID $pid is gone"
pid=""
