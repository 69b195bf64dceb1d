#!/usr/bin/env python3
"""CPU while descriptors are exhausted (issue 10, item 6), measured from outside.

  bench/fd_exhaustion.py TOOL [clients]

Two cases, each with 120 clients (default) connected and idle, CPU sampled from /proc/PID/stat over 5 s:
  budget  - the daemon starts under RLIMIT_NOFILE 64: its connection limit keeps descriptors in reserve, the rest of
            the clients wait in the backlog;
  emfile  - the daemon starts with a large limit (so its connection limit is large), then `prlimit` lowers it to 64
            under it: accept really fails with EMFILE and the back-off is what keeps the CPU down.
Then all clients close and a new client must be answered (recovery).
"""
import os, socket, subprocess, sys, tempfile, time

REQ = b'{"id":"1","type":"request","payload":{"type":"ping"}}\n'

def cpu_ticks(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])

def run(tool, clients, mode):
    with tempfile.TemporaryDirectory(prefix="od-fd-") as d:
        path = os.path.join(d, "fd.sock")
        prefix = "ulimit -n 64 && " if mode == "budget" else ""
        proc = subprocess.Popen(["bash", "-c", prefix + 'exec "$0" run --socket "$1"', tool, path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert "READY" in proc.stdout.readline()
            if mode == "emfile":
                subprocess.run(["prlimit", "--pid", str(proc.pid), "--nofile=64:64"], check=True)
            held = []
            for _ in range(clients):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(path); held.append(s)
            time.sleep(1)
            fds = len(os.listdir(f"/proc/{proc.pid}/fd"))
            a = cpu_ticks(proc.pid); time.sleep(5); b = cpu_ticks(proc.pid)
            cpu = (b - a) / os.sysconf("SC_CLK_TCK") / 5 * 100
            alive = proc.poll() is None
            for s in held:
                s.close()
            time.sleep(0.5)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(10); s.connect(path); s.sendall(REQ)
            recovered = b"pong" in s.recv(1000)
            print(f"RESULT mode={mode} clients={clients} daemon_fds={fds} cpu_percent={cpu:.1f} alive={alive} recovered={recovered}")
        finally:
            proc.terminate(); proc.wait(timeout=30)

if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 120
    for mode in ("budget", "emfile"):
        run(sys.argv[1], n, mode)
