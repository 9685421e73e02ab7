#!/usr/bin/python3
"""A short sweep of the real grid: every supported mode, one size, threads 1
and 2, both patterns, --verify. Every benchmark must run without error, its
counters must be present (and positive) where they should be and absent where
they cannot be measured, and the JSON must be accepted by Google Benchmark's
compare.py.

usage: smoke_sweep_test.py PATH/TO/net_bench
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

NET_BENCH = None
COMPARE = "/usr/share/benchmark/compare.py"

ALWAYS = ["bytes_per_second", "Gbps", "msgs_per_second", "ns_per_msg",
          "tx_cpu_ns_per_byte", "rx_cpu_ns_per_byte", "syscalls_per_msg"]
NON_NEGATIVE = ["ctx_switches_per_msg"]
RR_ONLY = ["rtt_mean_us", "rtt_p50_us", "rtt_p99_us", "rtt_p999_us"]
HARDWARE = ["tx_cycles_per_byte", "rx_cycles_per_byte",
            "tx_instructions_per_byte", "tx_llc_misses_per_kb",
            "rx_llc_misses_per_kb"]
ZERO_COPY = ["zc_copied_ratio", "zc_completions_per_msg", "zc_enobufs_per_msg"]
NOTIFIED = {"ZeroCopy", "UringZeroCopy", "UdpGsoZeroCopy", "UdpUringGsoZeroCopy"}
UDP_ALWAYS = ["Gbps", "datagrams_per_second", "cpu_ns_per_delivered_byte",
              "tx_cpu_ns_per_byte", "rx_cpu_ns_per_byte"]


class Sweep(unittest.TestCase):
    """Runs net_bench once for the class with ARGS; the tests read
    cls.result and cls.data (its JSON, None without one)."""
    ARGS = []

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.json_path = os.path.join(cls.dir.name, "smoke.json")
        cls.result = subprocess.run(
            [NET_BENCH, *cls.ARGS, "--benchmark_out=" + cls.json_path,
             "--benchmark_out_format=json"],
            capture_output=True, text=True, timeout=300)
        cls.data = None
        if os.path.exists(cls.json_path):
            with open(cls.json_path) as f:
                cls.data = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()


class SmokeSweep(Sweep):
    ARGS = ["--sizes=4K", "--threads=1,2", "--verify",
            "--benchmark_filter=^(Stream|RR)/", "--benchmark_min_time=0.05"]

    def test_run_succeeds_and_writes_json(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertIsNotNone(self.data)

    def test_every_benchmark_ran_without_error(self):
        benchmarks = self.data["benchmarks"]
        modes = {b["name"].split("/")[1] for b in benchmarks}
        self.assertIn("OneCopy", modes)
        # Every supported mode, both patterns, both thread counts.
        self.assertEqual(len(benchmarks), len(modes) * 2 * 2)
        for b in benchmarks:
            self.assertFalse(b.get("error_occurred", False),
                             b["name"] + ": " + b.get("error_message", ""))
            # One window per run: one iteration per connection.
            threads = int(b["name"].rsplit("threads:", 1)[1])
            self.assertEqual(b["iterations"], threads, b["name"])

    def test_counters_present_where_they_should_be(self):
        hardware = self.data["context"].get("hardware_counters", "")
        for b in self.data["benchmarks"]:
            name = b["name"]
            pattern, mode = name.split("/")[:2]
            for c in ALWAYS:
                self.assertIn(c, b, name)
                self.assertGreater(b[c], 0, name + " " + c)
            for c in NON_NEGATIVE:
                self.assertGreaterEqual(b[c], 0, name + " " + c)
            for c in RR_ONLY:
                if pattern == "RR":
                    self.assertGreater(b[c], 0, name + " " + c)
                else:
                    self.assertNotIn(c, b, name)
            self.assertLessEqual(b.get("rtt_p50_us", 0), b.get("rtt_p99_us", 0))
            self.assertIn("sys_cpu_ns_per_byte", b, name)
            for c in ZERO_COPY:
                self.assertEqual(c in b, mode in NOTIFIED, name + " " + c)
            if mode in NOTIFIED:
                # Over veth the receiving socket is local: the kernel copies
                # every zero-copy send before delivering it
                # (skb_orphan_frags_rx; Documentation/networking/
                # msg_zerocopy.rst, "Loopback"), so every completion says
                # copied: MSG_ZEROCOPY's SO_EE_CODE_ZEROCOPY_COPIED, io_uring's
                # IORING_NOTIF_USAGE_ZC_COPIED (absent before Linux 6.2).
                if "zc_copied_ratio" in b:
                    self.assertEqual(b["zc_copied_ratio"], 1.0, name)
                self.assertGreater(b["zc_completions_per_msg"], 0)
            for c in HARDWARE:
                if not hardware.startswith("available"):
                    # Absent, never zero, when the machine has no PMU.
                    self.assertNotIn(c, b, name)

    def test_context_describes_the_run(self):
        ctx = self.data["context"]
        for key in ["kernel", "topology", "privilege", "mtu", "nodelay", "rx",
                    "optmem_max", "hardware_counters", "verify"]:
            self.assertIn(key, ctx)
        self.assertEqual(ctx["verify"], "true")

    def test_one_window_for_throughput_and_real_time(self):
        # Every run is one window of --benchmark_min_time (0.05 s) after the
        # warm-up, and real_time (what compare.py compares) is that window:
        # never shorter, and late only by a look at the clock (tens of
        # microseconds; milliseconds on a busy machine).
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
        for b in self.data["benchmarks"]:
            window_s = b["real_time"] * scale[b["time_unit"]]
            self.assertGreaterEqual(window_s, 0.05, b["name"])
            self.assertLess(window_s, 0.05 + 0.010, b["name"])
            self.assertAlmostEqual(b["Gbps"], b["bytes_per_second"] * 8 / 1e9,
                                   delta=b["Gbps"] * 1e-9, msg=b["name"])

    def test_cpus_each_thread_ran_on_are_recorded(self):
        ctx = self.data["context"]
        for key in ["affinity", "cpus", "wait"]:
            self.assertIn(key, ctx)
        policy = ctx["affinity"].split(":")[0]
        for b in self.data["benchmarks"]:
            threads = int(b["name"].rsplit("threads:", 1)[1])
            label = b.get("label", "")
            self.assertRegex(label, r"^wait=block cpus tx=\S+ rx=\S+$", b["name"])
            tx, rx = (part.split("=", 1)[1] for part in label.split()[2:])
            self.assertEqual(len(tx.split(",")), threads, b["name"])
            self.assertEqual(len(rx.split(",")), threads, b["name"])
            if policy in ("split", "same"):
                # Pinned: every thread stayed on one CPU; the two threads of
                # a connection on different ones (split) or on one (same).
                for t, r in zip(tx.split(","), rx.split(",")):
                    self.assertNotIn("|", t + r, b["name"])
                    if policy == "split":
                        self.assertNotEqual(t, r, b["name"])
                    else:
                        self.assertEqual(t, r, b["name"])

    def test_the_run_describes_its_vocabularies(self):
        # The tools read modes, patterns and counters only from the run's
        # context: every name and counter a benchmark wrote must be there.
        ctx = self.data["context"]
        modes = {m["name"]: m for m in json.loads(ctx["modes"])}
        patterns = {p["name"] for p in json.loads(ctx["patterns"])}
        self.assertEqual({m for m in modes if modes[m]["notified"]}, NOTIFIED)
        counters = json.loads(ctx["counters"])
        for name, c in counters.items():
            self.assertTrue(c["label"], name)
            self.assertIn(c["better"], ("higher", "lower", ""), name)
        for b in self.data["benchmarks"]:
            pattern, mode = b["name"].split("/")[:2]
            self.assertIn(pattern, patterns, b["name"])
            self.assertIn(mode, modes, b["name"])
            if "zc_copied_ratio" in b:
                self.assertTrue(modes[mode]["notified"], b["name"])
            for key, value in b.items():
                if isinstance(value, float) and key not in ("real_time", "cpu_time"):
                    self.assertIn(key, counters, b["name"] + ": " + key)
        # And the tools read them so.
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", "tools"))
        from netbench.results import Results
        r = Results(self.data)
        self.assertEqual(r.known_modes, list(modes))
        self.assertEqual(r.better("Gbps"), "higher")

    def test_compare_py_accepts_the_json(self):
        if not os.path.exists(COMPARE):
            self.skipTest("compare.py is not installed (libbenchmark-tools)")
        r = subprocess.run([sys.executable, COMPARE, "benchmarks",
                            self.json_path, self.json_path],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Stream/OneCopy/size:4096/manual_time/threads:1", r.stdout)


class Placement(unittest.TestCase):
    """--affinity=split as the kernel saw it: with 2 CPUs, client threads on
    the first, server threads on the second."""

    def test_split_places_each_side_on_its_half(self):
        if len(os.sched_getaffinity(0)) < 2:
            self.skipTest("split needs 2 CPUs; this process may use 1")
        cpus = sorted(os.sched_getaffinity(0))[:2]
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "split.json")
            r = subprocess.run(
                [NET_BENCH, "--modes=OneCopy", "--sizes=4K", "--threads=2",
                 "--affinity=split", "--cpus=%d,%d" % tuple(cpus),
                 "--benchmark_filter=^(Stream|RR)/", "--benchmark_min_time=0.02",
                 "--benchmark_out=" + out, "--benchmark_out_format=json"],
                capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                data = json.load(f)
        self.assertEqual(data["context"]["affinity"],
                         "split: client CPUs %d, server CPUs %d" % tuple(cpus))
        for b in data["benchmarks"]:
            # Stream: the client sends (tx); RR: the server does.
            client, server = ("tx", "rx") if b["name"].startswith("Stream") else ("rx", "tx")
            sides = dict(part.split("=") for part in b["label"].split()[2:])
            self.assertEqual(sides[client], "%d,%d" % (cpus[0], cpus[0]), b["name"])
            self.assertEqual(sides[server], "%d,%d" % (cpus[1], cpus[1]), b["name"])

    def test_cpus_not_available_are_bad_input(self):
        r = subprocess.run([NET_BENCH, "--cpus=1000"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("--cpus: CPU 1000 is not available", r.stderr)


class BuildOnlyWhatRuns(unittest.TestCase):
    def test_calibration_alone_builds_no_topology(self):
        # Only the grid and the baselines need the namespaces and the
        # server: a run of Calibration/ alone builds neither, so its context
        # has no topology.
        r = subprocess.run(
            [NET_BENCH, "--calibrate", "--benchmark_filter=^Calibration/",
             "--benchmark_min_time=0.01", "--benchmark_format=json"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        data = json.loads(r.stdout)
        self.assertTrue(data["benchmarks"])
        self.assertNotIn("topology", data["context"])
        self.assertIn("affinity", data["context"])


class RrSyscalls(unittest.TestCase):
    """RR counts both threads' syscalls, the request's included: with
    blocking waits a OneCopy round trip is 4 (the client's send and recv, the
    server's recv and sendmsg)."""

    def test_blocking_round_trip_is_four_syscalls(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "rr.json")
            r = subprocess.run(
                [NET_BENCH, "--modes=OneCopy", "--patterns=RR", "--sizes=64",
                 "--threads=1", "--wait=block", "--benchmark_filter=^RR/",
                 "--benchmark_min_time=0.05", "--benchmark_out=" + out,
                 "--benchmark_out_format=json"],
                capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                data = json.load(f)
        self.assertEqual(data["context"]["wait"], "block")
        (b,) = data["benchmarks"]
        # A message is a round trip; the control exchange is not counted.
        self.assertGreaterEqual(b["syscalls_per_msg"], 4.0)
        self.assertLess(b["syscalls_per_msg"], 4.05)


class UdpSmokeSweep(Sweep):
    """The UDP grid: every supported UDP mode, two receive modes, paced so
    that the receiver keeps up most of the time, --verify."""
    ARGS = ["--sizes=4K", "--threads=1,2", "--verify", "--udp_rx=recvmmsg,gro",
            "--rate=1G", "--benchmark_filter=^Udp", "--benchmark_min_time=0.03"]

    def test_every_udp_benchmark_ran_verified_with_its_counters(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        benchmarks = self.data["benchmarks"]
        modes = {b["name"].split("/")[1] for b in benchmarks}
        self.assertIn("UdpSendmsg", modes)
        # Every supported mode, both patterns, both receive modes, both
        # thread counts.
        self.assertEqual(len(benchmarks), len(modes) * 2 * 2 * 2)
        for b in benchmarks:
            name = b["name"]
            self.assertFalse(b.get("error_occurred", False),
                             name + ": " + b.get("error_message", ""))
            self.assertIn("/rx:", name)
            for c in UDP_ALWAYS:
                self.assertGreater(b.get(c, 0), 0, name + " " + c)
            self.assertGreaterEqual(b["udp_loss_share"], 0, name)
            self.assertLessEqual(b["udp_loss_share"], 1, name)
            if name.startswith("UdpStream/"):
                self.assertGreaterEqual(b["tx_datagrams_per_call"], 1 if "Zero" not in name else 0, name)
                self.assertIn("udp_reorder_share", b, name)
            else:
                self.assertIn("rtt_p50_us", b, name)
            self.assertEqual("zc_copied_ratio" in b, "ZeroCopy" in name, name)


if __name__ == "__main__":
    NET_BENCH = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
