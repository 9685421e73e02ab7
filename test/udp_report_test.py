#!/usr/bin/python3
"""The tools on UDP runs: names with a receive mode, tools/run's --udp
preset (and the TCP default's patterns), the report's UDP section, its
figure, and the sampler end to end, against fake_net_bench.py's UDP
benchmarks, whose numbers are known in advance (its UDP_* tables).

usage: udp_report_test.py
"""
import json
import math
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
from netbench import answers, plots, report, sweep, udp, udp_report, verdicts  # noqa: E402
from netbench.results import (Results, base_pattern, grid_name, load, parse_name,  # noqa: E402
                              split_pattern)
from netbench.verdicts import (EQUIVALENT, FASTER, SLOWER, UNDECIDED, Estimate,  # noqa: E402
                               Verdict)

import fake_net_bench as fake  # noqa: E402 (beside this file: its UDP tables)

# The UDP grid of tools/run --udp, smaller: every receive mode, two sizes
# either side of where the fake's GSO modes begin to lose, two thread counts.
UDP_FLAGS = ["--patterns=UdpStream,UdpRR", "--udp_rx=recvmsg,recvmmsg,gro",
             "--sizes=1472,16K,63K", "--threads=1,2"]


def fake_run(directory, *flags, rounds=6, seed=1):
    """A blocked run of the fake net_bench (--rounds), loaded."""
    path = os.path.join(directory, "run.json")
    r = subprocess.run([sys.executable, FAKE, *flags, "--rounds=%d" % rounds,
                        "--seed=%d" % seed, "--benchmark_out=" + path],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return load(path)


def section(text, heading):
    """The text under a '### heading' up to the next heading of any level."""
    start = text.index(heading)
    rest = text[start + len(heading):]
    end = re.search(r"^#", rest, re.M)
    return rest[:end.start()] if end else rest


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
                                  "--sizes=1472,16K,63K", "--threads=1,2", "--rate=0,1G"])
        self.assertEqual(o.budget, sweep.parse_duration(sweep.UDP_BUDGET))
        self.assertNotIn("--udp", o.net_bench_args)

    def test_the_users_flags_win_over_the_udp_grid(self):
        o = sweep.parse_options(["--udp=true", "--threads=1", "--budget=90s"])
        self.assertEqual(o.grid, ["--patterns=UdpStream,UdpRR", "--udp_rx=recvmsg,recvmmsg,gro",
                                  "--sizes=1472,16K,63K", "--rate=0,1G"])
        self.assertIn("--threads=1", o.args)
        self.assertEqual(o.budget, 90)
        self.assertEqual(sweep.parse_options(["--udp=false"]).grid, ["--patterns=Stream,RR"])
        with self.assertRaisesRegex(sweep.BadInput, "--udp takes no value"):
            sweep.parse_options(["--udp=maybe"])


class UdpAnswersOnAFakeRun(unittest.TestCase):
    """The section's answers on the fake's UDP run, whose numbers are known:
    fake.UDP_COST, UDP_RX_COST and UDP_LOSS_BEGINS."""

    @classmethod
    def setUpClass(cls):
        with tempfile.TemporaryDirectory() as d:
            cls.results = fake_run(d, *UDP_FLAGS, "--fake_noise=0.01")
        cls.analysis = answers.Analysis(cls.results)
        cls.text = report.render(cls.results, [], [])

    def savings(self, mode, rx):
        return [s for s in self.analysis.udp.savings if (s.mode, s.rx) == (mode, rx)]

    def test_the_pattern_carries_the_receive_mode(self):
        self.assertEqual(self.results.patterns, [
            "UdpStream rx=recvmsg", "UdpStream rx=recvmmsg", "UdpStream rx=gro",
            "UdpRR rx=recvmsg", "UdpRR rx=recvmmsg", "UdpRR rx=gro"])
        self.assertTrue(self.results.has_udp)
        self.assertEqual(self.results.transport("UdpGso"), "udp")

    def test_gso_is_decided_cheaper_per_delivered_byte_by_what_it_saves(self):
        true = 100 * (1 - fake.UDP_COST["UdpGso"] / fake.UDP_COST["UdpSendmsg"])   # 50%
        gso = self.savings("UdpGso", "recvmsg")
        self.assertEqual(len(gso), 6)          # 3 sizes x 2 thread counts
        for s in gso:
            v = s.asked.verdict
            self.assertEqual(v.kind, FASTER, (s.size, s.threads))
            self.assertTrue(v.estimate.paired)  # one receive mode: one point, paired
            low, high = (-udp_report._cost_change(t) for t in (v.low, v.high))
            self.assertLess(low, true)
            self.assertGreater(high, true)
        self.assertIn("- GSO (UDP_SEGMENT), `UdpGso` rx=recvmsg: saves at every point (6)",
                      self.text)
        self.assertRegex(self.text, r"\| GSO \(UDP_SEGMENT\): `UdpGso` rx=recvmsg \| "
                                    r"[\d.]+, saves (49|50|51)% \[")

    def test_gro_is_compared_across_points_unpaired(self):
        true = 100 * (1 - fake.UDP_RX_COST["gro"])                              # 40%
        gro = self.savings("UdpSendmsg", "gro")
        self.assertEqual(len(gro), 6)
        for s in gro:
            self.assertFalse(s.asked.verdict.estimate.paired)
            self.assertEqual(s.asked.comparison.looks, self.results.looks ** 2)
            self.assertAlmostEqual(100 * (1 - s.ratio), true, delta=5)
        self.assertTrue(any(s.asked.verdict.kind == FASTER for s in gro))

    def test_every_mechanism_is_asked_against_one_datagram_per_call(self):
        asked = {(s.mode, s.rx) for s in self.analysis.udp.savings}
        self.assertEqual(asked, {(m, rx) for _, m, rx in udp.SAVINGS})
        for s in self.analysis.udp.savings:
            self.assertEqual((s.base.mode, s.base.pattern), ("UdpSendmsg", "UdpStream rx=recvmsg"))

    def test_datagrams_per_call_are_shown(self):
        table = section(self.text, "Datagrams per call at 1 thread")
        self.assertIn("| `UdpSendmsg` rx=recvmsg | 1 / 1 | 1 / 1 | 1 / 1 |", table)
        self.assertIn("| `UdpGso` rx=recvmsg | 1 / 1 | 12 / 1 | 44 / 1 |", table)
        self.assertIn("| `UdpSendmmsg` rx=recvmsg | 16 / 1 |", table)

    def test_zero_copy_does_not_pay_and_its_copied_ratio_is_near_one_on_veth(self):
        zc = self.analysis.udp.zero_copy
        self.assertEqual({z.mode for z in zc}, {"UdpGsoZeroCopy", "UdpUringGsoZeroCopy"})
        self.assertEqual(len(zc), 2 * 3 * 3 * 2)  # pairs x receive modes x sizes x threads
        for z in zc:
            self.assertEqual(z.outcome, "does not pay", (z.mode, z.pattern, z.size))
            self.assertEqual((z.cost.verdict.kind, z.throughput.verdict.kind), (SLOWER, SLOWER))
            self.assertEqual(z.copied, 1.0)
        part = section(self.text, "### Does zero-copy pay for GSO sends?")
        self.assertIn("- `UdpGsoZeroCopy` against `UdpGso`: does not pay at 18 of 18 points. "
                      "Copied ratio 1, near 1 as expected on `veth fake`: the kernel copies at "
                      "local delivery", part)
        self.assertRegex(part, r"\| rx=gro, 2 threads \| CPU/byte costs \d+(\.\d)?% more \[")

    def test_zero_copys_throughput_question_is_the_best_modes(self):
        # On UdpStream's main counter (Gbps) the zero-copy question is the
        # one the best-mode table asks (the fake's leader is UdpGso): the
        # family holds it once.
        z = next(z for z in self.analysis.udp.zero_copy if z.mode == "UdpGsoZeroCopy")
        best = self.analysis.best[z.pattern][(z.size, z.threads)]
        self.assertEqual(best.leader, "UdpGso")
        asked = next(o for o in best.others if o.a == "UdpGsoZeroCopy")
        self.assertIs(asked.comparison, z.throughput.comparison)

    def test_loss_begins_where_the_fake_makes_it_begin(self):
        losses = {(l.pattern, l.mode): l for l in self.analysis.udp.loss}
        for mode in ("UdpGso", "UdpSendmmsg", "UdpUringGsoZeroCopy"):
            loss = losses[("UdpStream rx=recvmsg", mode)]
            for threads in (1, 2):
                self.assertEqual(loss.onset(threads), fake.UDP_LOSS_BEGINS[mode], mode)
        plain = losses[("UdpStream rx=gro", "UdpSendmsg")]
        self.assertTrue(all(p.lossless for p in plain.points))
        self.assertIsNone(plain.onset(1))
        # UdpSendmmsg loses a trace at 16 KiB, below where loss begins.
        trace = next(p for p in losses[("UdpStream rx=recvmsg", "UdpSendmmsg")].points
                     if (p.size, p.threads) == (16384, 1))
        self.assertFalse(trace.lossy or trace.lossless)
        part = section(self.text, "### Where loss begins")
        self.assertIn("- `UdpGso`: above 0.1% from 16 KiB at 1 thread (0.5%), from 16 KiB at "
                      "2 threads (1%); lossless at 1472 B 1 thr, 1472 B 2 thr.", part)
        self.assertIn("- `UdpSendmmsg`: above 0.1% from 63 KiB at 1 thread", part)
        self.assertIn("- No loss at any size or thread count: `UdpSendmsg`.", part)
        self.assertIn("UdpRR rx=gro:", part)
        self.assertIn("Reordering (`udp_reorder_share`): none at any point.", part)

    def test_the_section_and_the_method_say_what_the_run_did(self):
        part = section(self.text, "## UDP")
        self.assertIn("Datagrams of 1472 bytes (`udp_datagram`), sendmmsg batches of 16 "
                      "(`udp_batch`), unpaced (`udp_rate`)", part)
        self.assertIn("CPU per delivered byte by its inverse, so *faster* is cheaper", self.text)

    def test_udp_questions_join_the_reports_family(self):
        comparisons = self.analysis.family.comparisons
        cost = [k for k in comparisons if k[0][0] == udp.COST]
        # 5 savings and 2 zero-copy pairs at 3 receive modes, at 3 sizes x 2 threads.
        self.assertEqual(len(cost), (5 + 2 * 3) * 6)
        # One Benjamini-Hochberg threshold over TCP's questions and UDP's.
        p_values = [p for c in comparisons.values() for p in (c.adjusted(0.03) or ())]
        self.assertEqual(self.analysis.threshold, verdicts.bh_threshold(p_values))

    def test_the_figure_is_drawn(self):
        with tempfile.TemporaryDirectory() as d:
            figures, _ = plots.make_all(self.results, d)
            names = [f.filename for f in figures]
            self.assertIn("udp_stream_threads_1.png", names)
            self.assertIn("udp_stream_threads_2.png", names)
            self.assertGreater(os.path.getsize(os.path.join(d, "udp_stream_threads_2.png")),
                               10000)


class UdpAnswersThatAreNotDecided(unittest.TestCase):
    def test_noise_leaves_a_saving_not_decided_and_says_so(self):
        # recvmmsg saves 10%: with 20% noise per run and 3 rounds, compared
        # across two points, its interval cannot decide.
        with tempfile.TemporaryDirectory() as d:
            results = fake_run(d, "--patterns=UdpStream", "--udp_rx=recvmsg,recvmmsg",
                               "--modes=UdpSendmsg,UdpGso", "--sizes=1472", "--threads=1",
                               "--fake_noise=0.2", rounds=3)
        analysis = answers.Analysis(results)
        (saving,) = [s for s in analysis.udp.savings if s.rx == "recvmmsg"]
        self.assertEqual(saving.asked.verdict.kind, UNDECIDED)
        text = report.render(results, [], [])
        self.assertIn("receive batching (recvmmsg), `UdpSendmsg` rx=recvmmsg: not decided at "
                      "every point (1).", text)
        self.assertRegex(text, r"`UdpSendmsg` rx=recvmmsg \| [\d.]+, not decided, cost "
                               r"[-+]\d")
        self.assertIn("Not in this run: no zero-copy GSO mode beside its plain send", text)

    def test_a_partly_copied_ratio_is_not_called_near_one(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "run.json")
            subprocess.run([sys.executable, FAKE, "--patterns=UdpStream", "--udp_rx=recvmsg",
                            "--modes=UdpGso,UdpGsoZeroCopy", "--sizes=16K", "--rounds=3",
                            "--benchmark_out=" + path], check=True, capture_output=True)
            with open(path) as f:
                data = json.load(f)
        for b in data["benchmarks"]:
            if "zc_copied_ratio" in b:
                b["zc_copied_ratio"] = 0.5
        text = report.render(Results(data), [], [])
        self.assertIn("Copied ratio 0.5: below the near-1 that local delivery on `veth fake` "
                      "leads to expect", text)


class AnotherDimension(unittest.TestCase):
    def test_a_rate_in_the_names_is_its_own_group_in_any_order(self):
        # A further dimension (a pacing rate, should the names carry one)
        # folds into the pattern too, before or after the receive mode:
        # the savings still find their baseline, loss is told per rate.
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "run.json")
            subprocess.run([sys.executable, FAKE, "--patterns=UdpStream",
                            "--udp_rx=recvmsg,gro", "--modes=UdpSendmsg,UdpGso", "--sizes=16K",
                            "--rounds=4", "--benchmark_out=" + path], check=True,
                           capture_output=True)
            with open(path) as f:
                data = json.load(f)
        for b in data["benchmarks"]:
            for k in ("name", "run_name"):
                b[k] = b[k].replace("/size:16384/", "/size:16384/rate:1000000000/")
        results = Results(data)
        self.assertIn("UdpStream rate=1000000000 rx=gro", results.patterns)
        analysis = answers.Analysis(results)
        self.assertEqual({(s.mode, s.rx) for s in analysis.udp.savings},
                         {("UdpGso", "recvmsg"), ("UdpSendmsg", "gro"), ("UdpGso", "gro")})
        self.assertIn("UdpStream rate=1000000000 rx=recvmsg:", report.render(results, [], []))


class LossAlongTheRates(unittest.TestCase):
    def test_where_loss_begins_reads_along_the_rates(self):
        # The fake loses nothing at 1 Gbit/s and, unpaced, from 16 KiB for
        # the GSO modes (UDP_LOSS_BEGINS).
        with tempfile.TemporaryDirectory() as d:
            results = fake_run(d, "--patterns=UdpStream", "--udp_rx=recvmsg",
                               "--modes=UdpSendmsg,UdpGso", "--sizes=1472,16K",
                               "--threads=1", "--rate=0,1G", rounds=3)
        self.assertIn("UdpStream rx=recvmsg rate=1G", results.patterns)
        self.assertEqual(results.context["udp_rate"], "0,1000000000")
        text = report.render(results, [], [])
        table = text[text.index("Along the rates"):]
        self.assertIn("| `UdpGso` | no loss | ≤ 1G; unpaced 0.5% |", table)
        self.assertIn("| `UdpSendmsg` | no loss | no loss |", table)
        self.assertIn("unpaced and paced at 1 Gbit/s", text)
        # The savings are told per rate.
        self.assertIn("#### UdpStream rate=0", text)
        self.assertIn("#### UdpStream rate=1G", text)


class CostWording(unittest.TestCase):
    """A verdict on CPU per byte (speed = 1 / cost) read as a saving."""

    def verdict(self, kind, theta, low, high):
        return Verdict(kind, Estimate(theta, 0.01, 5, 6, True), low, high, 0.99, 0.03)

    def test_half_the_cost_saves_half(self):
        v = self.verdict(FASTER, math.log(2), math.log(1.9), math.log(2.1))
        self.assertEqual(udp_report.cost_verdict_text(v), "saves 50% [47%, 52%]")

    def test_a_tenth_more_cost_is_ten_percent_more(self):
        v = self.verdict(SLOWER, -math.log(1.1), -math.log(1.15), -math.log(1.05))
        self.assertEqual(udp_report.cost_verdict_text(v), "costs 10% more [5.0%, 15%]")

    def test_equivalent_and_undecided_give_the_cost_change(self):
        v = self.verdict(EQUIVALENT, math.log(1.004), math.log(0.99), math.log(1.02))
        self.assertEqual(udp_report.cost_verdict_text(v),
                         "equivalent within ±3% (cost -0.4% [-2.0%, +1.0%])")
        v = self.verdict(UNDECIDED, -math.log(1.01), -math.log(1.05), math.log(1.02))
        self.assertEqual(udp_report.cost_verdict_text(v),
                         "not decided, cost +1.0% [-2.0%, +5.0%]")


class TcpRunsAreUntouched(unittest.TestCase):
    def test_a_tcp_run_has_no_udp_section_figure_or_modes(self):
        with tempfile.TemporaryDirectory() as d:
            results = fake_run(d, "--patterns=Stream,RR", "--sizes=4K")
            figures, _ = plots.make_all(results, d)
        self.assertFalse(results.has_udp)
        analysis = answers.Analysis(results)
        self.assertFalse(analysis.udp.asked)
        self.assertFalse(any(k[0][0] == udp.COST for k in analysis.family.comparisons))
        text = report.render(results, [], [])
        self.assertNotIn("## UDP", text)
        self.assertNotIn("UdpGsoZeroCopy", section(text, "## Zero-copy: did the kernel"))
        self.assertFalse(any(f.filename.startswith("udp_") for f in figures))


def sample(root, *flags):
    """tools/sweep.py against the fake net_bench: (returncode, stdout, stderr)."""
    r = subprocess.run([sys.executable, os.path.join(TOOLS, "sweep.py"), FAKE, root, *flags],
                       capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr


class SamplerRunsTheUdpGrid(unittest.TestCase):
    def test_udp_samples_the_udp_grid_and_reports_it(self):
        with tempfile.TemporaryDirectory() as root:
            status, out, err = sample(root, "--udp", "--threads=1", "--sizes=1472,16K",
                                      "--seed=4", "--fake_noise=0.002", "--calibrate=false")
            self.assertEqual(status, 0, err)
            (run,) = [os.path.join(root, r) for r in os.listdir(root)]
            files = os.listdir(run)
            with open(os.path.join(run, "report.md")) as f:
                text = f.read()
            with open(os.path.join(run, "net_bench.txt")) as f:
                commands = [l for l in f if l.startswith("$ ")]
            with open(os.path.join(run, "net_bench.json")) as f:
                record = json.loads(json.load(f)["context"]["sampling"])
        # 3 receive modes x 2 sizes x 1 thread, 6 modes each: UdpStream at
        # 2 rates (unpaced, 1 Gbit/s), UdpRR unpaced.
        self.assertIn("net_bench: 18 points of 6 modes", out)
        self.assertRegex(out, r"\[1/18\] UdpStream rx=recvmsg rate=0 1472 B 1 thr  "
                              r"rounds 3  decided")
        points = [p["point"] for p in record["points"]]
        self.assertTrue(any(p.startswith("UdpStream/size:1472/rx:gro") and "rate:1G" in p
                            for p in points), points)
        self.assertTrue(all("--patterns=UdpStream,UdpRR" in c and
                            "--udp_rx=recvmsg,recvmmsg,gro" in c for c in commands), commands)
        self.assertIn("## UDP", text)
        self.assertIn("- GSO (UDP_SEGMENT), `UdpGso` rx=recvmsg: saves at every point (2)", text)
        self.assertIn("udp_stream_threads_1.png", files)

    def test_the_tcp_default_runs_only_tcps_patterns(self):
        with tempfile.TemporaryDirectory() as root:
            status, out, err = sample(root, "--sizes=4K", "--seed=4", "--calibrate=false",
                                      "--modes=OneCopy,TwoCopy,UdpGso")
            self.assertEqual(status, 0, err)
            (run,) = [os.path.join(root, r) for r in os.listdir(root)]
            with open(os.path.join(run, "report.md")) as f:
                text = f.read()
        self.assertIn("net_bench: 2 points of 2 modes", out)
        self.assertNotIn("Udp", out)
        self.assertNotIn("## UDP", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
