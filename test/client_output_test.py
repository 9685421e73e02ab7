#!/usr/bin/python3
"""What net_bench prints and writes stays readable, whoever supplies the text:

- a server the client points at (a fake one here, over loopback) sends
  refusal reasons and errors full of ANSI escapes, newlines, control
  characters and invalid UTF-8: stderr and stdout stay valid UTF-8 with one
  line per message, and --benchmark_out stays valid JSON;
- the user's --benchmark_context is made printable the same way;
- a write error on --benchmark_out (/dev/full, a full filesystem) fails the
  run: exit status 1 and one line saying why;
- SIGKILL leaves at --benchmark_out a complete file or none, and no
  temporary file behind.

usage: client_output_test.py PATH/TO/net_bench
"""
import fcntl
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
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

# The quickest benchmark that writes a JSON and needs no topology.
CALIBRATION = ["--calibrate", "--benchmark_filter=^Calibration/Alu/cpu:0",
               "--benchmark_min_time=0.01"]


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
            c.sendall(sp.ACK.pack(sp.ACK_MAGIC, ok, fixed(NASTY, 116), 0, 0, b"\0" * 32))
            if not ok:
                return
            sp.recv_exact(c, sp.GO.size)
            while True:  # the data phase, until the client shuts it down
                try:
                    if not c.recv(1 << 16):
                        break
                except OSError:
                    return
            report = struct.pack("<II", sp.REPORT_MAGIC, 0) + b"\0" * 216 + \
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


class UserInput(Readable):
    def test_benchmark_context_is_made_printable(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run.json")
            r = run(*CALIBRATION, "--benchmark_out=" + out,
                    b"--benchmark_context=k=\x01\x1b[31mred\xff,k2=plain")
            self.assertEqual(r.returncode, 0, r.stderr)
            context = self.assert_json(out)["context"]
        self.assertIn("red", context["k"])
        self.assertEqual(context["k2"], "plain")
        self.assert_printable(r.stdout, "stdout")
        self.assert_printable(r.stderr, "stderr")

    def test_a_context_in_the_environment_that_cannot_be_printed_is_bad_input(self):
        # Google Benchmark reads BENCHMARK_CONTEXT itself, as it loads:
        # net_bench cannot clean it, so it refuses it.
        env = dict(os.environ)
        env["BENCHMARK_CONTEXT"] = "k=\x01"
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run.json")
            r = run(*CALIBRATION, "--benchmark_out=" + out, env=env)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertFalse(os.path.exists(out))
        line = self.assert_printable(r.stderr, "stderr").strip()
        self.assertEqual(len(line.splitlines()), 1, line)
        self.assertIn("BENCHMARK_CONTEXT (environment)", line)


class WriteErrors(Readable):
    def assert_write_failure(self, r, needle):
        self.assertEqual(r.returncode, 1, r.stderr)
        last = r.stderr.decode().strip().splitlines()[-1]
        self.assertRegex(last, "^net_bench: ")
        self.assertIn(needle, last)
        self.assertIn("No space left on device", last)

    def test_dev_full(self):
        r = run(*CALIBRATION, "--benchmark_out=/dev/full")
        self.assert_write_failure(r, "/dev/full")

    @unittest.skipUnless(shutil.which("unshare"), "unshare (util-linux) is not installed")
    def test_a_full_filesystem(self):
        # A one-page tmpfs in a mount namespace of its own: the JSON (several
        # KiB with its context) does not fit. The directory's listing follows
        # net_bench's output: neither the file nor a temporary one is left.
        with tempfile.TemporaryDirectory() as d:
            script = ('mount -t tmpfs -o size=4k tmpfs "$D" || exit 77; "$@"; '
                      'status=$?; echo "--- listing"; ls -A "$D"; exit $status')
            r = subprocess.run(
                ["unshare", "-m", "sh", "-c", script, "sh", NET_BENCH, *CALIBRATION,
                 "--benchmark_out=%s/run.json" % d],
                capture_output=True, timeout=120, env=dict(os.environ, D=d))
            if r.returncode == 77:
                self.skipTest("cannot mount a tmpfs here: " + r.stderr.decode().strip())
            self.assert_write_failure(r, d + "/run.json")
            listing = r.stdout.decode().split("--- listing\n")[-1]
            self.assertEqual(listing, "")

    def test_a_run_leaves_its_file_and_nothing_else(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run.json")
            r = run(*CALIBRATION, "--benchmark_out=" + out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assert_json(out)
            self.assertEqual(sorted(os.listdir(d)), ["run.json"])


class Kill(Readable):
    """SIGKILL while benchmarks run: the path holds the complete file it
    held before, or nothing; no temporary file stays behind."""

    def start(self, out, log):
        args = ["--topology=loopback", "--patterns=Stream", "--modes=OneCopy",
                "--sizes=1K,4K", "--threads=1", "--benchmark_min_time=1",
                "--benchmark_out=" + out]
        return subprocess.Popen([NET_BENCH, *args], stdout=log, stderr=subprocess.STDOUT)

    def kill_after_first_result(self, d, out):
        log_path = os.path.join(d, "log")
        with open(log_path, "wb") as log:
            p = self.start(out, log)
            try:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    with open(log_path, "rb") as f:
                        if b"Stream/OneCopy/size:1024/" in f.read():
                            break
                    time.sleep(0.05)
                else:
                    self.fail("no result within 60 s")
                time.sleep(0.3)  # inside the second benchmark now
            finally:
                p.send_signal(signal.SIGKILL)
                p.wait()
        os.unlink(log_path)

    def test_sigkill_leaves_no_file(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run.json")
            self.kill_after_first_result(d, out)
            if os.path.exists(out):
                self.assert_json(out)  # fails: a truncated file
            self.assertEqual(os.listdir(d), [])

    def test_sigkill_leaves_the_previous_complete_file(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run.json")
            with open(out, "w") as f:
                json.dump({"previous": True}, f)
            self.kill_after_first_result(d, out)
            self.assertEqual(self.assert_json(out), {"previous": True})
            self.assertEqual(os.listdir(d), ["run.json"])

    def test_a_temporary_file_left_by_a_killed_run_is_removed(self):
        # The temporary file exists under a name only for the moment
        # between its link and its rename; a run killed then leaves it, and
        # the next run writing to the same directory removes it. One that a
        # live net_bench holds (locked) stays, and so does one younger than
        # 5 s, which may be a live one's not yet locked.
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run.json")
            stale = os.path.join(d, ".run.json.net_bench-tmp.AbC123")
            live = os.path.join(d, ".other.json.net_bench-tmp.XyZ789")
            young = os.path.join(d, ".run.json.net_bench-tmp.NeW000")
            for path in (stale, live, young):
                with open(path, "w") as f:
                    f.write('{"benchmarks": [')
                if path != young:
                    os.utime(path, (time.time() - 60, time.time() - 60))
            held = open(live)
            fcntl.flock(held, fcntl.LOCK_EX)
            try:
                r = run(*CALIBRATION, "--benchmark_out=" + out)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(sorted(os.listdir(d)),
                                 sorted(["run.json", os.path.basename(live),
                                         os.path.basename(young)]))
            finally:
                held.close()


if __name__ == "__main__":
    NET_BENCH = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
