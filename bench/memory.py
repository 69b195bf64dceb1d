#!/usr/bin/env python3
"""Memory per idle connection and RSS under connection churn (issue 10, item 7), measured from outside.

For each server command (with {sock} for the socket path; it must print a line containing READY):
  - idle: RSS before, then 1,000 connections opened one by one and each answered once (ping, or echo for echo.c),
    all kept open; KiB per connection = RSS growth / 1,000;
  - churn: 50,000 cycles of connect -> one request -> close; RSS after the first 5,000 and after all 50,000.

  bench/memory.py 'CMD {sock}' ['CMD2 {sock}' ...]    (bench/memory.sh runs ours beside ../shared/bench/echo.c)
"""
import os, shlex, socket, subprocess, sys, tempfile, time

REQ = b'{"id":"1","type":"request","payload":{"type":"echo","data":"x"}}\n'

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def ask(s):
    s.sendall(REQ)
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("connection closed before the reply")
        buf += chunk
    return buf

def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s

def measure(cmd, conns=1000, churn=50_000, first=5_000):
    with tempfile.TemporaryDirectory(prefix="od-mem-") as d:
        path = os.path.join(d, "m.sock")
        proc = subprocess.Popen(shlex.split(cmd.replace("{sock}", path)), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            while "READY" not in (proc.stdout.readline() or "READY?"):
                pass
            warm = connect(path); ask(warm); warm.close()
            time.sleep(0.5)
            before = rss_kib(proc.pid)
            held = []
            for _ in range(conns):
                s = connect(path); ask(s); held.append(s)
            time.sleep(0.5)
            after = rss_kib(proc.pid)
            for s in held:
                s.close()
            time.sleep(0.5)
            start = rss_kib(proc.pid)
            at_first = None
            for i in range(churn):
                s = connect(path); ask(s); s.close()
                if i + 1 == first:
                    time.sleep(0.2)
                    at_first = rss_kib(proc.pid)
            time.sleep(0.2)
            end = rss_kib(proc.pid)
            name = shlex.split(cmd)[0].rsplit("/", 1)[-1]
            print(f"RESULT server={name} rss_before_kib={before} rss_1000_conns_kib={after} "
                  f"kib_per_conn={(after - before) / conns:.1f} churn_start_kib={start} "
                  f"after_{first}_kib={at_first} after_{churn}_kib={end} growth_first_to_last_kib={end - at_first}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)

if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for cmd in sys.argv[1:]:
        measure(cmd)
