#!/usr/bin/python3
"""The tools on UDP runs: names with a receive mode, tools/run's --udp
preset (and the TCP default's patterns), the report's UDP section, its
figure, and the sampler end to end, against fake_net_bench.py's UDP
benchmarks, whose numbers are known in advance (its UDP_* tables).

usage: udp_report_test.py
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(os.path.dirname(HERE), "tools")
FAKE = os.path.join(HERE, "fake_net_bench.py")

sys.path.insert(0, TOOLS)   # the package's root, as for the commands in tools/
from netbench import sweep  # noqa: E402
from netbench.results import (Results, base_pattern, grid_name, parse_name,  # noqa: E402
                              split_pattern)


class Names(unittest.TestCase):
    def test_tcp_names_are_unchanged(self):
        self.assertEqual(parse_name("Stream/OneCopy/size:65536/manual_time/threads:2"),
                         ("Stream", "OneCopy", 65536, 2))
        self.assertEqual(parse_name("RR/TwoCopy/size:1024/threads:8"),
                         ("RR", "TwoCopy", 1024, 8))

    def test_the_receive_mode_is_folded_into_the_pattern(self):
        self.assertEqual(parse_name("UdpStream/UdpGso/size:65536/rx:gro/manual_time/threads:1"),
                         ("UdpStream rx=gro", "UdpGso", 65536, 1))
        self.assertEqual(parse_name("UdpRR/UdpSendmsg/size:1024/rx:recvmsg/manual_time/"
                                    "threads:2"), ("UdpRR rx=recvmsg", "UdpSendmsg", 1024, 2))
        self.assertEqual(split_pattern("UdpStream rx=gro"), ("UdpStream", {"rx": "gro"}))
        self.assertEqual(base_pattern("RR"), "RR")

    def test_a_points_name_spells_its_dimensions_as_the_benchmarks(self):
        self.assertEqual(grid_name("UdpStream rx=gro", 1472, 1),
                         "UdpStream/size:1472/rx:gro/threads:1")
        self.assertEqual(grid_name("Stream", 4096, 2), "Stream/size:4096/threads:2")

    def test_other_benchmarks_are_not_grid_points(self):
        for name in ("Calibration/Copy/cpu:0/real_time", "Topology/SetupTeardown/real_time",
                     "UdpStream/UdpGso/size:1472/rx:gro/manual_time"):
            self.assertIsNone(parse_name(name), name)

    def test_patterns_keep_their_base_order_and_the_listed_receive_order(self):
        names = ["UdpStream/UdpGso/size:1472/rx:gro/manual_time/threads:1",
                 "Stream/OneCopy/size:1024/manual_time/threads:1",
                 "UdpStream/UdpGso/size:1472/rx:recvmsg/manual_time/threads:1",
                 "UdpRR/UdpGso/size:1472/rx:gro/manual_time/threads:1"]
        context = {"patterns": json.dumps([{"name": p} for p in
                                           ("Stream", "RR", "UdpStream", "UdpRR")])}
        results = Results({"context": context, "benchmarks": [
            dict(name=n, run_name=n, run_type="iteration", Gbps=1.0) for n in names]})
        self.assertEqual(results.patterns, ["Stream", "UdpStream rx=gro",
                                            "UdpStream rx=recvmsg", "UdpRR rx=gro"])


class Presets(unittest.TestCase):
    """tools/run's grid: TCP's patterns by default, UDP's with --udp."""

    def test_the_tcp_default_names_its_patterns(self):
        o = sweep.parse_options(["--sizes=4K"])
        self.assertEqual(o.grid, ["--patterns=Stream,RR"])
        self.assertEqual(o.net_bench_args[-1], "--patterns=Stream,RR")
        self.assertEqual(o.budget, 600)

    def test_patterns_or_a_filter_of_the_users_replace_the_tcp_default(self):
        for flag in ("--patterns=RR", "--benchmark_filter=^Udp"):
            self.assertEqual(sweep.parse_options([flag]).grid, [], flag)

    def test_udp_runs_the_udp_grid_with_its_own_budget(self):
        o = sweep.parse_options(["--udp"])
        self.assertEqual(o.grid, ["--patterns=UdpStream,UdpRR", "--udp_rx=recvmsg,recvmmsg,gro",
                                  "--sizes=1472,16K,63K", "--threads=1,2"])
        self.assertEqual(o.budget, sweep.parse_duration(sweep.UDP_BUDGET))
        self.assertNotIn("--udp", o.net_bench_args)

    def test_the_users_flags_win_over_the_udp_grid(self):
        o = sweep.parse_options(["--udp=true", "--threads=1", "--budget=90s"])
        self.assertEqual(o.grid, ["--patterns=UdpStream,UdpRR", "--udp_rx=recvmsg,recvmmsg,gro",
                                  "--sizes=1472,16K,63K"])
        self.assertIn("--threads=1", o.args)
        self.assertEqual(o.budget, 90)
        self.assertEqual(sweep.parse_options(["--udp=false"]).grid, ["--patterns=Stream,RR"])
        with self.assertRaisesRegex(sweep.BadInput, "--udp takes no value"):
            sweep.parse_options(["--udp=maybe"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
