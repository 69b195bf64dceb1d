#!/usr/bin/env python3
"""Requests lost at shutdown, measured from outside with raw sockets (issue 10, item 1).

Each round starts `outfitter-daemon run --socket S`, keeps 32 pings in flight on one connection, and after 48 replies
stops the daemon (by SIGTERM, or by a `shutdown` request on a second connection). A request counts as *sent* when its
whole line was written; it is *lost* when it got neither a response nor an error before the connection ended. Also
counted: connections that ended with a reset instead of an end of stream, and SHUTTING_DOWN replies.

  bench/shutdown_loss.py TOOL [rounds] [sigterm|shutdown|both]
"""
import json, os, signal, socket, subprocess, sys, tempfile, threading, time

def round_trip(tool, sock_path, how):
    daemon = subprocess.Popen([*tool, "run", "--socket", sock_path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = daemon.stdout.readline()
    if "READY" not in line:
        raise SystemExit(f"daemon did not start: {line!r}")
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(sock_path)
    other = None
    if how == "shutdown":
        other = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        other.connect(sock_path)
    replies, lock, slots = {}, threading.Lock(), threading.Semaphore(32)
    done = threading.Event()
    stats = {"shutting_down": 0, "reset": False, "eof": False}

    def sender():
        n = 0
        while not done.is_set():
            if not slots.acquire(timeout=0.05):
                continue
            n += 1
            data = (json.dumps({"id": str(n), "type": "request", "payload": {"type": "ping"}}, separators=(",", ":")) + "\n").encode()
            with lock:
                replies[str(n)] = 0
            try:
                c.sendall(data)
            except OSError:
                with lock:
                    del replies[str(n)]   # refused: not sent
                return

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    buf, total, stopped = b"", 0, False
    try:
        while True:
            chunk = c.recv(65536)
            if not chunk:
                stats["eof"] = True
                break
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                msg = json.loads(raw)
                with lock:
                    if msg.get("id") in replies:
                        replies[msg["id"]] += 1
                if msg.get("type") == "error" and msg.get("payload", {}).get("code") == "SHUTTING_DOWN":
                    stats["shutting_down"] += 1
                slots.release()
                total += 1
                if total == 48 and not stopped:
                    stopped = True
                    if how == "sigterm":
                        daemon.send_signal(signal.SIGTERM)
                    else:
                        other.sendall(b'{"id":"stop","type":"request","payload":{"type":"shutdown"}}\n')
    except ConnectionResetError:
        stats["reset"] = True
    done.set()
    t.join()
    daemon.wait(timeout=30)
    c.close()
    if other:
        other.close()
    with lock:
        sent = len(replies)
        lost = sum(1 for v in replies.values() if v == 0)
    return sent, lost, stats

def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    tool = sys.argv[1].split()
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    modes = ["sigterm", "shutdown"] if (sys.argv[3] if len(sys.argv) > 3 else "both") == "both" else [sys.argv[3]]
    with tempfile.TemporaryDirectory(prefix="od-loss-") as d:
        for how in modes:
            sent = lost = bad_rounds = resets = sd = 0
            started = time.time()
            for r in range(rounds):
                s, l, st = round_trip(tool, os.path.join(d, f"{how}.sock"), how)
                sent += s; lost += l; sd += st["shutting_down"]
                resets += st["reset"] or not st["eof"]
                bad_rounds += l > 0
            print(f"RESULT mode={how} rounds={rounds} sent={sent} lost={lost} rounds_with_loss={bad_rounds} "
                  f"resets={resets} shutting_down_replies={sd} seconds={time.time() - started:.1f}")

if __name__ == "__main__":
    main()
