#!/usr/bin/python3
"""Measures `net_bench serve` under the attacks of issues 10 and 17, the same
way before and after: prints one line per figure. Everything runs over
loopback (the flood comes from 127.0.0.2-9, the legitimate client from
127.0.0.1).

usage: serve_attacks.py NET_BENCH [--protocol=2|4] [--only=NAME,...]

--protocol=2 measures a net_bench from before authentication (no key);
protocol 4 makes a key and gives it to serve and to every legitimate client.
Takes a few minutes against an old server (its timeouts are the client's).
"""
import argparse
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_protocol as sp  # noqa: E402

MiB = 1 << 20


class Serve:
    """`net_bench serve` on a loopback port, its stderr in a file."""

    def __init__(self, args, key_file=None, extra=(), nofile=None):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = tempfile.NamedTemporaryFile(prefix="serve.", suffix=".log", delete=False)
        cmd = [args.net_bench, "serve", "--listen=127.0.0.1:%d" % self.port, *extra]
        if key_file:
            cmd.append("--auth_key_file=" + key_file)

        def limits():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.proc = subprocess.Popen(cmd, stderr=self.log, preexec_fn=limits)
        sp.wait_until(self.listening, 10)
        time.sleep(0.2)
        self.idle_rss = sp.rss_kb(self.proc.pid)
        self.idle_threads = sp.threads(self.proc.pid)

    def listening(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def stop(self, timeout=60):
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        return time.monotonic() - start

    def log_lines(self):
        with open(self.log.name) as f:
            return f.read().splitlines()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.unlink(self.log.name)


def open_stalled(args, port, mode, size=16 * MiB, timeout_ms=100):
    """An RR connection that asks for one `size` answer and never reads it."""
    f = sp.hello_fields(pattern=sp.RR, mode=mode, size=size, timeout_ms=timeout_ms)
    s = sp.open_connection(args.protocol, port, f, key=args.key, timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"\0" * 8)
    return s


def leak(args):
    for mode in ("ZeroCopy", "UringZeroCopy", "OneCopy", "SpliceZeroCopy"):
        serve = Serve(args, args.key_file)
        try:
            rss = ["%.1f" % (serve.idle_rss / 1024)]
            for _ in range(6):
                socks = []
                for _ in range(8):
                    try:
                        socks.append(open_stalled(args, serve.port, mode))
                    except (sp.Refused, OSError) as e:
                        print("  %s: refused: %s" % (mode, e))
                time.sleep(0.5)
                sp.wait_until(lambda: sp.threads(serve.proc.pid) <= serve.idle_threads, 60)
                for s in socks:
                    s.close()
                time.sleep(0.5)
                rss.append("%.1f" % (sp.rss_kb(serve.proc.pid) / 1024))
            print("leak %-15s RSS MB idle, then after each round of 8 stalled 16 MiB RR "
                  "peers: %s" % (mode, " -> ".join(rss)))
        finally:
            serve.close()


FLOOD_SOURCES = ["127.0.0.%d" % i for i in range(2, 10)]
FLOOD_PER_SOURCE = 64  # the per-address default


def flood(args):
    """Issue 17: silent connections from 8 addresses, 64 each (each one the
    server closes is opened again at once), then key holders' runs from
    127.0.0.1; every limit at its default."""
    serve = Serve(args, args.key_file)
    stop = threading.Event()
    lock = threading.Lock()
    reasons, opened = {}, [0]

    def flooder(source):
        mine = []
        greeted = set()  # the sockets whose Challenge came: what follows is an Ack
        while not stop.is_set():
            while len(mine) < FLOOD_PER_SOURCE and not stop.is_set():
                try:
                    s = sp.connect(serve.port, source=source, timeout=2)
                except OSError as e:
                    with lock:
                        reasons[type(e).__name__] = reasons.get(type(e).__name__, 0) + 1
                    time.sleep(0.01)
                    continue
                s.setblocking(False)
                mine.append(s)
                with lock:
                    opened[0] += 1
            for s in list(mine):
                try:
                    data = s.recv(sp.CHALLENGE.size if s not in greeted else sp.ACK.size)
                except BlockingIOError:
                    continue
                except OSError as e:
                    data, why = b"", type(e).__name__
                else:
                    why = None
                if s not in greeted and len(data) >= 8 and \
                        int.from_bytes(data[:4], "little") == sp.CHALLENGE_MAGIC:
                    if data[7]:
                        greeted.add(s)
                        continue  # a challenge: the flooder stays silent
                    why = "refused: " + sp.text(data[40:128]).split(":")[0]
                elif len(data) >= 8 and int.from_bytes(data[:4], "little") == sp.ACK_MAGIC:
                    why = "in the Ack: " + sp.text(data[8:128]).split(":")[0]
                elif data:
                    why = "%d bytes" % len(data)
                elif why is None:
                    why = "closed without a word"
                with lock:
                    reasons[why] = reasons.get(why, 0) + 1
                mine.remove(s)
                greeted.discard(s)
                s.close()
            stop.wait(0.05)
        for s in mine:
            s.close()

    threads = [threading.Thread(target=flooder, args=(a,)) for a in FLOOD_SOURCES]
    for t in threads:
        t.start()
    time.sleep(3)
    peak = {"threads": 0, "rss": 0}

    def sampler():
        while not stop.is_set():
            peak["threads"] = max(peak["threads"], sp.threads(serve.proc.pid) or 0)
            peak["rss"] = max(peak["rss"], sp.rss_kb(serve.proc.pid) or 0)
            stop.wait(0.1)
    threads.append(threading.Thread(target=sampler))
    threads[-1].start()
    ok = failed = 0
    causes = {}
    for threads_flag in ["--threads=1"] * 4 + ["--threads=8"]:
        cmd = [args.net_bench, "--topology=peer:127.0.0.1:%d" % serve.port, "--modes=OneCopy",
               "--sizes=1K", threads_flag, "--timeout_ms=3000",
               "--benchmark_min_time=%s" % ("0.3" if threads_flag.endswith("8") else "0.01")]
        if args.key_file:
            cmd.append("--auth_key_file=" + args.key_file)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if r.returncode == 0:
            ok += 1
        else:
            failed += 1
            last = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "?"
            causes[last[-120:]] = causes.get(last[-120:], 0) + 1
    stop.set()
    for t in threads:
        t.join()
    time.sleep(1)
    serve.stop()
    lines = serve.log_lines()
    print("flood key holders' runs (4 x 1 thread, 1 x 8) during a flood from %d addresses x %d: "
          "%d of %d succeeded %s" % (len(FLOOD_SOURCES), FLOOD_PER_SOURCE, ok, ok + failed,
                                     causes if causes else ""))
    print("flood the flood opened %d connections; what it was told: %s" % (opened[0], dict(
        sorted(reasons.items(), key=lambda kv: -kv[1])[:6])))
    print("flood serve during it: at most %d threads, %.1f MB RSS (idle: %d, %.1f MB)" % (
        peak["threads"], peak["rss"] / 1024, serve.idle_threads, serve.idle_rss / 1024))
    summaries = [l for l in lines if "refused or failed" in l]
    print("flood serve log lines: %d%s" % (
        len(lines), (", e.g. " + summaries[0][:200]) if summaries else ""))
    serve.close()


def timeout_override(args):
    serve = Serve(args, args.key_file, extra=["--timeout_ms=2000"])
    f = sp.hello_fields(pattern=sp.RR, mode="OneCopy", size=1024, timeout_ms=3600 * 1000)
    s = sp.open_connection(args.protocol, serve.port, f, key=args.key, timeout=20)
    start = time.monotonic()
    s.settimeout(15)
    try:
        closed = s.recv(4096) is not None
    except (socket.timeout, TimeoutError):
        closed = False
    except OSError:
        closed = True
    took = time.monotonic() - start
    print("timeout Hello timeout_ms=3600000 vs serve --timeout_ms=2000: %s"
          % ("closed by the server after %.1f s" % took if closed else "still open after 15 s"))
    s.close()
    serve.close()


def slowloris(args, count=60, cap=50):
    serve = Serve(args, args.key_file, extra=["--timeout_ms=2000"])
    results = []
    lock = threading.Lock()

    def one():
        s = sp.connect(serve.port, timeout=cap)
        start = time.monotonic()
        if args.protocol != 2:
            if len(sp.recv_exact(s, sp.CHALLENGE.size)) < sp.CHALLENGE.size:
                with lock:
                    results.append(time.monotonic() - start)
                return
        hello = sp.pack_hello_v2(sp.hello_fields()) if args.protocol == 2 else \
            sp.pack_hello(sp.hello_fields(), b"\1" * 32)
        payload = hello + b"\0" * 10000
        s.setblocking(False)
        closed = False
        for byte in payload:
            if closed or time.monotonic() - start > cap:
                break
            try:
                s.send(bytes([byte]))
            except OSError:
                break
            # Until the next byte is due, watch for the server's close.
            due = time.monotonic() + 1
            while not closed and time.monotonic() < due:
                if not select.select([s], [], [], max(0, due - time.monotonic()))[0]:
                    break
                try:
                    closed = s.recv(4096) == b""
                except BlockingIOError:
                    pass
                except OSError:
                    closed = True
        with lock:
            results.append(time.monotonic() - start)
        s.close()

    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("slowloris %d connections sending 1 byte/s, serve --timeout_ms=2000: open for "
          "%.1f s at most (cap %d s), %.1f s median" % (
              count, max(results), cap, sorted(results)[len(results) // 2]))
    serve.close()


def amplification(args):
    serve = Serve(args, args.key_file)
    f = sp.hello_fields(pattern=sp.RR, mode="OneCopy", size=16 * MiB, timeout_ms=5000)
    s = sp.connect(serve.port, timeout=10)
    sent = received = 0
    # What the handshake itself sends back: the Ack (2), or Challenge + Ack (3).
    handshake = sp.ACK_V2.size if args.protocol == 2 else sp.CHALLENGE.size + sp.ACK.size
    if args.protocol == 2:
        hello = sp.pack_hello_v2(f)
    else:
        received += len(sp.recv_exact(s, sp.CHALLENGE.size))
        hello = sp.pack_hello(f, os.urandom(32))  # no key: no proof
    s.sendall(hello)
    sent += len(hello)
    s.sendall(b"\0" * 8)
    sent += 8
    s.settimeout(5)
    while True:
        try:
            chunk = s.recv(1 << 20)
        except OSError:
            break
        if not chunk:
            break
        received += len(chunk)
        if received >= 16 * MiB + 128:
            break
    print("amplification unauthenticated: %d bytes sent, %d received (%.0fx; "
          "%.0fx per 8-byte request)" % (sent, received, received / sent,
                                         max(0, received - handshake) / 8))
    s.close()
    serve.close()


def stop(args):
    for hello_timeout in (8000, 60000):
        serve = Serve(args, args.key_file)
        socks = [open_stalled(args, serve.port, "UringZeroCopy", timeout_ms=hello_timeout)
                 for _ in range(4)]
        time.sleep(1)
        took = serve.stop(timeout=60)
        print("stop SIGTERM with 4 stalled UringZeroCopy peers (Hello timeout %d ms): %s"
              % (hello_timeout, "exited after %.2f s, status %d" % (took, serve.proc.returncode)
                 if took is not None else "still running after 60 s"))
        for s in socks:
            s.close()
        serve.close()


def emfile(args):
    serve = Serve(args, args.key_file, nofile=32)
    socks = []
    for _ in range(60):
        try:
            socks.append(sp.connect(serve.port, timeout=2))
        except OSError:
            pass
    time.sleep(0.5)
    before = sp.cpu_seconds(serve.proc.pid)
    time.sleep(3)
    used = sp.cpu_seconds(serve.proc.pid) - before
    told = 0
    for s in socks:
        s.settimeout(0.2)
        try:
            data = s.recv(256)
            if len(data) >= 8 and data[7] == 0:
                told += 1
        except OSError:
            pass
        s.close()
    print("emfile serve with 32 fds, 60 connections held: %.2f s of CPU in 3 s; "
          "%d connections told why" % (used, told))
    serve.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("net_bench")
    p.add_argument("--protocol", type=int, default=4, choices=(2, 4))
    p.add_argument("--only", default="")
    args = p.parse_args()
    args.net_bench = os.path.abspath(args.net_bench)
    args.key = args.key_file = None
    tmp = tempfile.mkdtemp(prefix="serve_attacks.")
    if args.protocol != 2:
        args.key = os.urandom(32)
        args.key_file = os.path.join(tmp, "key")
        fd = os.open(args.key_file, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, args.key)
        os.close(fd)
    todo = [leak, flood, timeout_override, slowloris, amplification, stop, emfile]
    only = [n for n in args.only.split(",") if n]
    for f in todo:
        if not only or f.__name__ in only:
            f(args)
            sys.stdout.flush()
    if args.key_file:
        os.unlink(args.key_file)
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
