#!/usr/bin/env python3
"""Wall-clock time and peak RSS of one-shot commands, alternating so a shared machine's noise falls on all of them.

    bench/oneshot.py RUNS 'label=command args' ['label=command args' ...]

Prints, per command, the median / p90 / min wall time in ms over RUNS runs, and the median peak RSS in KiB over 5 more
runs under /usr/bin/time (wait4 cannot tell it: Linux keeps the spawning process's high-water mark across exec).
"""
import os, shlex, statistics, sys, time

def run_once(argv):
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, os.waitstatus_to_exitcode(status)

def peak_rss_kib(argv):
    import subprocess
    if not os.path.exists("/usr/bin/time"):
        return None
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
    return int(out.strip().splitlines()[-1])

def main():
    runs = int(sys.argv[1])
    cmds = [(spec.split("=", 1)[0], shlex.split(spec.split("=", 1)[1])) for spec in sys.argv[2:]]
    results = {label: ([], [], set()) for label, _ in cmds}
    for label, argv in cmds:  # warm the page cache once
        run_once(argv)
    for _ in range(runs):
        for label, argv in cmds:
            t, code = run_once(argv)
            results[label][0].append(t); results[label][2].add(code)
    for _ in range(5):
        for label, argv in cmds:
            rss = peak_rss_kib(argv)
            if rss is not None:
                results[label][1].append(rss)
    print(f"| command ({runs} runs each) | median ms | p90 ms | min ms | median peak RSS KiB | exit codes |")
    print("|---|---|---|---|---|---|")
    for label, (times, rss, codes) in results.items():
        times.sort()
        print(f"| {label} | {statistics.median(times):.2f} | {times[int(len(times) * 0.9) - 1]:.2f} | {times[0]:.2f} | {statistics.median(rss) if rss else 'n/a'} | {','.join(map(str, sorted(codes)))} |")

if __name__ == "__main__":
    main()
