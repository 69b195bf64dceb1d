#!/usr/bin/env bash
# Fuzzes the Core parsers with AFL++ through SharpFuzz, one target at a time for a bounded time (see fuzz/README.md).
#   fuzz/run.sh [SECONDS-PER-TARGET] [TARGET ...]       default: 60 s for each of envelope reply framing lockfile payload
#   FUZZ_SAVE=1 fuzz/run.sh ...                          also minimize the new queue entries (afl-cmin) into fuzz/corpus
# Prints the executions per target (execs_done from fuzzer_stats) and every crash or hang, and exits 1 if any was found.
# Needs root or sudo only to install afl++ when it is missing. Not part of .ci/run: the corpus replays in dotnet test.
set -euo pipefail

seconds="${1:-60}"
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(envelope reply framing lockfile payload)

here="$(cd "$(dirname "$0")" && pwd)"
corpus="$here/corpus"
work="${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/outfitter-fuzz.XXXXXX")}"
tools="${FUZZ_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/outfitter-fuzz/tools}"
mkdir -p "$work/findings" "$tools"
echo "== work folder: $work"

if ! command -v afl-fuzz >/dev/null; then
  echo "== installing afl++"
  sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq afl++ >/dev/null
fi
if [ ! -x "$tools/sharpfuzz" ]; then
  echo "== installing SharpFuzz.CommandLine"
  dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

echo "== publishing and instrumenting the harness"
bin="$work/bin"
rm -rf "$bin"
dotnet publish "$here/Outfitter.Daemon.Fuzz/Outfitter.Daemon.Fuzz.csproj" -c Release -o "$bin" -nologo -v q
# Findings are replayed with an uninstrumented copy: instrumented code needs the fork server's coverage map.
rm -rf "$work/replay"
cp -r "$bin" "$work/replay"
# Only our parsers carry AFL edge counters; System.Text.Json and LanguageExt run uninstrumented (json.dict helps there).
"$tools/sharpfuzz" "$bin/Outfitter.Daemon.Core.dll"
harness=("$(command -v dotnet)" "$bin/Outfitter.Daemon.Fuzz.dll")
replay=("$(command -v dotnet)" "$work/replay/Outfitter.Daemon.Fuzz.dll")

export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
export AFL_ALLOW_TMP=1  # afl-cmin refuses a temporary work folder otherwise
export DOTNET_TieredPGO=0 DOTNET_gcServer=0 DOTNET_CLI_TELEMETRY_OPTOUT=1

found=0
summary=()
for target in "${targets[@]}"; do
  out="$work/findings/$target"
  rm -rf "$out"
  dict=()
  case "$target" in envelope|reply|payload) dict=(-x "$here/json.dict") ;; esac
  echo "== afl-fuzz $target for ${seconds}s"
  # -V ends the campaign; timeout is the backstop. The harness runs in SharpFuzz's fork server (one .NET process).
  timeout --signal=INT --kill-after=30 $((seconds + 120)) \
    afl-fuzz -V "$seconds" -i "$corpus/$target" -o "$out" -t 5000 -m none "${dict[@]}" -- "${harness[@]}" "$target" \
    > "$work/afl-$target.log" 2>&1 || { echo "afl-fuzz $target exited with $? (log: $work/afl-$target.log)"; tail -20 "$work/afl-$target.log"; }

  stats="$out/default/fuzzer_stats"
  execs="$(awk -F' *: *' '$1=="execs_done"{print $2}' "$stats" 2>/dev/null || true)"
  speed="$(awk -F' *: *' '$1=="execs_per_sec"{print $2}' "$stats" 2>/dev/null || true)"
  paths="$(awk -F' *: *' '$1=="corpus_count"{print $2}' "$stats" 2>/dev/null || true)"
  crashes=$(find "$out/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
  hangs=$(find "$out/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
  summary+=("$(printf '%-9s execs_done=%-9s execs_per_sec=%-8s corpus=%-5s crashes=%s hangs=%s' "$target" "${execs:-?}" "${speed:-?}" "${paths:-?}" "$crashes" "$hangs")")
  if [ $((crashes + hangs)) -gt 0 ]; then
    found=1
    for f in "$out"/default/crashes/id:* "$out"/default/hangs/id:*; do
      [ -f "$f" ] || continue
      echo "-- $target finding: $f"
      "${replay[@]}" "$target" "$f" | head -5 || true
    done
  fi

  if [ "${FUZZ_SAVE:-0}" = 1 ] && [ -d "$out/default/queue" ]; then
    # Keep what AFL++ found new (not the seeds themselves), minimized to a set with the same coverage, small files only.
    min="$work/min/$target"
    rm -rf "$min"
    if afl-cmin -i "$out/default/queue" -o "$min" -t 5000 -m none -- "${harness[@]}" "$target" > "$work/cmin-$target.log" 2>&1; then
      added=0
      for f in "$min"/*; do
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 4096 ] || continue
        case "$(basename "$f")" in *orig:*) continue ;; esac
        name="afl-$(sha1sum "$f" | cut -c1-12)"
        [ -e "$corpus/$target/$name" ] || { cp "$f" "$corpus/$target/$name"; added=$((added + 1)); }
      done
      echo "== $target: added $added minimized inputs to fuzz/corpus/$target"
    else
      echo "afl-cmin $target failed (log: $work/cmin-$target.log)"
    fi
  fi
done

echo "== summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit "$found"
