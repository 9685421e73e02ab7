#!/usr/bin/python3
"""net_bench's command line: bad input gets one clear line and exit status 2,
a failed benchmark exit status 1 with a summary line, filters select exactly
the benchmarks they name, and nothing is left behind.

usage: net_bench_cli_test.py PATH/TO/net_bench
"""
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import unittest

NET_BENCH = None

# The quickest run that reaches a benchmark: one benchmark per pattern.
ONE = ["--modes=OneCopy", "--sizes=1K", "--threads=1", "--benchmark_min_time=0.01"]


def run(*args, timeout=60, **kwargs):
    return subprocess.run([NET_BENCH, *args], capture_output=True, text=True,
                          timeout=timeout, **kwargs)


class BadInput(unittest.TestCase):
    CASES = [
        (["--modes=NoSuchMode"], "unknown mode 'NoSuchMode'"),
        (["--sizes=0"], "--sizes: 0 is out of range"),
        (["--sizes=17M"], "--sizes: 17M is out of range"),
        (["--sizes=1K,,2K"], "--sizes: empty item"),
        (["--sizes=abc"], "--sizes: 'abc' is not a number"),
        (["--sizes=12Q"], "is not a number"),
        (["--threads=0"], "--threads: 0 is out of range"),
        (["--threads=two"], "--threads: 'two' is not a number"),
        (["--mtu=67"], "--mtu: 67 is out of range"),
        (["--mtu=70000"], "--mtu: 70000 is out of range"),
        (["--subnet=198.18.0.0"], "bad subnet '198.18.0.0': missing /prefix"),
        (["--subnet=300.1.1.1/24"], "not an IPv4 address"),
        (["--rx=fast"], "--rx: unknown receive mode 'fast'"),
        (["--patterns=Ping"], "unknown pattern 'Ping'"),
        (["--topology=star"], "--topology: 'star' is not"),
        (["--verify", "--rx=trunc"], "--verify cannot check"),
        (["--no_such_flag"], "unrecognized command-line flag: --no_such_flag"),
        (["--sizes"], "--sizes needs a value"),
        (["--sizes=16777217"], "--sizes: 16777217 is out of range 1..16777216 bytes"),
        (["--sizes=1KK"], "--sizes: '1KK' is not a number"),
        (["--threads=99999999999999999999"], "is out of range 1..256"),
        (["--topology=peer:no.such.host.invalid"], "cannot resolve 'no.such.host.invalid'"),
        # Stray arguments: Google Benchmark would call them flags, serve
        # would ignore them.
        (["foo"], "unexpected argument 'foo'"),
        (["serve", "foo"], "unexpected argument 'foo'"),
        (["--sizes=1K", "serve"], "the command comes first"),
        (["serve", "--benchmark_filter=x"], "is not a flag of `net_bench serve`"),
        # serve's own limits and its rule off loopback.
        (["serve", "--listen=0.0.0.0:5301"], "is reachable from other hosts: give it a key"),
        (["serve", "--listen=127.0.0.1:5301", "--max_memory=1K"],
         "--max_memory: 1K is out of range 1M..1024G"),
        (["serve", "--listen=127.0.0.1:5301", "--max_connections=0"],
         "--max_connections: 0 is out of range"),
        (["--max_per_address=3"], "--max_per_address is a flag of `net_bench serve` only"),
        (["--listen=127.0.0.1:5301"], "--listen is a flag of `net_bench serve` only"),
        (["serve", "--modes=OneCopy"], "--modes is not a flag of `net_bench serve`"),
        (["--modes"], "--modes needs a value (--modes=A,B,...)"),
        (["--auth_key_file=/nonexistent/key"], "--auth_key_file=/nonexistent/key: cannot read it"),
        # Google Benchmark's flags, checked before it sees them: it would
        # abort (SIGABRT), print its usage and exit 0, run nothing and
        # exit 0, print two lines, or read a typo as true.
        (["--benchmark_repetitions=-1"], "--benchmark_repetitions: -1 is out of range 1..10000"),
        (["--benchmark_repetitions=0"], "out of range 1..10000"),
        (["--benchmark_repetitions=abc"], "'abc' is not a number"),
        (["--benchmark_repetitions"], "--benchmark_repetitions needs a value"),
        (["--benchmark_out_format=xml"], "'xml' is not console, json or csv"),
        (["--benchmark_format=xml"], "--benchmark_format: 'xml' is not"),
        (["--benchmark_min_time=abc"], "'abc' is not a number of seconds"),
        (["--benchmark_min_time=0.5s"], "'0.5s' is not a number of seconds"),
        (["--benchmark_min_time=-1"], "--benchmark_min_time: -1 is negative"),
        (["--benchmark_min_warmup_time=x"], "--benchmark_min_warmup_time: 'x'"),
        (["--benchmark_color="], "--benchmark_color: '' is not auto, true or false"),
        (["--benchmark_color=ture"], "'ture' is not auto, true or false"),
        (["--benchmark_counters_tabular=maybe"], "'maybe' is not true/false"),
        (["--benchmark_enable_random_interleaving=sometimes"], "is not true/false"),
        (["--benchmark_report_aggregates_only=x"], "is not true/false"),
        (["--benchmark_display_aggregates_only=x"], "is not true/false"),
        (["--benchmark_list_tests=maybe"], "is not true/false"),
        (["--benchmark_time_unit=xx"], "'xx' is not ns, us, ms or s"),
        (["--benchmark_context=a"], "'a' is not KEY=VALUE"),
        (["--v=abc"], "--v: 'abc' is not a number"),
        (["--benchmark_out=/nonexistent/run.json"], "cannot write '/nonexistent/run.json'"),
        (["--benchmark_out=/tmp"], "cannot write '/tmp': it is a directory"),
        (["--benchmark_filter=NoSuchBenchmark"], "selects no benchmark"),
        # UDP's flags.
        (["--datagram=8"], "--datagram: 8 is out of range 16..65507"),
        (["--datagram=70000"], "--datagram: 70000 is out of range 16..65507"),
        (["--batch=0"], "--batch: 0 is out of range 1..1024"),
        (["--batch=1025"], "--batch: 1025 is out of range 1..1024"),
        (["--rate=fast"], "--rate: 'fast' is not a number"),
        (["--rate=5"], "--rate: 5 is out of range 0 or 1K..400G bits/s"),
        (["--rate=500G"], "--rate: 500G is out of range"),
        (["--udp_rx=fast"], "--udp_rx: unknown UDP receive mode 'fast'"),
        (["--max_udp_rate=1G"], "--max_udp_rate is a flag of `net_bench serve` only"),
        (["serve", "--listen=127.0.0.1:5301", "--max_udp_rate=0"],
         "--max_udp_rate: 0 would leave serve's UDP answers unbounded"),
        (["serve", "--rate=1G"], "--rate is not a flag of `net_bench serve`"),
        # Known once the topology is up: the veth's MTU (1500), and sizes
        # whose last datagram could not hold its header.
        (["--patterns=UdpStream", "--modes=UdpSendmsg", "--sizes=9K",
          "--threads=1", "--datagram=9000"],
         "--datagram=9000: the path MTU is 1500, so a datagram carries at most 1472"),
        (["--patterns=UdpStream", "--modes=UdpSendmsg", "--sizes=1480",
          "--threads=1"], "leaves a last datagram of 8 bytes"),
        (["--benchmark_filter=("], "is not a regular expression"),
    ]

    def test_each_bad_input_gives_one_line_and_status_2(self):
        for args, needle in self.CASES:
            with self.subTest(args=args):
                r = run(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                lines = r.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, r.stderr)
                self.assertIn(needle, lines[0])
                self.assertEqual(r.stdout, "")

    def test_google_benchmark_environment_variables_are_checked_too(self):
        r = run(env=dict(os.environ, BENCHMARK_REPETITIONS="-1"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stderr.strip(),
                         "net_bench: BENCHMARK_REPETITIONS (environment): -1 is out "
                         "of range 1..10000")

    def test_a_filter_that_selects_nothing_writes_no_json(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run.json")
            r = run("--benchmark_filter=NoSuchBenchmark", "--benchmark_out=" + out)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertFalse(os.path.exists(out))


def refused_port():
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ExitStatus(unittest.TestCase):
    """1 when a benchmark failed: the run goes on, the JSON is written and
    stderr ends with one summary line."""

    def run_failing(self, *args, **kwargs):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run.json")
            r = run(*ONE, "--benchmark_out=" + out, *args, **kwargs)
            with open(out) as f:
                return r, json.load(f)["benchmarks"]

    def assert_summary(self, r, failed, total, cause):
        self.assertEqual(r.returncode, 1, r.stderr)
        last = r.stderr.strip().splitlines()[-1]
        self.assertRegex(last, r"^net_bench: %d of %d benchmarks failed; first: " %
                         (failed, total))
        self.assertIn(cause, last)

    def test_no_server_listening(self):
        r, runs = self.run_failing("--topology=peer:127.0.0.1:%d" % refused_port())
        self.assert_summary(r, 2, 2, "Connection refused")
        self.assertEqual([b["error_occurred"] for b in runs], [True, True])

    def test_a_silent_server(self):
        # Listens (the kernel completes the connection) but never answers.
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            start = time.monotonic()
            r, runs = self.run_failing(
                "--topology=peer:127.0.0.1:%d" % silent.getsockname()[1],
                "--timeout_ms=500", "--patterns=Stream")
        self.assert_summary(r, 1, 1, "500 ms")
        self.assertLess(time.monotonic() - start, 20)
        self.assertTrue(runs[0]["error_occurred"])

    def test_running_out_of_file_descriptors(self):
        libs = subprocess.run(["ldd", NET_BENCH], capture_output=True, text=True).stdout
        if "libubsan" in libs:
            self.skipTest("UBSan's vptr check needs spare file descriptors (it "
                          "probes memory through a pipe): false reports")
        # Enough to set up, too few for 8 connections on both sides.
        def few_fds():
            resource.setrlimit(resource.RLIMIT_NOFILE, (16, 16))
        r, runs = self.run_failing("--topology=loopback", "--threads=8",
                                   "--patterns=Stream", "--timeout_ms=1000",
                                   preexec_fn=few_fds)
        # The first thread to fail names the cause: its own socket(2), or
        # the server's accept(2) that left it waiting.
        self.assert_summary(r, 1, 1, "")
        self.assertRegex(r.stderr.strip().splitlines()[-1],
                         "Too many open files|timed out after 1000 ms")
        self.assertTrue(runs[0]["error_occurred"])

    def test_a_failed_setup_ends_the_run_at_once(self):
        # serve takes one connection at a time: the second of two is
        # refused during its setup, while the first is ready to run a 20 s
        # window. The run must fail with the refusal, at once.
        port = refused_port()
        serve = subprocess.Popen([NET_BENCH, "serve", "--listen=127.0.0.1:%d" % port,
                                  "--max_connections=1"],
                                 stderr=subprocess.PIPE, text=True)
        try:
            self.assertIn("listening", serve.stderr.readline())
            start = time.monotonic()
            r, runs = self.run_failing("--topology=peer:127.0.0.1:%d" % port,
                                       "--threads=2", "--patterns=Stream",
                                       "--benchmark_min_time=20")
            elapsed = time.monotonic() - start
        finally:
            serve.terminate()
            serve.communicate(timeout=10)
        self.assert_summary(r, 1, 1, "connection limit 1 reached")
        self.assertTrue(runs[0]["error_occurred"])
        # Well under the window (20 s) and --timeout_ms (5 s): nobody waited
        # for either.
        self.assertLess(elapsed, 3, r.stderr)

    def test_one_failure_among_several_repeated(self):
        # Baseline/Iperf3 and Iperf3Udp need the veth topology; PlainRR runs
        # anywhere. A benchmark counts once, however many of its
        # repetitions failed.
        r, runs = self.run_failing("--topology=loopback", "--baselines",
                                   "--benchmark_filter=^Baseline/",
                                   "--benchmark_repetitions=2",
                                   "--benchmark_display_aggregates_only=true")
        self.assert_summary(r, 2, 3, "Baseline/Iperf3 needs --topology=veth")
        self.assertEqual(sum(b.get("error_occurred", False) for b in runs), 4)

    def test_every_benchmark_without_error(self):
        r = run(*ONE, "--topology=loopback")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("failed", r.stderr)

    def test_help_documents_the_exit_statuses(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for needle in ("Exit status:", "128+SIG", "selects no benchmark",
                       "not crash-safe"):
            self.assertIn(needle, r.stdout)


class Udp(unittest.TestCase):
    def run_json(self, *args):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run.json")
            r = run(*args, "--benchmark_out=" + out, timeout=120)
            data = None
            if os.path.exists(out):
                with open(out) as f:
                    data = json.load(f)
        return r, data

    def test_udp_runs_verified_with_loss_counted(self):
        r, data = self.run_json(
            "--patterns=UdpStream,UdpRR", "--modes=UdpSendmsg,UdpGso",
            "--sizes=4K", "--threads=1", "--udp_rx=recvmmsg,gro", "--verify",
            "--rate=1G", "--benchmark_filter=^Udp", "--benchmark_min_time=0.02")
        self.assertEqual(r.returncode, 0, r.stderr)
        runs = data["benchmarks"]
        self.assertEqual(len(runs), 8)
        for b in runs:
            self.assertFalse(b.get("error_occurred", False), b)
            self.assertIn("udp_loss_share", b)
            self.assertGreater(b["Gbps"], 0)
        self.assertEqual(data["context"]["udp_datagram"], "1472")
        self.assertEqual(data["context"]["udp_rate"], "1000000000")

    def test_a_size_udp_cannot_carry_leaves_out_only_its_udp_points(self):
        # Without --patterns, UDP is in the grid unasked: a size too small
        # for a datagram's header must not make a TCP run bad input (with
        # --patterns=UdpStream it is, BadInput's cases).
        r, data = self.run_json("--sizes=8", "--modes=OneCopy,UdpSendmsg",
                                "--threads=1", "--benchmark_min_time=0.01")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("net_bench: UDP left out at size 8: a UDP message of 8 bytes "
                      "cannot hold the 16-byte datagram header", r.stderr)
        names = [b["name"] for b in data["benchmarks"]]
        self.assertIn("Stream/OneCopy/size:8/manual_time/threads:1", names)
        self.assertFalse([n for n in names if n.startswith("Udp")], names)

    def test_serve_caps_the_rate_of_its_udp_answers(self):
        port = refused_port()
        serve = subprocess.Popen([NET_BENCH, "serve", "--listen=127.0.0.1:%d" % port,
                                  "--max_udp_rate=10M"],
                                 stderr=subprocess.PIPE, text=True)
        try:
            serve.stderr.readline()
            r, data = self.run_json(
                "--topology=peer:127.0.0.1:%d" % port, "--patterns=UdpRR",
                "--modes=UdpGso", "--sizes=4K", "--threads=1",
                "--udp_rx=gro", "--benchmark_filter=^Udp", "--benchmark_min_time=0.3")
        finally:
            serve.terminate()
            serve.communicate(timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        (b,) = data["benchmarks"]
        self.assertFalse(b.get("error_occurred", False), b)
        # 10 Mbit/s (an answer every 3.3 ms), and at most a millisecond's
        # burst ahead of it; unpaced the same answers go at over 0.1 Gbit/s.
        self.assertLess(b["Gbps"], 0.0115, b)
        self.assertGreater(b["Gbps"], 0.005, b)


class HostNames(unittest.TestCase):
    def test_serve_and_peer_resolve_localhost_alike(self):
        port = refused_port()
        serve = subprocess.Popen([NET_BENCH, "serve", "--listen=localhost:%d" % port],
                                 stderr=subprocess.PIPE, text=True)
        try:
            self.assertIn("listening on localhost:%d" % port, serve.stderr.readline())
            r = run(*ONE, "--topology=peer:localhost:%d" % port)
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            serve.terminate()
            serve.communicate(timeout=10)
        self.assertEqual(serve.returncode, 0)


class Rootless(unittest.TestCase):
    def test_an_ordinary_user_runs_the_grid_through_a_user_namespace(self):
        import pwd
        nobody = pwd.getpwnam("nobody")

        def drop():
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)

        r = subprocess.run(
            [NET_BENCH, "--modes=OneCopy", "--sizes=1K", "--threads=1",
             "--verify", "--benchmark_filter=^(Stream|RR)/",
             "--benchmark_min_time=0.01", "--benchmark_format=json"],
            capture_output=True, text=True, timeout=60, preexec_fn=drop)
        if "CLONE_NEWUSER" in r.stderr:
            self.skipTest("the kernel forbids user namespaces: " + r.stderr.strip())
        if r.returncode == 126 or "Permission denied" in r.stderr:
            self.skipTest("nobody cannot run the binary here: " + r.stderr.strip())
        self.assertEqual(r.returncode, 0, r.stderr)
        import json
        data = json.loads(r.stdout)
        self.assertEqual(data["context"]["privilege"], "rootless (user namespace)")
        self.assertEqual(len(data["benchmarks"]), 2)
        for b in data["benchmarks"]:
            self.assertFalse(b.get("error_occurred", False), b)


class Filters(unittest.TestCase):
    def names(self, *args):
        r = run("--benchmark_list_tests=true", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.split()

    def skip_if_left_out(self, mode):
        r = run("--benchmark_list_tests=true", "--modes=" + mode)
        if mode + " left out" in r.stderr:
            self.skipTest(r.stderr.strip())

    def test_default_grid_names(self):
        names = self.names()
        self.assertIn("Stream/OneCopy/size:65536/manual_time/threads:8", names)
        self.assertIn("RR/OneCopy/size:1024/manual_time/threads:1", names)
        self.assertIn("Topology/SetupTeardown/real_time", names)

    def test_zerocopy_filter_selects_only_zero_copy_modes(self):
        self.skip_if_left_out("ZeroCopy")
        names = self.names("--benchmark_filter=ZeroCopy")
        self.assertTrue(names)
        for n in names:
            self.assertIn("ZeroCopy", n.split("/")[1])

    def test_one_mode_filter(self):
        self.skip_if_left_out("ZeroCopy")
        names = self.names("--benchmark_filter=Stream/ZeroCopy/")
        self.assertTrue(names)
        for n in names:
            self.assertTrue(n.startswith("Stream/ZeroCopy/"), n)

    def test_udp_filter_selects_the_udp_patterns_at_each_receive_mode(self):
        names = self.names("--benchmark_filter=Udp")
        self.assertTrue(names)
        for n in names:
            self.assertTrue(n.startswith(("UdpStream/", "UdpRR/")), n)
        self.assertIn("UdpStream/UdpSendmsg/size:1024/rx:recvmsg/manual_time/threads:1",
                      names)
        self.assertIn("UdpRR/UdpSendmmsg/size:4096/rx:recvmsg/manual_time/threads:2",
                      names)
        gro = self.names("--benchmark_filter=Udp", "--udp_rx=recvmsg,gro")
        self.assertEqual(len(gro), 2 * len(names))
        self.assertIn("UdpStream/UdpGso/size:65536/rx:gro/manual_time/threads:8", gro)

    def test_modes_select_udp_modes_for_udp_patterns_only(self):
        names = self.names("--modes=UdpSendmsg,OneCopy", "--sizes=1K", "--threads=1",
                           "--udp_rx=recvmsg")
        self.assertEqual(sorted(n for n in names if "/size:" in n), [
            "RR/OneCopy/size:1024/manual_time/threads:1",
            "Stream/OneCopy/size:1024/manual_time/threads:1",
            "UdpRR/UdpSendmsg/size:1024/rx:recvmsg/manual_time/threads:1",
            "UdpStream/UdpSendmsg/size:1024/rx:recvmsg/manual_time/threads:1",
        ])

    def test_help_lists_both_flag_sets(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--modes=", r.stdout)
        self.assertIn("--benchmark_filter", r.stdout)


if __name__ == "__main__":
    NET_BENCH = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
