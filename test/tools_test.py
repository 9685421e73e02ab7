#!/usr/bin/python3
"""The main job's tools: plots and report from a real run, the answers the
report gives, tools/compare, and the sweep driver (progress, interruption).

usage: tools_test.py [PATH/TO/net_bench]

test/fixtures/sweep.json and same_build_{a,b}.json are real runs of net_bench
(regenerate them with tools/make_fixture). Where a test needs an answer known
in advance (a crossover at a given size, "never", a 2x throughput drop, a
zero-copy mode), it derives a modified COPY of a real fixture in memory and
says what it changed; the committed fixtures are never hand-edited. Rules
that need exact numbers (the U test behind every "beats", each point's CV,
the run's noise warning and its cause) are tested on small made-up runs
(see synthetic). Given net_bench, the sweep driver is also run end to end on
a tiny grid.
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

sys.path.insert(0, TOOLS)   # the package's root, as for the commands in tools/
from netbench import answers, report, sweep  # noqa: E402
from netbench.results import COUNTERS, Results, format_size, parse_name  # noqa: E402


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


def expected_p(a, b):
    """Independent of the tools: the two-sided Mann-Whitney U p-value the
    report's rule uses (exact for small samples), None below 3 repetitions a side."""
    from scipy.stats import mannwhitneyu
    if min(len(a), len(b)) < 3:
        return None
    return mannwhitneyu(a, b, alternative="two-sided", method="exact").pvalue


def expected_crossover(data, mode, baseline, threads):
    """Independent of the tools: (crossover size or None, never, sizes) by the
    rule the report states: the smallest size where the mode's median is
    higher and the two-sided U test gives p <= 0.05, with no larger size where
    the median is lower with p <= 0.05; "never" when the largest size is such
    a loss."""
    samples = {}
    for b in data["benchmarks"]:
        key = parse_name(b["run_name"])
        if key and key[0] == "Stream" and key[3] == threads and "Gbps" in b:
            samples.setdefault((key[1], key[2]), []).append(b["Gbps"])
    sizes = sorted(s for (m, s) in samples if m == mode and (baseline, s) in samples)
    a = {s: samples[(mode, s)] for s in sizes}
    b = {s: samples[(baseline, s)] for s in sizes}
    p = {s: expected_p(a[s], b[s]) for s in sizes}
    decided = {s: p[s] is not None and p[s] <= 0.05 for s in sizes}
    wins = {s: decided[s] and statistics.median(a[s]) > statistics.median(b[s]) for s in sizes}
    loses = {s: decided[s] and statistics.median(a[s]) < statistics.median(b[s]) for s in sizes}
    never = bool(sizes) and loses[sizes[-1]]
    for i, s in enumerate(sizes):
        if wins[s] and not any(loses[t] for t in sizes[i + 1:]):
            return s, never, sizes
    return None, never, sizes


def with_repetitions(data, n, step=0.001):
    """A copy of a real run where every benchmark has n repetitions: the
    i-th is the real repetition i mod k (k real ones) with its main metrics
    (Gbps, rtt_p50_us) scaled by 1 + step * (i - (n - 1) / 2), so that copies
    are not exact ties. The spread stays about the real one; the count grows,
    so the U test can decide."""
    out = copy.deepcopy(data)
    reps = {}
    for b in out["benchmarks"]:
        reps.setdefault(b["run_name"], []).append(b)
    out["benchmarks"] = []
    for bs in reps.values():
        for i in range(n):
            b = copy.deepcopy(bs[i % len(bs)])
            for k in ("Gbps", "rtt_p50_us"):
                if k in b:
                    b[k] *= 1 + step * (i - (n - 1) / 2)
            b.update(repetitions=n, repetition_index=i)
            out["benchmarks"].append(b)
    return out


def synthetic(points, context=None):
    """Google Benchmark JSON of a made-up run, for rules that need exact
    numbers: points maps (pattern, mode, size, threads) to a list of
    repetitions, each a dict of counters (and perhaps a "label"), or a bare
    number: the pattern's main metric (Stream Gbps, RR rtt_p50_us)."""
    benchmarks = []
    for (pattern, mode, size, threads), reps in points.items():
        name = "%s/%s/size:%d/real_time/threads:%d" % (pattern, mode, size, threads)
        for i, rep in enumerate(reps):
            if not isinstance(rep, dict):
                rep = {"Gbps" if pattern == "Stream" else "rtt_p50_us": rep}
            benchmarks.append(dict(name=name, run_name=name, run_type="iteration",
                                   repetitions=len(reps), repetition_index=i,
                                   threads=threads, iterations=100, real_time=1.0,
                                   cpu_time=1.0, time_unit="ns", **rep))
    return {"context": dict(context or {}), "benchmarks": benchmarks}


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

    def test_two_repetitions_decide_no_crossover(self):
        gbps = medians(self.data)
        threads = max(t for (_, _, t) in gbps)
        for mode in ("OneCopy", "ZeroCopy"):
            _, _, sizes = expected_crossover(self.data, mode, "TwoCopy", threads)
            if not sizes:
                self.assertIn("**%s vs TwoCopy: not in this run**" % mode, self.text)
                continue
            self.assertIn("**%s vs TwoCopy: not decided by this run** at %d threads" % (
                mode, threads), self.text)
            self.assertIn("2 repetitions per side, and the test needs at least 3", self.text)
            for s in sizes:  # the numbers are still given
                ratio = gbps[(mode, s, threads)] / gbps[("TwoCopy", s, threads)]
                self.assertIn("%s %.2f× (" % (format_size(s), ratio), self.text)
        self.assertIn("This run has 2 repetitions per point: nothing in it is decided",
                      self.text)

    def test_two_repetitions_decide_no_best_mode(self):
        gbps = medians(self.data)
        section = self.text.split("## Best mode")[1].split("\n\n")[2]
        rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
                for line in section.splitlines()[2:]}
        threads = sorted({t for (_, _, t) in gbps})
        for size in sorted({s for (_, s, _) in gbps}):
            for i, t in enumerate(threads):
                best = max((v, m) for (m, s, tt), v in gbps.items() if s == size and tt == t)
                self.assertTrue(rows[format_size(size)][i].startswith(
                    "not decided (%s ~ " % best[1]), (size, t, rows[format_size(size)][i]))
        self.assertIn("Stream: no grid point decided by this run", self.text)

    def test_spread_of_every_point_in_the_tables(self):
        tables = self.text.split("## Tables")[1]
        for pattern, metric in (("Stream", "Gbps"), ("RR", "rtt_p50_us")):
            self.assertIn("| CV of %s |" % metric, tables)
        samples = {}
        for b in self.data["benchmarks"]:
            key = parse_name(b["run_name"])
            if key:
                samples.setdefault(key, []).append(b["Gbps" if key[0] == "Stream"
                                                     else "rtt_p50_us"])
        unstable = 0
        for (pattern, mode, size, threads), v in samples.items():
            cv = statistics.stdev(v) / statistics.mean(v)
            unstable += cv > 0.05
            row = "| %s | %s | %d | " % (mode, format_size(size), threads)
            line = next(l for l in tables.split("### " + pattern)[1].splitlines()
                        if l.startswith(row))
            self.assertIn(" %s%.1f" % ("⚠ " if cv > 0.05 else "", 100 * cv), line)
        self.assertGreater(unstable, 0, "the fixture has unstable points")
        self.assertIn("**⚠ %d of %d points unstable (CV > 5%%):**" % (unstable, len(samples)),
                      self.text)

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


class ReportOnRepeatedRun(unittest.TestCase):
    """The real fixture with 5 repetitions per point (see with_repetitions):
    the answers follow the U test, computed here independently."""

    @classmethod
    def setUpClass(cls):
        cls.data = with_repetitions(read(SWEEP), 5)
        cls.results = Results(cls.data, SWEEP)
        cls.text = report.render(cls.results, [], [])

    def test_crossover_answers_follow_the_test(self):
        threads = max(self.results.threads("Stream"))
        for mode in ("OneCopy", "ZeroCopy"):
            size, never, sizes = expected_crossover(self.data, mode, "TwoCopy", threads)
            if size is not None and size == sizes[0]:
                self.assertRegex(self.text, re.escape("**%s beats TwoCopy " % mode) +
                                 "(at every size measured, from|from) %s" % format_size(size))
            elif size is not None:
                self.assertIn("**%s beats TwoCopy from %s on**" % (mode, format_size(size)),
                              self.text)
            elif never:
                self.assertIn("**%s never beats TwoCopy in this range" % mode, self.text)
            else:
                self.assertIn("**%s vs TwoCopy: not decided by this run**" % mode, self.text)

    def test_best_mode_only_where_the_test_separates_it_from_every_other(self):
        section = self.text.split("## Best mode")[1].split("\n\n")[2]
        rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
                for line in section.splitlines()[2:]}
        samples = {}
        for b in self.data["benchmarks"]:
            key = parse_name(b["run_name"])
            if key and key[0] == "Stream":
                samples.setdefault(key[1:], []).append(b["Gbps"])
        threads = sorted({t for (_, _, t) in samples})
        decided = 0
        for size in sorted({s for (_, s, _) in samples}):
            for i, t in enumerate(threads):
                here = {m: v for (m, s, tt), v in samples.items() if s == size and tt == t}
                best = max(here, key=lambda m: statistics.median(here[m]))
                apart = all(expected_p(here[best], v) <= 0.05 for m, v in here.items()
                            if m != best)
                cell = rows[format_size(size)][i]
                decided += apart
                self.assertTrue(cell.startswith(best + " " if apart else
                                                "not decided (%s ~ " % best), (size, t, cell))
        self.assertIn("Stream: decided at %d of" % decided if decided else
                      "Stream: no grid point decided", self.text)


class CrossoverOnKnownAnswers(unittest.TestCase):
    """Copies of the real fixture with 5 repetitions per point (see
    with_repetitions) where OneCopy's Stream throughput is set to TwoCopy's
    times a factor per size (see set_relative): the two modes' repetitions are
    apart, the U test decides, and the crossover is known."""

    @classmethod
    def setUpClass(cls):
        cls.data = with_repetitions(read(SWEEP), 5)
        cls.sizes = Results(cls.data).sizes("Stream")
        cls.small, cls.large = cls.sizes[0], cls.sizes[-1]

    def answer(self, factors, data=None):
        r = Results(set_relative(data or self.data, "OneCopy", "TwoCopy", factors))
        return r, {t: answers.crossover(r, "OneCopy", "TwoCopy", t)
                   for t in r.threads("Stream")}

    def test_never(self):
        r, xs = self.answer({s: 0.5 for s in self.sizes})
        for x in xs.values():
            self.assertTrue(x.never)
            self.assertTrue(x.decided)
            self.assertEqual(x.early_wins, [])
            text = report.crossover_sentence(r, x)
            self.assertIn("**OneCopy never beats TwoCopy in this range (%s–%s)**" % (
                format_size(self.small), format_size(self.large)), text)
            self.assertRegex(text, r"%s 0\.([0-4][0-9]|50)×" % format_size(self.small))
            self.assertRegex(text, r"p=0\.0\d\d\)")

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

    def straddle(self, data, size, below):
        """OneCopy's repetitions at `size` alternate between half TwoCopy's
        slowest and 1% above its fastest, starting below when `below`: the
        median is behind (below) or ahead, but the test cannot decide."""
        base = {}
        for b in data["benchmarks"]:
            key = parse_name(b["run_name"])
            if key and key[:3] == ("Stream", "TwoCopy", size):
                base.setdefault(key[3], []).append(b["Gbps"])
        seen = {}
        for b in data["benchmarks"]:
            key = parse_name(b["run_name"])
            if key and key[:3] == ("Stream", "OneCopy", size):
                lo, hi = min(base[key[3]]), max(base[key[3]])
                i = seen.setdefault(key[3], 0) + (0 if below else 1)
                b["Gbps"] = [lo * 0.5, hi * 1.01][i % 2]
                seen[key[3]] += 1
        return data

    def test_an_undecided_loss_does_not_undo_a_crossover(self):
        data = set_relative(self.data, "OneCopy", "TwoCopy", {self.small: 2.0})
        r = Results(self.straddle(data, self.large, below=True))
        for t in r.threads("Stream"):
            x = answers.crossover(r, "OneCopy", "TwoCopy", t)
            self.assertEqual(x.size, self.small)
            self.assertEqual(x.undecided, [self.large])
            self.assertIn("; not decided at %s." % format_size(self.large),
                          report.crossover_sentence(r, x))
            self.assertEqual(report._crossover_cell(x), "%s (not decided at %s)" % (
                format_size(self.small), format_size(self.large)))

    def test_an_undecided_win_is_not_a_crossover(self):
        # Behind by the test at the small size, ahead by median only at the large one.
        data = set_relative(self.data, "OneCopy", "TwoCopy", {self.small: 0.5})
        r = Results(self.straddle(data, self.large, below=False))
        for t in r.threads("Stream"):
            x = answers.crossover(r, "OneCopy", "TwoCopy", t)
            self.assertTrue(x.comparisons[-1].beats)
            self.assertIsNone(x.size)
            self.assertFalse(x.never)
            self.assertFalse(x.decided)
            text = report.crossover_sentence(r, x)
            self.assertIn("**OneCopy vs TwoCopy: not decided by this run**", text)
            self.assertIn("not decided, p=", text)
            self.assertEqual(report._crossover_cell(x), "not decided")

    def test_two_repetitions_decide_nothing_however_far_apart(self):
        r, xs = self.answer({s: 3.0 for s in self.sizes}, data=read(SWEEP))
        for x in xs.values():
            self.assertTrue(all(c.beats and c.p is None for c in x.comparisons))
            self.assertFalse(x.decided)
            self.assertIn("2 repetitions per side, and the test needs at least 3",
                          report.crossover_sentence(r, x))

    def test_three_repetitions_cannot_reach_the_level_two_sided(self):
        r, xs = self.answer({s: 3.0 for s in self.sizes},
                            data=with_repetitions(read(SWEEP), 3))
        for x in xs.values():
            self.assertTrue(all(abs(c.p - 0.1) < 1e-9 for c in x.comparisons))
            self.assertFalse(x.decided)
            self.assertIn("with 3 repetitions per side the smallest p the test can give "
                          "is 0.10", report.crossover_sentence(r, x))

    def test_missing_mode_is_not_in_this_run(self):
        r = Results(without(self.data, lambda b: "/OneCopy/" in b["name"]))
        x = answers.crossover(r, "OneCopy", "TwoCopy", r.threads("Stream")[-1])
        self.assertEqual(x.missing, ["OneCopy"])
        self.assertIn("not in this run", report.crossover_sentence(r, x))


def point(mode, threads=1, pattern="Stream", size=65536):
    """A grid key for synthetic(): one size is enough for most rules."""
    return (pattern, mode, size, threads)


class BestModeDecision(unittest.TestCase):
    """Made-up repetitions (see synthetic) where the U test's answer is known."""

    def best(self, reps_by_mode, pattern="Stream"):
        r = Results(synthetic({point(m, pattern=pattern): v for m, v in reps_by_mode.items()}))
        return answers.best_modes(r, pattern)[(65536, 1)]

    def test_separated_five_against_five_is_decided(self):
        b = self.best({"OneCopy": [20, 21, 22, 20.5, 21.5], "TwoCopy": [10, 11, 12, 10.5, 11.5]})
        self.assertEqual((b.mode, b.runner_up), ("OneCopy", "TwoCopy"))
        self.assertTrue(b.decided)
        self.assertEqual(b.tied, [])
        self.assertEqual(report._best_cell(b), "OneCopy 21 (1.91× TwoCopy)")

    def test_overlapping_repetitions_are_not_decided(self):
        b = self.best({"OneCopy": [20, 12, 22, 11, 21], "TwoCopy": [10, 21, 12, 20.5, 11.5]})
        self.assertEqual(b.mode, "OneCopy")   # ahead by median...
        self.assertFalse(b.decided)           # ...but not by the test
        self.assertEqual(report._best_cell(b), "not decided (OneCopy ~ TwoCopy)")

    def test_two_repetitions_are_not_decided(self):
        b = self.best({"OneCopy": [20, 21], "TwoCopy": [10, 11]})
        self.assertEqual(b.mode, "OneCopy")
        self.assertFalse(b.decided)

    def test_a_mode_tied_with_the_best_undecides_it_even_if_not_runner_up(self):
        # ZeroCopy has the second median but every repetition below OneCopy's;
        # TwoCopy is third by median and overlaps OneCopy widely.
        b = self.best({"OneCopy": [20, 21, 22, 20.5, 21.5],
                       "ZeroCopy": [19, 19.1, 19.2, 19.3, 19.4],
                       "TwoCopy": [5, 30, 6, 31, 7]})
        self.assertEqual((b.mode, b.runner_up, b.tied), ("OneCopy", "ZeroCopy", ["TwoCopy"]))
        self.assertFalse(b.decided)
        self.assertEqual(report._best_cell(b), "not decided (OneCopy ~ TwoCopy)")

    def test_rr_lower_round_trip_wins(self):
        b = self.best({"OneCopy": [30, 31, 32, 30.5, 31.5], "TwoCopy": [60, 61, 62, 60.5, 61.5]},
                      pattern="RR")
        self.assertEqual((b.counter, b.mode), ("rtt_p50_us", "OneCopy"))
        self.assertTrue(b.decided)

    def test_the_table_and_tally_say_which_points_are_decided(self):
        r = Results(synthetic({
            point("OneCopy"): [20, 21, 22, 20.5, 21.5], point("TwoCopy"): [10, 11, 12, 10.5, 11.5],
            point("OneCopy", 2): [20, 12, 22, 11, 21],
            point("TwoCopy", 2): [10, 21, 12, 20.5, 11.5]}))
        text = "\n".join(report.best_section(r))
        self.assertIn("| 64 KiB | OneCopy 21 (1.91× TwoCopy) | not decided (OneCopy ~ TwoCopy) |",
                      text)
        self.assertIn("Stream: decided at 1 of 2 grid points (`OneCopy` 1); "
                      "not decided by this run at 1.", text)


class ScalingDirection(unittest.TestCase):
    def test_a_direction_only_where_the_test_says_so(self):
        r = Results(synthetic({
            point("OneCopy"): [10, 10.5, 11, 10.2, 10.8],
            point("OneCopy", 2): [20, 21, 22, 20.5, 21.5],
            point("TwoCopy"): [10, 20, 11, 19, 15], point("TwoCopy", 2): [12, 18, 13, 17, 14]}))
        s = answers.scaling(r)
        self.assertEqual(s.changes[("OneCopy", 65536)].direction, "up")
        self.assertIsNone(s.changes[("TwoCopy", 65536)].direction)
        text = "\n".join(report.scaling_section(r))
        self.assertIn("By the test, throughput from 1 thread to 2 threads rises at 1 of 2 mode "
                      "and size pairs; not decided by this run at 1.", text)
        self.assertIn("| TwoCopy | 0.93× (15 → 14), not decided |", text)
        self.assertIn("| OneCopy | 2.00× (10.5 → 21) |", text)


class NoiseReport(unittest.TestCase):
    """CV, unstable points, the run's warning line and its likely cause."""

    STABLE = [10.0, 10.1, 9.9, 10.05, 9.95]     # CV 0.8%
    UNSTABLE = [9.0, 10.0, 11.0, 10.0, 10.0]    # CV 7.1%

    def run_of(self, unstable, stable, context=None, reps=5, steal=None, label=None):
        """A made-up run with `unstable` and `stable` Stream points."""
        points = {}
        for i in range(unstable + stable):
            values = (self.UNSTABLE if i < unstable else self.STABLE)[:reps]
            points[point("OneCopy", i + 1)] = [
                dict({"Gbps": v}, **({"steal_share": steal} if steal is not None else {}),
                     **({"label": label} if label else {})) for v in values]
        return Results(synthetic(points, context), "noise.json")

    def test_cv_is_sample_stdev_over_mean(self):
        r = Results(synthetic({point("OneCopy"): [9, 10, 11], point("TwoCopy"): [7]}))
        self.assertAlmostEqual(r.point(*point("OneCopy")).cv("Gbps"), 0.1)
        self.assertIsNone(r.point(*point("TwoCopy")).cv("Gbps"))   # one repetition: no spread

    def test_the_main_metric_is_gbps_for_stream_and_p50_for_rr(self):
        r = Results(synthetic({point("OneCopy", pattern="RR"): [
            {"rtt_p50_us": v, "Gbps": 1.0} for v in self.UNSTABLE]}))
        (spread,) = answers.noise(r).spreads
        self.assertEqual(spread.counter, "rtt_p50_us")
        self.assertTrue(spread.unstable)

    def test_unstable_points_are_marked_and_listed(self):
        r = self.run_of(1, 1)
        n = answers.noise(r)
        self.assertEqual([u.name for u in n.unstable],
                         ["Stream/OneCopy/size:65536/real_time/threads:1"])
        text = report.render(r, [], [])
        self.assertIn("**⚠ 1 of 2 points unstable (CV > 5%):** "
                      "`Stream/OneCopy/size:65536/real_time/threads:1` 7.1%.", text)
        self.assertIn("| OneCopy | 64 KiB | 1 | 10 | ⚠ 7.1% |", text)
        self.assertIn("| OneCopy | 64 KiB | 2 | 10 | 0.8% |", text)
        self.assertLess(text.index("## Noise"), text.index("## Run context"))

    def test_no_warning_at_a_tenth_or_less(self):
        self.assertIsNone(sweep.noise_line(self.run_of(1, 9)))
        self.assertIsNone(sweep.noise_line(self.run_of(0, 3)))
        self.assertIsNotNone(sweep.noise_line(self.run_of(2, 9)))

    def test_unpinned_threads_are_the_likely_cause(self):
        line = sweep.noise_line(self.run_of(1, 1, {"affinity": "none"}))
        self.assertEqual(line, "net_bench: 1 of 2 points (50%) are unstable (CV > 5%); likely "
                               "cause: threads not pinned (affinity none; --affinity=split pins "
                               "them)")

    def test_steal_above_two_percent_is_the_likely_cause(self):
        split = {"affinity": "split: client CPUs 0, server CPUs 1"}
        line = sweep.noise_line(self.run_of(1, 1, split, steal=0.05))
        self.assertIn("likely cause: CPU steal by the hypervisor (median steal_share 0.05, "
                      "above 0.02)", line)
        self.assertNotIn("not pinned", line)
        line = sweep.noise_line(self.run_of(1, 1, split, steal=0.01))
        self.assertNotIn("steal by", line)

    def test_few_repetitions_are_the_likely_cause(self):
        line = sweep.noise_line(self.run_of(1, 1, {"affinity": "split"}, reps=3))
        self.assertIn("likely cause: too few repetitions (3, fewer than 5)", line)

    def with_calibration(self, results, copy_times, alu_times):
        """Adds Calibration/Copy and Calibration/Alu rows (--calibrate)."""
        data = synthetic({point("OneCopy", i + 1): v for i, v in enumerate(
            [self.UNSTABLE, self.STABLE])}, {"affinity": "split"})
        for kind, times in (("Copy", copy_times), ("Alu", alu_times)):
            name = "Calibration/%s/cpu:0/real_time" % kind
            for i, t in enumerate(times):
                data["benchmarks"].append(dict(
                    name=name, run_name=name, run_type="iteration",
                    repetitions=len(times), repetition_index=i, threads=1,
                    iterations=100, real_time=t, cpu_time=t, time_unit="us"))
        return Results(data, "calibrated.json")

    def test_a_noisy_machine_is_the_likely_cause(self):
        r = self.with_calibration(None, [180, 300, 190, 310, 200], [25.6, 25.7, 25.5, 25.6, 25.6])
        n = answers.noise(r)
        self.assertEqual(list(n.machine_cvs), ["Alu", "Copy"])
        self.assertLess(n.machine_cvs["Alu"], 0.01)
        self.assertGreater(n.machine_cvs["Copy"], 0.2)
        self.assertEqual(n.causes, ["machine"])
        line = sweep.noise_line(r)
        self.assertIn("likely cause: the machine itself: fixed CPU work without I/O varied "
                      "by CV", line)
        self.assertIn("Calibration/Copy CV", line)
        self.assertIn("The machine's own spread", report.render(r, [], []))
        # The calibration rows are not grid points.
        self.assertEqual(len(r.points), 2)

    def test_a_steady_machine_is_not_a_cause(self):
        r = self.with_calibration(None, [180, 181, 179, 180, 180], [25.6, 25.7, 25.5, 25.6, 25.6])
        self.assertNotIn("machine", answers.noise(r).causes)

    def test_every_cause_that_applies_is_named(self):
        n = answers.noise(self.run_of(1, 1, {"affinity": "none"}, reps=3, steal=0.1))
        self.assertEqual(n.causes, ["placement", "steal", "repetitions"])

    def test_no_cause_found_says_what_was_checked(self):
        line = sweep.noise_line(self.run_of(1, 1, {"affinity": "split"}, steal=0.0))
        self.assertIn("no likely cause in the run's record (placement split, median "
                      "steal_share 0, 5 repetitions): other load on the machine?", line)

    def test_missing_placement_is_unknown_not_unpinned(self):
        n = answers.noise(self.run_of(1, 1))
        self.assertEqual(n.causes, [])
        self.assertIn("placement not recorded, steal not measured",
                      report.noise_warning(n))

    def test_warning_is_repeated_in_the_report(self):
        r = self.run_of(1, 1, {"affinity": "none"})
        self.assertIn("- **⚠ %s.**" % report.noise_warning(answers.noise(r)),
                      report.render(r, [], []))

    def test_placement_and_observed_cpus_are_reported(self):
        ctx = {"affinity": "split: client CPUs 0, server CPUs 1", "cpus": "0,1",
               "wait": "auto: spin for RR at 1 thread, block otherwise"}
        r = self.run_of(0, 2, ctx, steal=0.004, label="cpus tx=0 rx=1")
        text = report.render(r, [], [])
        self.assertIn("- Placement: split: client CPUs 0, server CPUs 1 (CPUs 0,1); waiting: "
                      "auto: spin for RR at 1 thread, block otherwise.", text)
        self.assertIn("| affinity | split: client CPUs 0, server CPUs 1 |", text)
        self.assertIn("- Every thread stayed on one CPU", text)
        self.assertIn("- CPU steal: median steal_share 0.004 of all CPU time.", text)
        self.assertIn("| CPU steal share of all CPU time | CPUs |", text)
        self.assertIn("| OneCopy | 64 KiB | 1 | 10 | 0.8% | 0.004 | tx=0 rx=1 |", text)
        self.assertIn("placement split", r.caption())

    def test_a_thread_seen_on_two_cpus_is_said(self):
        r = self.run_of(0, 2, label="cpus tx=0|1 rx=1")
        n = answers.noise(r)
        self.assertEqual(len(n.moved), 2)
        text = report.render(r, [], [])
        self.assertIn("A thread ran on more than one CPU at 2 points", text)
        self.assertIn("| tx=0|1 rx=1 |", text)

    def test_older_runs_without_the_new_fields_render(self):
        text = report.render(self.run_of(0, 2), [], [])
        self.assertIn("- Placement: not recorded in this run's context.", text)
        self.assertNotIn("CPUs column", text)
        self.assertNotIn("steal", text)

    def test_steal_share_is_a_known_counter(self):
        self.assertEqual(COUNTERS["steal_share"], ("CPU steal share of all CPU time", "lower"))


class ReportOnCommittedFixtures(unittest.TestCase):
    def test_every_fixture_renders_with_its_noise(self):
        for path in (SWEEP, SAME_A, SAME_B):
            with self.subTest(path=path):
                r = Results(read(path), path)
                text = report.render(r, [], [])
                self.assertIn("## Noise", text)
                self.assertIn("| CV of Gbps |", text)
                n = answers.noise(r)
                self.assertEqual(len(n.spreads), len(r.points))
                warning = report.noise_warning(n)
                self.assertEqual(warning is not None, n.share > 0.1)
                if warning:
                    self.assertIn(warning, text)


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
                           "--topology=peer:127.0.0.1:1", "--calibrate=false")
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
            line = p.stdout.readline()    # when results will come (interleaved)
            while line and not line.startswith("["):
                line = p.stdout.readline()  # until a first benchmark finished
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 130, err)
            self.assertIn("interrupted; nothing kept", err)
            self.assertEqual(os.listdir(root), [])
            left = subprocess.run(["pgrep", "-f", root], capture_output=True, text=True)
            self.assertEqual(left.stdout, "", "net_bench still running")


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=[sys.argv[0]] + sys.argv[2 if NET_BENCH else 1:])
