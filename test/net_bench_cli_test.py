#!/usr/bin/python3
"""net_bench's command line: bad input gets one clear line and exit status 2,
filters select exactly the benchmarks they name, and nothing is left behind.

usage: net_bench_cli_test.py PATH/TO/net_bench
"""
import os
import subprocess
import sys
import unittest

NET_BENCH = None


def run(*args, timeout=60):
    return subprocess.run([NET_BENCH, *args], capture_output=True, text=True,
                          timeout=timeout)


def host_veths():
    out = subprocess.run(["ip", "-o", "link", "show", "type", "veth"],
                         capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if "veth_server" in l or "veth_client" in l]


def netns_mounts():
    try:
        return [n for n in os.listdir("/var/run/netns") if n.startswith("net_bench")]
    except FileNotFoundError:
        return []


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
        self.assertEqual(host_veths(), [])
        self.assertEqual(netns_mounts(), [])


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
        self.assertIn("Stream/OneCopy/size:65536/real_time/threads:8", names)
        self.assertIn("RR/OneCopy/size:1024/real_time/threads:1", names)
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

    def test_help_lists_both_flag_sets(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--modes=", r.stdout)
        self.assertIn("--benchmark_filter", r.stdout)


if __name__ == "__main__":
    NET_BENCH = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
