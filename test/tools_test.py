#!/usr/bin/python3
"""The main job's tools: plots and report from a real run, the answers the
report gives, tools/compare, and the sweep driver (progress, interruption).

usage: tools_test.py [PATH/TO/net_bench]

test/fixtures/sweep.json and same_build_{a,b}.json are real runs of net_bench
(regenerate them with tools/make_fixture). Where a test needs an answer known
in advance (a crossover at a given size, "never", a 2x throughput drop, a
zero-copy mode), it derives a modified COPY of a real fixture in memory and
says what it changed; the committed fixtures are never hand-edited. Given
net_bench, the sweep driver is also run end to end on a tiny grid.
"""
import copy
import io
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOOLS = os.path.join(ROOT, "tools")
FIXTURES = os.path.join(HERE, "fixtures")
SWEEP = os.path.join(FIXTURES, "sweep.json")
SAME_A = os.path.join(FIXTURES, "same_build_a.json")
SAME_B = os.path.join(FIXTURES, "same_build_b.json")
COMPARE = os.path.join(TOOLS, "compare")
NET_BENCH = (os.path.abspath(sys.argv[1])
             if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else None)

sys.path.insert(0, TOOLS)
import answers  # noqa: E402
import report  # noqa: E402
import sweep  # noqa: E402
from netbench_results import Results, format_size, parse_name  # noqa: E402


def read(path):
    with open(path) as f:
        return json.load(f)


def write(data, directory, name):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump(data, f)
    return path


def medians(data, counter="Gbps", pattern="Stream"):
    """Independent of the tools: {(mode, size, threads): median of counter}."""
    samples = {}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration" or counter not in b:
            continue
        key = parse_name(b["run_name"])
        if key and key[0] == pattern:
            samples.setdefault(key[1:], []).append(b[counter])
    return {k: statistics.median(v) for k, v in samples.items()}


def set_relative(data, mode, baseline, factor_by_size):
    """A copy where every repetition of `mode`'s Stream Gbps is set to
    `baseline`'s slowest repetition (same size and threads) times the factor
    when the factor is below 1, or its fastest times the factor otherwise: the
    two modes' repetitions are then separated, so the answer is known."""
    out = copy.deepcopy(data)
    reps = {}
    for b in out["benchmarks"]:
        key = parse_name(b["run_name"])
        if key and key[0] == "Stream":
            reps.setdefault(key, []).append(b)
    for (pattern, m, size, threads), bs in reps.items():
        if m != mode or size not in factor_by_size:
            continue
        base = [b["Gbps"] for b in reps[(pattern, baseline, size, threads)]]
        factor = factor_by_size[size]
        value = (min(base) if factor < 1 else max(base)) * factor
        for b in bs:
            b["Gbps"] = value
    return out


def expected_crossover(data, mode, baseline, threads):
    """Independent of the tools: (crossover size or None, sizes) by the rule
    the report states: the smallest size where the mode's median is higher
    and no larger size has every repetition of the mode slower."""
    samples = {}
    for b in data["benchmarks"]:
        key = parse_name(b["run_name"])
        if key and key[0] == "Stream" and key[3] == threads and "Gbps" in b:
            samples.setdefault((key[1], key[2]), []).append(b["Gbps"])
    sizes = sorted(s for (m, s) in samples if m == mode and (baseline, s) in samples)
    a = {s: samples[(mode, s)] for s in sizes}
    b = {s: samples[(baseline, s)] for s in sizes}
    beats = {s: statistics.median(a[s]) > statistics.median(b[s]) for s in sizes}
    clearly_behind = {s: max(a[s]) < min(b[s]) for s in sizes}
    for i, s in enumerate(sizes):
        if beats[s] and not any(clearly_behind[t] for t in sizes[i + 1:]):
            return s, sizes
    return None, sizes


def without(data, predicate):
    out = copy.deepcopy(data)
    out["benchmarks"] = [b for b in out["benchmarks"] if not predicate(b)]
    return out


def as_zero_copy(data, ratio=1.0):
    """A copy where the OneCopy runs become ZeroCopy runs reporting
    zc_copied_ratio=ratio (what the kernel reports on veth is 1): exercises the
    zero-copy answers whatever the main fixture holds. Real ZeroCopy and
    UringZeroCopy runs, if any, are dropped first."""
    out = without(data, lambda b: "/ZeroCopy/" in b["name"] or "/UringZeroCopy/" in b["name"])
    for b in out["benchmarks"]:
        if "/OneCopy/" in b["name"]:
            for k in ("name", "run_name"):
                b[k] = b[k].replace("/OneCopy/", "/ZeroCopy/")
            b["zc_copied_ratio"] = ratio
            b["zc_completions_per_msg"] = 1.0
            b["zc_enobufs"] = 0.0
    return out


class FixtureIsARealRun(unittest.TestCase):
    def test_fixtures_come_from_net_bench(self):
        for path in (SWEEP, SAME_A, SAME_B):
            data = read(path)
            self.assertTrue(data["context"]["executable"].endswith("net_bench"), path)
            for key in ("kernel", "topology", "mtu"):
                self.assertIn(key, data["context"])
            self.assertTrue(all(b["run_type"] == "iteration" for b in data["benchmarks"]))
            self.assertLess(os.path.getsize(path), 150_000, "keep fixtures small")

    def test_sweep_fixture_has_the_grid_the_tests_need(self):
        r = Results(read(SWEEP))
        self.assertEqual(r.patterns, ["Stream", "RR"])
        self.assertIn("TwoCopy", r.modes)
        self.assertIn("OneCopy", r.modes)
        self.assertGreaterEqual(len(r.sizes("Stream")), 2)
        self.assertGreaterEqual(len(r.threads("Stream")), 2)


class ReportOnRealRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.data = read(SWEEP)
        cls.results = Results(cls.data, SWEEP)
        cls.path = report.write(cls.results, cls.dir.name)
        with open(cls.path) as f:
            cls.text = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def expected_figures(self):
        r = self.results
        names = ["throughput_threads_%d.png" % t for t in r.threads("Stream")]
        names += ["cpu_per_byte_threads_%d.png" % t for t in r.threads("Stream")]
        names += ["time_per_message.png", "rr_latency.png"]
        if r.has_counter("tx_llc_misses_per_kb"):
            names.append("llc_misses.png")
        if r.has_counter("zc_copied_ratio"):
            names.append("zc_copied_ratio.png")
        return names

    def test_every_figure_is_produced_non_empty_and_in_the_report(self):
        import matplotlib.image
        for name in self.expected_figures():
            path = os.path.join(self.dir.name, name)
            self.assertTrue(os.path.exists(path), name)
            with open(path, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", name)
            pixels = matplotlib.image.imread(path)
            self.assertGreater(pixels.std(), 0.01, name + " is blank")
            self.assertIn("](%s)" % name, self.text)
        pngs = [f for f in os.listdir(self.dir.name) if f.endswith(".png")]
        self.assertEqual(sorted(pngs), sorted(self.expected_figures()))

    def test_unmeasured_figures_are_said_not_drawn(self):
        if not self.results.has_counter("tx_llc_misses_per_kb"):
            self.assertIn("LLC misses per KiB: not measured on this machine", self.text)
        if not self.results.has_counter("zc_copied_ratio"):
            self.assertIn("Zero-copy copied ratio: not in this run", self.text)

    def test_context_is_in_the_report_and_the_captions(self):
        ctx = self.data["context"]
        for value in (ctx["kernel"], ctx["topology"], "MTU " + ctx["mtu"]):
            self.assertIn(value, self.text)
        self.assertIn("Topology/SetupTeardown", self.text)

    def test_crossover_answers_match_the_numbers(self):
        gbps = medians(self.data)
        threads = max(t for (_, _, t) in gbps)
        for mode in ("OneCopy", "ZeroCopy"):
            size, sizes = expected_crossover(self.data, mode, "TwoCopy", threads)
            if not sizes:
                self.assertIn("**%s vs TwoCopy: not in this run**" % mode, self.text)
                continue
            if size is None:
                expected = "**%s never beats TwoCopy in this range (%s–%s)**" % (
                    mode, format_size(sizes[0]), format_size(sizes[-1]))
            elif size == sizes[0]:
                expected = "**%s beats TwoCopy " % mode
                self.assertRegex(self.text, re.escape(expected) + "(at every size measured, "
                                 "from|from) %s" % format_size(size))
            else:
                expected = "**%s beats TwoCopy from %s on**" % (mode, format_size(size))
            self.assertIn(expected, self.text)
            for s in sizes:  # the numbers behind the answer
                ratio = gbps[(mode, s, threads)] / gbps[("TwoCopy", s, threads)]
                self.assertIn("%s %.2f×" % (format_size(s), ratio), self.text)

    def test_best_mode_per_size_and_threads_matches_the_numbers(self):
        gbps = medians(self.data)
        section = self.text.split("## Best mode")[1].split("\n\n")[2]
        rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
                for line in section.splitlines()[2:]}
        threads = sorted({t for (_, _, t) in gbps})
        for size in sorted({s for (_, s, _) in gbps}):
            for i, t in enumerate(threads):
                best = max((v, m) for (m, s, tt), v in gbps.items() if s == size and tt == t)
                self.assertTrue(rows[format_size(size)][i].startswith(best[1] + " "),
                                (size, t, rows[format_size(size)][i], best))

    def test_scaling_matches_the_numbers(self):
        gbps = medians(self.data)
        threads = sorted({t for (_, _, t) in gbps})
        low, high = threads[0], (8 if 8 in threads else threads[-1])
        ratios = [gbps[(m, s, high)] / gbps[(m, s, low)]
                  for (m, s, t) in gbps if t == low and (m, s, high) in gbps]
        self.assertIn("median %.2f× over every mode and size" % statistics.median(ratios),
                      self.text)
        self.assertIn("lowest %.2f×" % min(ratios), self.text)
        self.assertIn("highest %.2f×" % max(ratios), self.text)

    def test_a_table_per_pattern(self):
        tables = self.text.split("## Tables")[1]
        for pattern in self.results.patterns:
            self.assertIn("### %s" % pattern, tables)
        rows = [l for l in tables.splitlines() if l.startswith("| ") and "KiB" in l]
        self.assertEqual(len(rows), len(self.results.points))


class CrossoverOnKnownAnswers(unittest.TestCase):
    """Copies of the real fixture where OneCopy's Stream throughput is set to
    TwoCopy's times a factor per size (see set_relative), so the crossover is
    known."""

    @classmethod
    def setUpClass(cls):
        cls.data = read(SWEEP)
        cls.sizes = Results(cls.data).sizes("Stream")
        cls.small, cls.large = cls.sizes[0], cls.sizes[-1]

    def answer(self, factors):
        r = Results(set_relative(self.data, "OneCopy", "TwoCopy", factors))
        return r, {t: answers.crossover(r, "OneCopy", "TwoCopy", t)
                   for t in r.threads("Stream")}

    def test_never(self):
        r, xs = self.answer({s: 0.5 for s in self.sizes})
        for x in xs.values():
            self.assertTrue(x.never)
            self.assertEqual(x.early_wins, [])
            text = report.crossover_sentence(r, x)
            self.assertIn("**OneCopy never beats TwoCopy in this range (%s–%s)**" % (
                format_size(self.small), format_size(self.large)), text)
            self.assertRegex(text, r"%s 0\.([0-4][0-9]|50)×" % format_size(self.small))

    def test_from_the_largest_size(self):
        factors = {s: 0.5 for s in self.sizes}
        factors[self.large] = 2.0
        r, xs = self.answer(factors)
        for x in xs.values():
            self.assertEqual(x.size, self.large)
            self.assertIn("**OneCopy beats TwoCopy from %s on**" % format_size(self.large),
                          report.crossover_sentence(r, x))

    def test_from_the_smallest_size(self):
        r, xs = self.answer({s: 1.5 for s in self.sizes})
        for x in xs.values():
            self.assertEqual(x.size, self.small)
            self.assertIn("at every size measured, from %s" % format_size(self.small),
                          report.crossover_sentence(r, x))

    def test_a_win_below_a_clear_loss_is_not_a_crossover(self):
        factors = {s: 2.0 for s in self.sizes}
        factors[self.large] = 0.5
        r, xs = self.answer(factors)
        for x in xs.values():
            self.assertTrue(x.never)
            self.assertIn(self.small, x.early_wins)
            self.assertIn("Also ahead at %s, but clearly behind" % format_size(self.small),
                          report.crossover_sentence(r, x))

    def test_a_loss_within_noise_does_not_undo_a_crossover(self):
        # OneCopy ahead at the small size; at the large size its two
        # repetitions straddle TwoCopy's median from below: behind, within noise.
        data = set_relative(self.data, "OneCopy", "TwoCopy", {self.small: 2.0})
        base = {}
        for b in data["benchmarks"]:
            key = parse_name(b["run_name"])
            if key and key[:3] == ("Stream", "TwoCopy", self.large):
                base.setdefault(key[3], []).append(b["Gbps"])
        seen = {}
        for b in data["benchmarks"]:
            key = parse_name(b["run_name"])
            if key and key[:3] == ("Stream", "OneCopy", self.large):
                lo, hi = min(base[key[3]]), max(base[key[3]])
                b["Gbps"] = [lo * 0.5, hi * 1.01][seen.setdefault(key[3], 0) % 2]
                seen[key[3]] += 1
        r = Results(data)
        for t in r.threads("Stream"):
            x = answers.crossover(r, "OneCopy", "TwoCopy", t)
            self.assertEqual(x.size, self.small)
            self.assertEqual(x.noisy_losses, [self.large])
            self.assertIn("behind at %s, but within noise" % format_size(self.large),
                          report.crossover_sentence(r, x))

    def test_missing_mode_is_not_in_this_run(self):
        r = Results(without(self.data, lambda b: "/OneCopy/" in b["name"]))
        x = answers.crossover(r, "OneCopy", "TwoCopy", r.threads("Stream")[-1])
        self.assertEqual(x.missing, ["OneCopy"])
        self.assertIn("not in this run", report.crossover_sentence(r, x))


class ZeroCopyAnswers(unittest.TestCase):
    """A copy of the real fixture with OneCopy relabelled ZeroCopy (see as_zero_copy)."""

    def render(self, data):
        with tempfile.TemporaryDirectory() as d:
            r = Results(data, "zc.json")
            path = report.write(r, d)
            with open(path) as f:
                text = f.read()
            figure = os.path.join(d, "zc_copied_ratio.png")
            return text, os.path.exists(figure) and os.path.getsize(figure) > 0

    def test_always_copied_gives_the_kernels_reason(self):
        text, figure = self.render(as_zero_copy(read(SWEEP), 1.0))
        self.assertTrue(figure)
        self.assertIn("`ZeroCopy`: copied ratio 1 ", text)
        self.assertIn("Every zero-copy send was copied", text)
        self.assertIn("skb_orphan_frags_rx", text)
        self.assertIn("msg_zerocopy.rst", text)
        self.assertIn("`UringZeroCopy`: not in this run.", text)
        self.assertNotIn("**ZeroCopy vs TwoCopy: not in this run**", text)

    def test_partly_copied_gives_no_reason(self):
        text = report.render(Results(as_zero_copy(read(SWEEP), 0.25)), [], [])
        self.assertIn("`ZeroCopy`: copied ratio 0.25 ", text)
        self.assertNotIn("skb_orphan_frags_rx", text)


class ReportOnPartialRuns(unittest.TestCase):
    """Any subset of modes, sizes, thread counts and patterns renders."""

    def render(self, data):
        with tempfile.TemporaryDirectory() as d:
            path = report.write(Results(data, "partial.json"), d)
            with open(path) as f:
                return f.read(), sorted(os.listdir(d))

    def test_one_thread_count(self):
        text, files = self.render(without(read(SWEEP), lambda b: b["name"].endswith(
            "threads:2")))
        self.assertIn("Not in this run: Stream was run at a single thread count", text)
        self.assertIn("throughput_threads_1.png", files)

    def test_rr_only(self):
        text, files = self.render(without(read(SWEEP), lambda b: b["name"].startswith(
            "Stream/")))
        self.assertIn("Throughput: no Stream benchmark in this run", text)
        self.assertIn("rr_latency.png", files)

    def test_stream_only_single_mode(self):
        text, files = self.render(without(read(SWEEP), lambda b: not b["name"].startswith(
            "Stream/OneCopy/")))
        self.assertIn("**OneCopy vs TwoCopy: not in this run** (TwoCopy not measured)", text)
        self.assertIn("RR round trip: no RR benchmark", text)

    def test_aggregates_only_file_reads_its_medians(self):
        data = read(SWEEP)
        aggregates = []
        for b in data["benchmarks"]:
            if b.get("repetition_index") == 0:
                a = dict(b, run_type="aggregate", aggregate_name="median",
                         name=b["name"] + "_median")
                aggregates.append(a)
        data["benchmarks"] = aggregates
        r = Results(data)
        self.assertEqual(r.repetitions(), (1, 1))
        self.assertEqual(len(r.points), len(Results(read(SWEEP)).points))


def run_compare(*args):
    return subprocess.run([COMPARE, *args], capture_output=True, text=True, timeout=120)


class Compare(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_two_runs_of_the_same_build_pass(self):
        r = run_compare(SAME_A, SAME_B)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("compare.py", r.stdout)
        self.assertIn("no regression beyond 25%", r.stdout)

    def test_a_run_against_itself_is_the_same(self):
        r = run_compare(SAME_A, SAME_A, "--no-compare-py")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertNotIn("better", r.stdout)
        self.assertNotIn("worse", r.stdout)

    def halved(self, path, name):
        """A copy of a real run whose throughput is injected as halved: Gbps,
        bytes and messages per second / 2, times x 2."""
        data = read(path)
        for b in data["benchmarks"]:
            for c in ("Gbps", "bytes_per_second", "msgs_per_second"):
                if c in b:
                    b[c] /= 2
            for c in ("real_time", "ns_per_msg"):
                if c in b:
                    b[c] *= 2
        return write(data, self.dir.name, name)

    def test_an_injected_2x_throughput_drop_is_flagged(self):
        slow = self.halved(SAME_B, "slow.json")
        r = run_compare(SAME_A, slow)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        for key in Results(read(SAME_A)).runs:
            if key.startswith("Stream/"):
                self.assertRegex(r.stdout, re.escape("REGRESSION: %s Gbps -" % key))
        # The same drop seen the other way round is an improvement.
        r = run_compare(slow, SAME_B, "--no-compare-py")
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_a_drop_within_the_threshold_passes(self):
        slow = self.halved(SAME_B, "slow2.json")
        r = run_compare(SAME_A, slow, "--threshold", "0.9", "--counters", "Gbps",
                        "--no-compare-py")
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_few_repetitions_use_the_ratio_and_say_so(self):
        slow = self.halved(SWEEP, "slow_sweep.json")
        r = run_compare(SWEEP, slow, "--counters", "Gbps", "--no-compare-py")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("ratio only: 2 vs 2 repetitions", r.stdout)
        self.assertIn("no statistical test", r.stdout)

    def test_a_failed_benchmark_fails(self):
        data = read(SAME_B)
        b = data["benchmarks"][0]
        b.update(error_occurred=True, error_message="peer closed")
        path = write(data, self.dir.name, "failed.json")
        r = run_compare(SAME_A, path, "--no-compare-py")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("FAILED in B: %s: peer closed" % b["name"], r.stdout)

    def test_bad_input_is_one_line_and_status_2(self):
        bad = write({"nothing": []}, self.dir.name, "bad.json")
        with open(os.path.join(self.dir.name, "broken.json"), "w") as f:
            f.write("{")
        other = write(without(read(SAME_A), lambda b: True) | {"benchmarks": [
            {"name": "Other/x", "run_type": "iteration", "real_time": 1.0}]},
            self.dir.name, "other.json")
        cases = [
            ([SAME_A], "required"),
            ([SAME_A, "/nonexistent.json"], "no such file"),
            ([SAME_A, bad], "not Google Benchmark JSON"),
            ([SAME_A, os.path.join(self.dir.name, "broken.json")], "not JSON"),
            ([SAME_A, SAME_B, "--counters", "Nope", "--no-compare-py"],
             "unknown counter 'Nope'"),
            ([SAME_A, SAME_B, "--threshold", "-1"], "--threshold must be above 0"),
            ([SAME_A, other], "no benchmark in common"),
        ]
        for args, needle in cases:
            with self.subTest(args=args):
                r = run_compare(*args)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertIn(needle, r.stderr)


class Progress(unittest.TestCase):
    # Lines as Google Benchmark 1.7.1's console reporter writes them.
    NAME = "Stream/OneCopy/size:65536/real_time/threads:1"
    LINES = [
        NAME + "   154694 ns   20528 ns   4096 Gbps=3.5/s bytes_per_second=417M/s",
        NAME + "   114177 ns    6870 ns   4096 Gbps=4.5/s bytes_per_second=536M/s",
        NAME + "   126531 ns   27375 ns   4096 Gbps=4.1/s bytes_per_second=494M/s",
        NAME + "_mean   131801 ns   18257 ns   3 Gbps=4.03/s",
        "RR/OneCopy/size:65536/real_time/threads:1   ERROR OCCURRED: 'peer closed'",
    ]

    def test_one_line_per_benchmark_with_median_and_range(self):
        out = io.StringIO()
        p = sweep.Progress([self.NAME, "RR/OneCopy/size:65536/real_time/threads:1"], 3, out)
        for line in self.LINES:
            p.line(line)
        self.assertEqual(out.getvalue().splitlines(), [
            "[1/2] %s  3 reps  4.1 Gbps (3.5-4.5)" % self.NAME,
            "[2/2] RR/OneCopy/size:65536/real_time/threads:1  ERROR: 'peer closed'"])
        self.assertEqual(p.errors, 1)

    def test_interleaved_repetitions_are_counted_one_by_one(self):
        out = io.StringIO()
        p = sweep.Progress([self.NAME], 3, out, interleaved=True)
        for line in self.LINES[:3]:
            p.line(line)
        self.assertEqual(out.getvalue().splitlines()[-1],
                         "[3/3] %s  rep 3/3  4.1 Gbps" % self.NAME)

    def test_defaults_do_not_override_the_users_flags(self):
        args = sweep.with_defaults(["--benchmark_repetitions=9", "--modes=OneCopy"])
        self.assertEqual(sweep.flag_value(args, "benchmark_repetitions"), "9")
        self.assertEqual(sweep.flag_value(args, "benchmark_min_time"), sweep.DEFAULT_MIN_TIME)


@unittest.skipUnless(NET_BENCH, "no net_bench path given")
class SweepEndToEnd(unittest.TestCase):
    """tools/sweep.py (what tools/run runs after building) on a tiny grid."""

    def sweep(self, root, *flags):
        return subprocess.Popen(
            [sys.executable, os.path.join(TOOLS, "sweep.py"), NET_BENCH, root,
             "--modes=OneCopy", "--sizes=4K", *flags],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def test_writes_json_plots_and_report_and_says_where(self):
        with tempfile.TemporaryDirectory() as root:
            p = self.sweep(root, "--threads=1", "--benchmark_min_time=0.01",
                           "--benchmark_repetitions=1", "--benchmark_filter=^Stream/")
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err)
            self.assertIn("[1/1] Stream/OneCopy/size:4096/real_time/threads:1  ", out)
            (run,) = os.listdir(root)
            files = set(os.listdir(os.path.join(root, run)))
            self.assertTrue({"net_bench.json", "net_bench.txt", "report.md",
                             "throughput_threads_1.png"} <= files, files)
            self.assertIn("report in %s" % os.path.join(root, run, "report.md"), out)

    def test_a_failed_benchmark_is_status_1_with_the_report(self):
        with tempfile.TemporaryDirectory() as root:
            p = self.sweep(root, "--threads=1", "--benchmark_min_time=0.01",
                           "--benchmark_repetitions=1", "--patterns=Stream",
                           "--topology=peer:127.0.0.1:1")
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 1, err)
            self.assertIn("net_bench: 1 of 1 benchmarks failed", err)
            (run,) = os.listdir(root)
            self.assertIn("report.md", os.listdir(os.path.join(root, run)))

    def test_a_filter_that_selects_nothing_is_status_2(self):
        with tempfile.TemporaryDirectory() as root:
            p = self.sweep(root, "--benchmark_filter=NoSuchBenchmark")
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 2, err)
            self.assertIn("selects no benchmark", err)
            self.assertEqual(os.listdir(root), [])

    def test_bad_flags_leave_nothing(self):
        with tempfile.TemporaryDirectory() as root:
            p = self.sweep(root, "--threads=0")
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 2)
            self.assertIn("--threads: 0 is out of range", err)
            self.assertEqual(os.listdir(root), [])

    def test_interrupt_stops_net_bench_and_keeps_nothing(self):
        with tempfile.TemporaryDirectory() as root:
            p = self.sweep(root, "--threads=1,2", "--benchmark_min_time=0.2",
                           "--benchmark_repetitions=2")
            first = p.stdout.readline()   # the header: net_bench has started
            self.assertIn("benchmarks", first)
            p.stdout.readline()           # a first benchmark finished
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 130, err)
            self.assertIn("interrupted; nothing kept", err)
            self.assertEqual(os.listdir(root), [])
            left = subprocess.run(["pgrep", "-f", root], capture_output=True, text=True)
            self.assertEqual(left.stdout, "", "net_bench still running")


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=[sys.argv[0]] + sys.argv[2 if NET_BENCH else 1:])
