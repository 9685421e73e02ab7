"""The control protocol of `net_bench serve` (harness/protocol.h), spoken
from Python by the hostile-client tests and the attack measurements: the
wire records, the HMAC proofs of the handshake, and a client that can stop
at any step.

Protocol 4 (the server speaks first):
  server -> client  Challenge  128 bytes: magic, version, flags, ok, nonce, reason
  client -> server  Hello      112 bytes: the benchmark's parameters (the
                                working set among them), the client's nonce
                                and its proof
  server -> client  Ack        160 bytes: ok, reason, the server's proof
  client -> server  Go          32 bytes: the flow's schedule
  ... data phase; the client shuts its side down ...
  server -> client  Report     320 bytes: ok, the server's window, totals, error
Protocol 3 had the same handshake with two reserved words where the working
set is, and no Go. Protocol 2 (before authentication) had no Challenge, a
32-byte Hello and a 128-byte Ack; it is kept here to measure an old server
the same way.
"""
import hashlib
import hmac
import os
import socket
import struct
import time

MODES = ["TwoCopy", "TwoCopyPacked", "OneCopy", "ZeroCopy", "UringOneCopy",
         "UringZeroCopy", "SpliceZeroCopy"]
STREAM, RR = 0, 1

HELLO_MAGIC = 0x4E42454E
ACK_MAGIC = 0x4E42414B
REPORT_MAGIC = 0x4E425250
CHALLENGE_MAGIC = 0x4E424843
GO_MAGIC = 0x4E42474F
VERSION = 5

HELLO_VERIFY, HELLO_NODELAY, HELLO_SPIN = 1, 2, 4
CHALLENGE_AUTH = 1

CHALLENGE = struct.Struct("<IHBB32s88s")       # 128
HELLO_V2 = struct.Struct("<IHBBBBHII4xQ")      # 32
HELLO = struct.Struct("<IHBBBBHIQQQHHHH32s32s")  # 112
ACK_V2 = struct.Struct("<II120s")              # 128
ACK = struct.Struct("<II116sHH32s")            # 160
GO = struct.Struct("<IIqqq")                   # 32
# magic, ok, the server's SideRecord (21 words), messages, verified, error.
REPORT_SIZE = 352
REPORT_ERROR = 224
CLIENT_LABEL = b"net_bench 3 client"
SERVER_LABEL = b"net_bench 3 server"


def text(raw):
    return raw.split(b"\0", 1)[0].decode(errors="replace")


def mac(key, label, *parts):
    return hmac.new(key, label + b"".join(parts), hashlib.sha256).digest()


def recv_exact(sock, n):
    """n bytes, or fewer when the peer closed (never raises on a reset)."""
    out = b""
    while len(out) < n:
        try:
            chunk = sock.recv(n - len(out))
        except (ConnectionResetError, socket.timeout, TimeoutError):
            break
        if not chunk:
            break
        out += chunk
    return out


def connect(port, host="127.0.0.1", source=None, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if source:
        s.bind((source, 0))
    s.connect((host, port))
    return s


def hello_fields(pattern=RR, mode="OneCopy", size=1024, timeout_ms=2000,
                 flags=HELLO_NODELAY, rx=0, connection=0, working_set=4096):
    return dict(pattern=pattern, mode=MODES.index(mode) if isinstance(mode, str) else mode,
                rx=rx, flags=flags, connection=connection, timeout_ms=timeout_ms,
                size=size, working_set=working_set)


def pack_hello_v2(f, version=2):
    return HELLO_V2.pack(HELLO_MAGIC, version, f["pattern"], f["mode"], f["rx"],
                         f["flags"], f["connection"], f["timeout_ms"], 0, f["size"])


def pack_hello(f, nonce, proof=b"\0" * 32, version=VERSION, magic=HELLO_MAGIC):
    return HELLO.pack(magic, version, f["pattern"], f["mode"], f["rx"], f["flags"],
                      f["connection"], f["timeout_ms"], f["working_set"], f["size"],
                      0, 0, 0, 0, 0, nonce, proof)


def pack_go(window_ms=10):
    """A Go whose window opens as it arrives (the server places it on its
    own clock: sent_ns is the arrival) and lasts `window_ms`."""
    return GO.pack(GO_MAGIC, 0, 0, 0, window_ms * 1000 * 1000)


class Refused(Exception):
    pass


class Handshake:
    """One protocol-5 handshake, step by step, so that a test can stop or
    cheat at any point."""

    def __init__(self, sock):
        self.sock = sock
        self.challenge = b""

    def read_challenge(self):
        self.challenge = recv_exact(self.sock, CHALLENGE.size)
        if len(self.challenge) < CHALLENGE.size:
            raise Refused("no challenge (%d bytes)" % len(self.challenge))
        magic, version, flags, ok, nonce, reason = CHALLENGE.unpack(self.challenge)
        if magic != CHALLENGE_MAGIC:
            raise Refused("not a challenge")
        if not ok:
            raise Refused(text(reason))
        self.auth = bool(flags & CHALLENGE_AUTH)
        return self.challenge

    def hello(self, fields, key=None, tamper=None):
        """The Hello, proven with `key` (zeros without one). `tamper`
        changes the bytes after the proof was computed."""
        unsigned = pack_hello(fields, os.urandom(32))
        proof = mac(key, CLIENT_LABEL, self.challenge, unsigned) if key else b"\0" * 32
        self.sent = unsigned[:-32] + proof
        if tamper:
            self.sent = tamper(self.sent)
        return self.sent

    def read_ack(self, key=None):
        raw = recv_exact(self.sock, ACK.size)
        if len(raw) < ACK.size:
            raise Refused("no ack (%d bytes)" % len(raw))
        magic, ok, reason, udp_port, _, proof = ACK.unpack(raw)
        if magic != ACK_MAGIC:
            raise Refused("garbled ack")
        if not ok:
            raise Refused(text(reason))
        if key and not hmac.compare_digest(
                proof, mac(key, SERVER_LABEL, self.challenge, self.sent)):
            raise Refused("the server did not prove the key")
        return raw


def open_v4(port, fields, key=None, source=None, timeout=5.0, go=True):
    """A connection past the handshake (raises Refused with the reason),
    and past its Go unless `go` is false: in its data phase."""
    s = connect(port, source=source, timeout=timeout)
    try:
        h = Handshake(s)
        h.read_challenge()
        s.sendall(h.hello(fields, key))
        h.read_ack(key)
        if go:
            s.sendall(pack_go())
        return s
    except BaseException:
        s.close()
        raise


def open_v2(port, fields, source=None, timeout=5.0):
    s = connect(port, source=source, timeout=timeout)
    s.sendall(pack_hello_v2(fields))
    raw = recv_exact(s, ACK_V2.size)
    if len(raw) < ACK_V2.size:
        s.close()
        raise Refused("no ack (%d bytes)" % len(raw))
    magic, ok, reason = ACK_V2.unpack(raw)
    if not ok:
        s.close()
        raise Refused(text(reason))
    return s


def open_connection(protocol, port, fields, key=None, source=None, timeout=5.0):
    if protocol == 2:
        return open_v2(port, fields, source=source, timeout=timeout)
    return open_v4(port, fields, key=key, source=source, timeout=timeout)


def rr_round(sock, size, requests=1):
    """`requests` RR round trips of `size`-byte answers; returns the bytes
    received."""
    got = 0
    for seq in range(requests):
        sock.sendall(struct.pack("<Q", seq))
        got += len(recv_exact(sock, size))
    return got


def finish(sock):
    """Ends the data phase and reads the Report: (ok, error)."""
    sock.shutdown(socket.SHUT_WR)
    raw = recv_exact(sock, REPORT_SIZE)
    if len(raw) < REPORT_SIZE:
        return False, "no report (%d bytes)" % len(raw)
    magic, ok = struct.unpack_from("<II", raw)
    return bool(ok) and magic == REPORT_MAGIC, text(raw[REPORT_ERROR:])


# What /proc says about a process.

def proc_status(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def rss_kb(pid):
    return proc_status(pid, "VmRSS")


def threads(pid):
    return proc_status(pid, "Threads")


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until(predicate, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
