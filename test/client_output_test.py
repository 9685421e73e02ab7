#!/usr/bin/python3
"""What net_bench prints and writes stays readable, whoever supplies the text:

- a server the client points at (a fake one here, over loopback) sends
  refusal reasons and errors full of ANSI escapes, newlines, control
  characters and invalid UTF-8: stderr and stdout stay valid UTF-8 with one
  line per message, and --benchmark_out stays valid JSON.

usage: client_output_test.py PATH/TO/net_bench
"""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_protocol as sp  # noqa: E402

NET_BENCH = None

# Everything a hostile peer could hope to smuggle into a terminal or a JSON
# file: ANSI escapes (clear screen, colour), a newline followed by a line
# that looks like net_bench's own, a carriage return, a bell, C0 and DEL, a
# C1 control (CSI, U+009B), invalid UTF-8 (a bad continuation, bytes that
# never occur, a UTF-16 surrogate), and a right-to-left override.
NASTY = (b"\x1b[2J\x1b[31mEVIL\x1b[0m\nnet_bench: 0 of 9 benchmarks failed\r\x07"
         b"\x01\x7f \xc3\x28 \xff\xfe \xed\xa0\x80 \xc2\x9b \xe2\x80\xaegnp.exe END")

def fixed(text, size):
    """`text` in a NUL-terminated field of `size` bytes."""
    assert len(text) < size, (len(text), size)
    return text


class FakeServer:
    """Plays `net_bench serve` without a key on a loopback port, and answers
    every connection the way `how` says: "challenge" refuses in its
    Challenge, "ack" in its Ack, "report" accepts, takes the data phase and
    fails it in its Report. Every reason is NASTY."""

    def __init__(self, how):
        self.how = how
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve)
        self.thread.start()

    def serve(self):
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self.answer, args=(c,)).start()

    def answer(self, c):
        with c:
            c.settimeout(10)
            ok = 0 if self.how == "challenge" else 1
            c.sendall(sp.CHALLENGE.pack(sp.CHALLENGE_MAGIC, sp.VERSION, 0, ok,
                                        os.urandom(32), fixed(NASTY, 88)))
            if not ok:
                return
            if len(sp.recv_exact(c, sp.HELLO.size)) < sp.HELLO.size:
                return
            ok = 0 if self.how == "ack" else 1
            c.sendall(sp.ACK.pack(sp.ACK_MAGIC, ok, fixed(NASTY, 120), b"\0" * 32))
            if not ok:
                return
            sp.recv_exact(c, sp.GO.size)
            while True:  # the data phase, until the client shuts it down
                try:
                    if not c.recv(1 << 16):
                        break
                except OSError:
                    return
            report = struct.pack("<II", sp.REPORT_MAGIC, 0) + b"\0" * 184 + \
                fixed(NASTY, 128).ljust(128, b"\0")
            assert len(report) == sp.REPORT_SIZE
            c.sendall(report)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


def run(*args, timeout=120, **kwargs):
    return subprocess.run([NET_BENCH, *args], capture_output=True, timeout=timeout,
                          **kwargs)


class Readable(unittest.TestCase):
    def assert_printable(self, raw, what):
        """Valid UTF-8, no control character but the newline, no C1
        control, no bidirectional override."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.fail("%s is not valid UTF-8 (%s): %r" % (what, e, raw[-400:]))
        for ch in text:
            code = ord(ch)
            bad = (code < 0x20 and ch != "\n") or 0x7F <= code <= 0x9F or \
                0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069
            self.assertFalse(bad, "%s holds U+%04X: %r" % (what, code, text[-400:]))
        return text

    def assert_json(self, path):
        with open(path, "rb") as f:
            raw = f.read()
        self.assert_printable(raw, path)
        try:
            return json.loads(raw.decode("utf-8"))
        except ValueError as e:
            self.fail("%s is not valid JSON (%s): %r" % (path, e, raw[-600:]))


class HostileServer(Readable):
    """The client against a server that sends hostile reasons."""

    def run_against(self, how, *extra):
        server = FakeServer(how)
        try:
            with tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "run.json")
                r = run("--topology=peer:127.0.0.1:%d" % server.port, "--patterns=Stream",
                        "--modes=OneCopy", "--sizes=1K", "--threads=1",
                        "--benchmark_min_time=0.01", "--timeout_ms=3000",
                        "--benchmark_out=" + out, *extra)
                data = self.assert_json(out)
        finally:
            server.close()
        self.assertEqual(r.returncode, 1, r.stderr)
        stderr = self.assert_printable(r.stderr, "stderr")
        stdout = self.assert_printable(r.stdout, "stdout")
        # One line per message: the injected newline did not start a line
        # that looks like net_bench's.
        lines = stderr.splitlines()
        self.assertFalse([l for l in lines if l.startswith("net_bench: 0 of 9")], stderr)
        summary = [l for l in lines if "EVIL" in l]
        self.assertEqual(len(summary), 1, stderr)
        self.assertRegex(summary[0], r"^net_bench: 1 of 1 benchmarks failed; first: ")
        self.assertIn("END", summary[0])
        error = data["benchmarks"][0]["error_message"]
        self.assertIn("EVIL", error)
        self.assertIn("END", error)
        return error, stdout

    def test_a_refusal_in_the_challenge(self):
        error, _ = self.run_against("challenge")
        self.assertTrue(error.startswith("server refused: "), error)

    def test_a_refusal_in_the_ack(self):
        error, _ = self.run_against("ack")
        self.assertTrue(error.startswith("server refused: "), error)

    def test_an_error_in_the_report(self):
        error, _ = self.run_against("report")
        self.assertTrue(error.startswith("server: "), error)

    def test_json_on_stdout_too(self):
        _, stdout = self.run_against("ack", "--benchmark_format=json")
        try:
            data = json.loads(stdout)
        except ValueError as e:
            self.fail("stdout is not valid JSON (%s): %r" % (e, stdout[-600:]))
        self.assertIn("EVIL", data["benchmarks"][0]["error_message"])


if __name__ == "__main__":
    NET_BENCH = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
