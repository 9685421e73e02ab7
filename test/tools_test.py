#!/usr/bin/python3
"""The main job's tools: plots and report from a real run, the answers the
report gives, tools/compare, tools/stability, and tools/run's sampler.

usage: tools_test.py [PATH/TO/net_bench]

test/fixtures/sweep.json and same_build_{a,b}.json are real runs of net_bench
(regenerate them with tools/make_fixture): blocked rounds, the run's
vocabularies in their context. Where a test needs an answer known in advance (a mode
behind TwoCopy at one size and ahead at another, a 2x throughput drop, a
zero-copy mode), it derives a modified COPY of a real fixture in memory and
says what it changed; the committed fixtures are never hand-edited. Rules
that need exact numbers (the verdict behind every answer, each point's CV,
the run's noise warning and its cause) are tested on small made-up runs
(see synthetic). tools/run's sampler is run end to end against
fake_net_bench.py, which keeps net_bench's contract with known numbers;
given a real net_bench, it is also run on a tiny grid. The verdict maths
themselves are in verdicts_test.py.
"""
import copy
import io
import json
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import unittest

from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOOLS = os.path.join(ROOT, "tools")
FIXTURES = os.path.join(HERE, "fixtures")
SWEEP = os.path.join(FIXTURES, "sweep.json")
SAME_A = os.path.join(FIXTURES, "same_build_a.json")
SAME_B = os.path.join(FIXTURES, "same_build_b.json")
COMPARE = os.path.join(TOOLS, "compare")
COMPARE_PY = "/usr/share/benchmark/compare.py"
FAKE = os.path.join(HERE, "fake_net_bench.py")
NET_BENCH = (os.path.abspath(sys.argv[1])
             if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else None)

sys.path.insert(0, TOOLS)   # the package's root, as for the commands in tools/
from netbench import answers, report, stability, sweep, verdicts  # noqa: E402
from netbench.results import Results, format_size, parse_name  # noqa: E402
from netbench.verdicts import EQUIVALENT, FASTER, SLOWER, UNDECIDED  # noqa: E402

import fake_net_bench  # noqa: E402 (beside this file: what it writes, for the checks)

# The vocabularies of the run that wrote the fixtures (its context's tables),
# for made-up runs (synthetic): the tools read them only from a run's
# context.
VOCABULARY_KEYS = ("modes", "patterns", "counters")


def with_vocabulary(data):
    """The made-up run `data` with the real fixture's vocabularies."""
    with open(SWEEP) as f:
        context = json.load(f)["context"]
    for key in VOCABULARY_KEYS:
        data["context"].setdefault(key, context[key])
    return data


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
    """A copy where every run of `mode`'s Stream Gbps is `baseline`'s run of
    the same index (same size and threads) times the factor: the two modes
    then differ by exactly that factor, so the answer is known."""
    out = copy.deepcopy(data)
    runs = {}
    for b in out["benchmarks"]:
        key = parse_name(b["run_name"])
        if key and key[0] == "Stream":
            runs.setdefault(key, []).append(b)
    for (pattern, m, size, threads), bs in runs.items():
        if m != mode or size not in factor_by_size:
            continue
        for b, base in zip(bs, runs[(pattern, baseline, size, threads)]):
            b["Gbps"] = base["Gbps"] * factor_by_size[size]
    return out


def with_repetitions(data, n, step=0.001):
    """A copy of a real run where every benchmark has n runs: the i-th is
    the real run i mod k (k real ones) with its main metrics (Gbps,
    rtt_p50_us) scaled by 1 + step * (i - (n - 1) / 2), so that copies are
    not exact ties. The spread stays about the real one; the count grows."""
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


def synthetic(points, context=None, blocked=True):
    """Google Benchmark JSON of a made-up run in the new format, for rules
    that need exact numbers: points maps (pattern, mode, size, threads) to a
    list of runs (round i is the i-th), each a dict of counters (and perhaps
    a "label"), or a bare number: the pattern's main metric (Stream Gbps, RR
    rtt_p50_us). Blocked rounds unless told otherwise; the vocabularies are
    in the context."""
    benchmarks = []
    for (pattern, mode, size, threads), reps in points.items():
        name = "%s/%s/size:%d/manual_time/threads:%d" % (pattern, mode, size, threads)
        for i, rep in enumerate(reps):
            if not isinstance(rep, dict):
                rep = {"Gbps" if pattern == "Stream" else "rtt_p50_us": rep}
            benchmarks.append(dict(name=name, run_name=name, run_type="iteration",
                                   repetitions=len(reps), repetition_index=i,
                                   threads=threads, iterations=1, real_time=2e8,
                                   cpu_time=1e8, time_unit="ns", **rep))
    ctx = dict(context or {})
    if blocked:
        ctx.setdefault("rounds", "blocked")
    return with_vocabulary({"context": ctx, "benchmarks": benchmarks})


# --profile's category table as net_bench writes it into the context
# (lib/cpu_categories.cc: names and labels in its order, the first functions
# that mark each), for made-up profiled runs.
CPU_CATEGORIES = [
    ("user_copy", "copying in user space (memcpy)", [], ["memcpy"]),
    ("copy_in", "copying into the kernel on send", ["_copy_from_iter"], []),
    ("copy_out", "copying out to the user on receive", ["_copy_to_iter"], []),
    ("zc_pin", "pinning pages for zero-copy (and splice's page references)",
     ["__zerocopy_sg_from_iter"], []),
    ("zc_complete", "zero-copy completion and notification", ["__msg_zerocopy_callback"], []),
    ("fallback_copy", "the zero-copy fallback copy at local delivery", ["skb_copy_ubufs"], []),
    ("tcpip", "the TCP/IP stack", ["tcp_*"], []),
    ("veth_softirq", "veth and softirq", ["veth_*", "net_rx_action"], []),
    ("syscall", "syscall entry and exit (and io_uring submission)", ["entry_SYSCALL_64*"],
     ["__libc_send"]),
    ("sched", "scheduling and wake-ups", ["schedule"], []),
    ("idle", "idle or spinning", ["do_idle"], []),
    ("memory", "page faults, allocating and freeing pages", ["asm_exc_page_fault"], []),
    ("app", "the application's own work in user space (payload, loop)", [], ["netbench::*"]),
    ("other", "everything else", [], []),
]


def profile_context(context=None):
    """A made-up run's context with what --profile adds: the category
    table, the rate, where the folded stacks went, and the profile's rows
    in the counter table (labelled as net_bench labels them)."""
    ctx = dict(context or {})
    ctx.setdefault("profile", "cpu-clock every 2000 us (500 Hz) on each CPU of 0-1, kernel "
                   "and user call chains, during each window; cycles and LLC misses: not "
                   "sampled (no PMU)")
    ctx.setdefault("profile_hz", "500")
    ctx.setdefault("profile_out", "results/x/profile")
    ctx.setdefault("cpu_categories", json.dumps([
        {"name": n, "label": l, "kernel": k, "user": u} for n, l, k, u in CPU_CATEGORIES]))
    with open(SWEEP) as f:
        counters = json.loads(json.load(f)["context"]["counters"])
    for measure, unit in (("share", "share of sampled CPU time"),
                          ("ns_per_byte", "sampled CPU ns/byte"),
                          ("llc_misses_per_kb", "sampled LLC misses/KiB")):
        for n, l, _, _ in CPU_CATEGORIES:
            counters["profile_%s_%s" % (n, measure)] = {"label": "%s (%s)" % (l, unit),
                                                         "better": "lower"}
    for name in ("samples", "kernel_named_share", "left_out_share", "lost_samples"):
        counters["profile_" + name] = {"label": "profile: " + name, "better": ""}
    ctx.setdefault("counters", json.dumps(counters))
    return ctx


def profiled(busy, idle=0.4, ns_per_byte=1.0, left_out=0.0, samples=1000, llc=None):
    """The counters --profile writes for one run, made up: `busy` maps
    categories to their share of the busy time (the others 0), `idle` is the
    idle share of all the sampled time, `ns_per_byte` all the sampled CPU
    time per byte (each category gets its share of it), `llc` maps
    categories to their LLC misses per KiB (a PMU)."""
    assert abs(sum(busy.values()) - 1) < 1e-9, busy
    out = {"profile_samples": samples, "profile_left_out_share": left_out,
           "profile_kernel_named_share": 0.995, "profile_lost_samples": 0}
    for name, *_ in CPU_CATEGORIES:
        share = idle if name == "idle" else (1 - idle) * busy.get(name, 0.0)
        out["profile_%s_share" % name] = share
        out["profile_%s_ns_per_byte" % name] = share * ns_per_byte
        if llc is not None:
            out["profile_%s_llc_misses_per_kb" % name] = llc.get(name, 0.0)
    return out


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


def drifting(n, speeds, drift=0.05, noise=0.002, seed=1):
    """n blocked rounds of modes with these relative speeds: each round
    shares a drift (the machine's state) that pairing removes, plus a little
    noise of each run. {mode: [Gbps of round 0, 1, ...]}."""
    rng = random.Random(seed)
    out = {m: [] for m in speeds}
    for _ in range(n):
        shared = math.exp(rng.gauss(0, drift))
        for m, s in speeds.items():
            out[m].append(10 * s * shared * math.exp(rng.gauss(0, noise)))
    return out


def point(mode, threads=1, pattern="Stream", size=65536):
    """A grid key for synthetic(): one size is enough for most rules."""
    return (pattern, mode, size, threads)


# A verdict as the report prints it: '24% behind [21%, 27%]' (magnitudes),
# 'equivalent within ±3% (+0.4% [-1.2%, +2.0%])', 'not decided, +1.0% [...]'.
_PCT = r"([+-]?\d+(?:\.\d+)?)%"
_DIFFERENT = re.compile(_PCT + r" (?:faster|slower|ahead|behind) \[" + _PCT + ", " + _PCT +
                        r"\]")
_SIGNED = re.compile(r"(equivalent within ±(\d+(?:\.\d+)?)% \(|not decided, )" + _PCT +
                     r" \[" + _PCT + ", " + _PCT + r"\]")


class Names(unittest.TestCase):
    """Reading a run: names, labels, vocabularies, the sampler's record."""

    def test_names_with_and_without_a_time_suffix(self):
        for suffix in ("/manual_time", "/real_time", ""):
            self.assertEqual(parse_name("Stream/OneCopy/size:4096%s/threads:2" % suffix),
                             ("Stream", "OneCopy", 4096, 2), suffix)
        self.assertIsNone(parse_name("Stream/OneCopy/size:4096/cpu_time/threads:2"))
        self.assertIsNone(parse_name("Calibration/Copy/cpu:0/real_time"))

    def test_cpus_from_old_and_new_labels(self):
        for label in ("cpus tx=0,1 rx=0|1,1", "wait=block cpus tx=0,1 rx=0|1,1"):
            r = Results(synthetic({point("OneCopy", 2): [{"Gbps": 1.0, "label": label}]}))
            p = r.point(*point("OneCopy", 2))
            self.assertEqual(p.cpus(), ["tx=0,1 rx=0|1,1"], label)
            self.assertTrue(p.moved)

    def test_vocabularies_come_from_the_run(self):
        data = synthetic({point("OneCopy"): [1.0], point("ZeroCopy"): [1.0]})
        data["context"]["modes"] = json.dumps([{"name": "ZeroCopy", "notified": True},
                                               {"name": "OneCopy", "notified": False}])
        data["context"]["counters"] = json.dumps({"Gbps": {"label": "speed", "better": "higher"}})
        r = Results(data)
        self.assertEqual(r.modes, ["ZeroCopy", "OneCopy"])
        self.assertEqual(r.notified_modes, ["ZeroCopy"])
        self.assertEqual((r.counter_label("Gbps"), r.better("Gbps")), ("speed", "higher"))

    def test_a_run_without_vocabularies_keeps_its_own_order_and_no_direction(self):
        data = synthetic({point("ZeroCopy"): [1.0], point("OneCopy"): [2.0]})
        for key in VOCABULARY_KEYS:
            del data["context"][key]
        r = Results(data)
        self.assertEqual(r.modes, ["ZeroCopy", "OneCopy"])
        self.assertEqual(r.notified_modes, [])
        self.assertEqual((r.counter_label("Gbps"), r.better("Gbps")), ("Gbps", None))
        self.assertEqual(r.counter_names(), ["Gbps"])
        text = report.render(r, [], [])
        self.assertIn("This run does not say which way `Gbps` is better", text)

    def test_blocked_only_when_the_context_says_so(self):
        self.assertTrue(Results(synthetic({point("OneCopy"): [1.0]})).blocked)
        self.assertFalse(Results(synthetic({point("OneCopy"): [1.0]}, blocked=False)).blocked)
        self.assertEqual(Results(synthetic({point("OneCopy"): [1.0]})).unit, "round")

    def test_looks_from_the_sampling_record(self):
        r = Results(synthetic({point("OneCopy"): [1.0]},
                              {"sampling": json.dumps({"K": 8, "margin": 0.05})}))
        self.assertEqual(r.looks, 8)
        self.assertEqual(report.run_margin(r), 0.05)
        plain = Results(synthetic({point("OneCopy"): [1.0]}))
        self.assertEqual((plain.looks, report.run_margin(plain)), (1, verdicts.DEFAULT_MARGIN))


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


def verdicts_printed(text):
    """Every verdict the report prints: (kind, effect, low, high, margin) in
    percent, where kind is "different" (its effect and interval as
    magnitudes), "equivalent" or "undecided" (signed)."""
    out = [("different", float(e), float(lo), float(hi), None)
           for e, lo, hi in _DIFFERENT.findall(text)]
    for m in _SIGNED.finditer(text):
        kind = "equivalent" if m[1].startswith("equivalent") else "undecided"
        out.append((kind, float(m[3]), float(m[4]), float(m[5]),
                    float(m[2]) if m[2] else None))
    return out


class ReportOnRealRun(unittest.TestCase):
    """The real fixture as it is: 2 blocked rounds per point."""

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
        self.assertIn("Where the CPU went: this run was not profiled", self.text)
        if not self.results.has_counter("tx_llc_misses_per_kb"):
            self.assertIn("LLC misses per KiB: not measured on this machine", self.text)
        if not self.results.has_counter("zc_copied_ratio"):
            self.assertIn("Zero-copy copied ratio: not in this run", self.text)

    def test_context_is_in_the_report_and_the_captions(self):
        ctx = self.data["context"]
        for value in (ctx["kernel"], ctx["topology"], "MTU " + ctx["mtu"]):
            self.assertIn(value, self.text)
        self.assertIn("Topology/SetupTeardown", self.text)
        self.assertNotIn("| counters |", self.text)   # the run's tables are not values

    def test_the_method_says_what_the_run_did_not_record(self):
        # A file whose context does not say how it was sampled (an older
        # net_bench, or Google Benchmark's plain repetitions).
        data = copy.deepcopy(self.data)
        for key in ("warmup", "window", "wait", "working_set", "payload", "rounds",
                    "seed", "rounds_per_point"):
            data["context"].pop(key, None)
        with tempfile.TemporaryDirectory() as d:
            with open(report.write(Results(data, SWEEP), d)) as f:
                text = f.read()
        method = text.split("## Method")[1].split("\n## ")[0]
        self.assertIn("- Flows: window not recorded, warm-up not recorded (no counter sees "
                      "it), waiting not recorded.", method)
        self.assertIn("- Data regime: working set not recorded, payload not recorded.", method)
        self.assertIn("plain repetitions, not blocked rounds: modes are compared unpaired",
                      method)
        self.assertIn("not sampled by tools/run (K = 1)", method)
        self.assertIn("Benjamini–Hochberg at q = 0.05", method)

    def test_effects_and_verdicts_never_p_values(self):
        self.assertNotRegex(self.text, r"\bp ?[=<≤]")
        self.assertGreaterEqual(len(verdicts_printed(self.text)), 10)

    def test_every_verdict_printed_agrees_with_its_interval(self):
        for kind, effect, lo, hi, margin in verdicts_printed(self.text):
            # Printed with 2 significant digits at most: a rounding slack.
            slack = 0.05 + 0.01 * max(abs(lo), abs(hi))
            self.assertLessEqual(lo - slack, effect, (kind, effect, lo, hi))
            self.assertLessEqual(effect, hi + slack, (kind, effect, lo, hi))
            if kind == "equivalent":
                self.assertLessEqual(-margin - slack, lo)
                self.assertLessEqual(hi, margin + slack)
            elif kind == "undecided":
                self.assertLessEqual(lo, 0 + slack)
                self.assertGreaterEqual(hi, 0 - slack)

    def test_the_best_mode_table_names_the_leader_of_every_point(self):
        # Independent of the tools: the leader has the highest mean log Gbps.
        samples = {}
        for b in self.data["benchmarks"]:
            key = parse_name(b["run_name"])
            if key and key[0] == "Stream":
                samples.setdefault(key[1:], []).append(math.log(b["Gbps"]))
        section = self.text.split("## Best mode")[1].split("\n\n")[2]
        rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
                for line in section.splitlines()[2:]}
        threads = sorted({t for (_, _, t) in samples})
        for size in sorted({s for (_, s, _) in samples}):
            for i, t in enumerate(threads):
                here = {m: statistics.fmean(v) for (m, s, tt), v in samples.items()
                        if s == size and tt == t}
                leader = max(here, key=here.get)
                self.assertRegex(rows[format_size(size)][i],
                                 r"^(not decided: )?%s " % leader, (size, t))

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
        self.assertIn("| zero-copy ENOBUFS/message |", tables)        # in the run's table order
        self.assertNotIn("messages per second", tables)       # Gbps says it


class ReportOnBlockedRun(unittest.TestCase):
    """The real fixture with 5 rounds per point (with_repetitions): names with
    /manual_time, paired comparisons, figures drawn."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.data = with_repetitions(read(SWEEP), 5)
        cls.results = Results(cls.data, "blocked.json")
        with open(report.write(cls.results, cls.dir.name)) as f:
            cls.text = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_grid_and_figures_read_the_new_names(self):
        self.assertEqual(len(self.results.points), len(Results(read(SWEEP)).points))
        for name in ("throughput_threads_1.png", "rr_latency.png", "time_per_message.png"):
            self.assertIn(name, os.listdir(self.dir.name))
        self.assertIn("`Stream/", self.text)
        self.assertIn("/manual_time/threads:", self.text)
        self.assertIn("| tx=0 rx=0 |", self.text)  # placement same

    def test_the_method_says_the_rounds_are_paired(self):
        self.assertIn("- Sampling: blocked rounds: each round runs every mode of a point once, "
                      "in a random order drawn from seed `1`; modes are compared within "
                      "rounds (paired).", self.text)
        self.assertIn("Rounds per point: 5.", self.text)
        self.assertIn("median of 5 rounds", self.text)


class AnswersOnMadeUpRuns(unittest.TestCase):
    """Analysis on synthetic blocked runs whose answers are known."""

    def analysis(self, points, context=None, blocked=True):
        return answers.Analysis(Results(synthetic(points, context, blocked)))

    def test_the_tier_and_the_nearest_mode_outside_it(self):
        runs = drifting(8, {"OneCopy": 1.0, "UringOneCopy": 0.995, "ZeroCopy": 0.76,
                            "TwoCopy": 0.5})
        x = self.analysis({point(m): v for m, v in runs.items()})
        b = x.best["Stream"][(65536, 1)]
        self.assertEqual(b.leader, "OneCopy")
        self.assertEqual(b.tier, ["OneCopy", "UringOneCopy"])
        self.assertTrue(b.decided)
        self.assertEqual([o.a for o in b.outside], ["ZeroCopy", "TwoCopy"])
        cell = report.best_cell(b, x.margin)
        self.assertRegex(cell, r"^OneCopy \S+ ≈ UringOneCopy \(within ±3%\); ZeroCopy "
                               r"2[34]% behind \[2\d%, 2\d%\]$")

    def test_a_mode_neither_behind_nor_equivalent_undecides_the_point(self):
        runs = drifting(4, {"OneCopy": 1.0, "TwoCopy": 0.98}, noise=0.03)
        x = self.analysis({point(m): v for m, v in runs.items()})
        b = x.best["Stream"][(65536, 1)]
        self.assertFalse(b.decided)
        self.assertTrue(report.best_cell(b, x.margin).startswith("not decided: "))
        self.assertIn("Stream: no point decided by this run (1 points).",
                      "\n".join(report.best_section(x.results, x)))

    def test_a_lone_mode_decides_nothing(self):
        x = self.analysis({point("OneCopy"): [10, 11, 12]})
        b = x.best["Stream"][(65536, 1)]
        self.assertFalse(b.decided)
        self.assertEqual(report.best_cell(b, x.margin), "OneCopy 11 (only mode)")

    def test_the_leader_against_twocopy_is_asked_once(self):
        runs = drifting(6, {"OneCopy": 1.5, "TwoCopy": 1.0, "ZeroCopy": 1.2})
        x = self.analysis({point(m): v for m, v in runs.items()})
        # Best mode: OneCopy-TwoCopy, OneCopy-ZeroCopy; study: those with
        # TwoCopy, OneCopy-TwoCopy again: 3 comparisons, not 4.
        self.assertEqual(len(x.family.comparisons), 3)
        self.assertEqual(x.study[("OneCopy", 65536, 1)].verdict.kind, FASTER)
        self.assertEqual(x.best["Stream"][(65536, 1)].others[-1].verdict.kind, SLOWER)

    def test_pairing_removes_the_drift_of_the_rounds(self):
        # 3% apart under 5% drift per round: paired, the drift cancels;
        # unpaired, it is noise.
        runs = drifting(8, {"OneCopy": 1.03, "TwoCopy": 1.0}, drift=0.05)
        points = {point(m): v for m, v in runs.items()}
        paired = self.analysis(points).study[("OneCopy", 65536, 1)]
        unpaired = self.analysis(points, blocked=False).study[("OneCopy", 65536, 1)]
        self.assertTrue(paired.comparison.estimate.paired)
        self.assertFalse(unpaired.comparison.estimate.paired)
        self.assertEqual(paired.verdict.kind, FASTER)
        self.assertEqual(unpaired.verdict.kind, UNDECIDED)

    def test_rr_faster_is_a_shorter_round_trip(self):
        x = self.analysis({point("OneCopy", pattern="RR"): [30, 31, 32, 30.5, 31.5],
                           point("TwoCopy", pattern="RR"): [60, 61, 62, 60.5, 61.5]})
        b = x.best["RR"][(65536, 1)]
        self.assertEqual((b.counter, b.leader), ("rtt_p50_us", "OneCopy"))
        self.assertEqual(b.others[0].verdict.kind, SLOWER)
        self.assertAlmostEqual(b.others[0].verdict.effect, -49.6, delta=1)

    def test_each_size_is_its_own_answer(self):
        # ZeroCopy ahead at 1, 4 and 16 KiB and behind at 64 KiB at 8
        # threads: the old single crossover said "never".
        points = {}
        for size, factor in ((1024, 1.65), (4096, 1.68), (16384, 2.05), (65536, 0.8)):
            runs = drifting(6, {"ZeroCopy": factor, "TwoCopy": 1.0}, seed=size)
            points.update({point(m, 8, size=size): v for m, v in runs.items()})
        x = self.analysis(points)
        r = x.results
        self.assertEqual(report.study_sentence(r, x, "ZeroCopy", 8),
                         "`ZeroCopy` against `TwoCopy` at 8 threads: ahead at 1 KiB, 4 KiB, "
                         "16 KiB; behind at 64 KiB.")
        table = "\n".join(report.study_section(r, x))
        self.assertRegex(table, r"\| ZeroCopy \| 6[45]% ahead \[6\d%, 6\d%\] \| .* \| "
                                r"20% behind \[\d\d%, \d\d%\] \|")

    def test_scaling_is_unpaired_and_pays_for_both_points_looks(self):
        runs = {point("OneCopy", t): v for t, v in
                ((1, [10, 10.1, 9.9, 10, 10.05]), (2, [20, 20.2, 19.8, 20, 20.1]))}
        x = self.analysis(runs, {"sampling": json.dumps({"K": 8})})
        change = x.scaling.changes[("OneCopy", 65536)]
        self.assertFalse(change.asked.comparison.estimate.paired)
        self.assertEqual(change.asked.comparison.looks, 64)
        self.assertEqual(change.direction, "up")
        self.assertEqual(x.best["Stream"][(65536, 1)].leader, "OneCopy")
        text = "\n".join(report.scaling_section(x.results, x))
        self.assertIn("By the verdicts, throughput from 1 thread to 2 threads rises at 1 of 1 "
                      "mode and size pairs.", text)
        self.assertRegex(text, r"\| OneCopy \| 2\.00× \(10 → 20\), 10\d% faster \[")

    def test_the_threshold_is_benjamini_hochberg_over_the_family(self):
        # Independent of the tools: scipy's paired t tests on the log ratios,
        # the equivalence tests, and BH by hand.
        runs = drifting(5, {"OneCopy": 1.2, "TwoCopy": 1.0, "ZeroCopy": 1.01,
                            "UringOneCopy": 1.19}, noise=0.01, seed=3)
        x = self.analysis({point(m): v for m, v in runs.items()},
                          {"sampling": json.dumps({"K": 8})})
        bound = math.log(1.03)
        p = []
        for (where, a, b) in x.family.comparisons:
            d = [math.log(u / v) for u, v in zip(runs[a], runs[b])]
            p.append(stats.ttest_1samp(d, 0).pvalue)
            p.append(2 * max(stats.ttest_1samp(d, -bound, alternative="greater").pvalue,
                             stats.ttest_1samp(d, bound, alternative="less").pvalue))
        ranked = sorted(min(1, 8 * v) for v in p)
        r = max((i for i, v in enumerate(ranked, 1) if v <= i * 0.05 / len(p)), default=0)
        self.assertAlmostEqual(x.threshold, max(r, 1) * 0.05 / len(p))
        self.assertEqual(len(p), 2 * 5)   # 4 modes: 3 against the leader, 2 more with TwoCopy
        method = "\n".join(report.method_section(x.results, x))
        self.assertIn("over the report's 10 p-values (5 comparisons tested, of 5 asked)", method)
        self.assertIn("K = 8", method)

    def test_too_few_rounds_leave_a_comparison_untested(self):
        x = self.analysis({point("OneCopy"): [20], point("TwoCopy"): [10]})
        asked = x.study[("OneCopy", 65536, 1)]
        self.assertIsNone(asked.comparison.estimate)
        self.assertEqual(report.verdict_text(asked.verdict),
                         "not decided (fewer than 2 runs to compare)")


class StudyOnRealRun(unittest.TestCase):
    """Copies of the real fixture (5 blocked rounds, see with_repetitions)
    where OneCopy's Stream throughput is TwoCopy's times a factor
    per size (see set_relative): the verdicts are known."""

    @classmethod
    def setUpClass(cls):
        cls.data = with_repetitions(read(SWEEP), 5)
        cls.sizes = Results(cls.data).sizes("Stream")
        cls.small, cls.large = cls.sizes[0], cls.sizes[-1]

    def analysis(self, factors):
        r = Results(set_relative(self.data, "OneCopy", "TwoCopy", factors))
        return r, answers.Analysis(r)

    def test_equivalent_at_one_size_is_said(self):
        r, x = self.analysis({self.small: 1.0, self.large: 0.5})
        t = r.threads("Stream")[0]
        self.assertEqual(report.study_sentence(r, x, "OneCopy", t),
                         "`OneCopy` against `TwoCopy` %s: equivalent (±3%%) at %s; behind at "
                         "%s." % (report._threads_phrase(r, t), format_size(self.small),
                                  format_size(self.large)))

    def test_behind_at_every_size(self):
        r, x = self.analysis({s: 0.5 for s in self.sizes})
        for t in r.threads("Stream"):
            self.assertIn("behind at %s" % ", ".join(format_size(s) for s in self.sizes),
                          report.study_sentence(r, x, "OneCopy", t))
            for s in self.sizes:
                v = x.study[("OneCopy", s, t)].verdict
                self.assertEqual(v.kind, SLOWER)
                self.assertAlmostEqual(v.effect, -50, delta=0.1)

    def test_ahead_small_and_behind_large_are_both_said(self):
        r, x = self.analysis({self.small: 2.0, self.large: 0.5})
        for t in r.threads("Stream"):
            self.assertEqual(report.study_sentence(r, x, "OneCopy", t),
                             "`OneCopy` against `TwoCopy` %s: ahead at %s; behind at %s." % (
                                 report._threads_phrase(r, t), format_size(self.small),
                                 format_size(self.large)))

    def test_equal_is_equivalent(self):
        r, x = self.analysis({s: 1.0 for s in self.sizes})
        for t in r.threads("Stream"):
            for s in self.sizes:
                v = x.study[("OneCopy", s, t)].verdict
                self.assertEqual(v.kind, EQUIVALENT)
                self.assertEqual(report.verdict_text(v, "ahead", "behind"),
                                 "equivalent within ±3% (+0.0% [+0.0%, +0.0%])")

    def test_missing_baseline_is_not_in_this_run(self):
        r = Results(without(self.data, lambda b: "/TwoCopy/" in b["name"]))
        text = "\n".join(report.study_section(r, answers.Analysis(r)))
        self.assertIn("Not in this run: `TwoCopy` was not measured.", text)


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
        self.assertIsNone(r.point(*point("TwoCopy")).cv("Gbps"))   # one run: no spread

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
                         ["Stream/OneCopy/size:65536/manual_time/threads:1"])
        text = report.render(r, [], [])
        self.assertIn("**⚠ 1 of 2 points unstable (CV > 5%):** "
                      "`Stream/OneCopy/size:65536/manual_time/threads:1` 7.1%.", text)
        self.assertIn("| OneCopy | 64 KiB | 1 | 10 | ⚠ 7.1% |", text)
        self.assertIn("| OneCopy | 64 KiB | 2 | 10 | 0.8% |", text)
        self.assertIn("over its rounds", text)
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

    def test_too_few_rounds_are_the_likely_cause(self):
        line = sweep.noise_line(self.run_of(1, 1, {"affinity": "split"}, reps=2))
        self.assertIn("likely cause: too few rounds (2, fewer than the 3 a first look takes)",
                      line)
        self.assertNotIn("too few", sweep.noise_line(self.run_of(1, 1, {"affinity": "split"},
                                                                 reps=3)))

    def with_calibration(self, copy_times, alu_times):
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
        r = self.with_calibration([180, 300, 190, 310, 200], [25.6, 25.7, 25.5, 25.6, 25.6])
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
        r = self.with_calibration([180, 181, 179, 180, 180], [25.6, 25.7, 25.5, 25.6, 25.6])
        self.assertNotIn("machine", answers.noise(r).causes)

    def test_every_cause_that_applies_is_named(self):
        n = answers.noise(self.run_of(1, 1, {"affinity": "none"}, reps=2, steal=0.1))
        self.assertEqual(n.causes, ["placement", "steal", "runs"])

    def test_no_cause_found_says_what_was_checked(self):
        line = sweep.noise_line(self.run_of(1, 1, {"affinity": "split"}, steal=0.0))
        self.assertIn("no likely cause in the run's record (placement split, median "
                      "steal_share 0, 5 rounds): other load on the machine?", line)

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
               "wait": "block"}
        r = self.run_of(0, 2, ctx, steal=0.004, label="wait=block cpus tx=0 rx=1")
        text = report.render(r, [], [])
        self.assertIn("- Placement: split: client CPUs 0, server CPUs 1 (CPUs 0,1); waiting: "
                      "block.", text)
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

    def test_partly_copied_gives_no_reason(self):
        text = report.render(Results(as_zero_copy(read(SWEEP), 0.25)), [], [])
        self.assertIn("`ZeroCopy`: copied ratio 0.25 ", text)
        self.assertNotIn("skb_orphan_frags_rx", text)


# Made-up profiles of three modes at 64 KiB (shares of the busy time, as
# README's table on a 2-CPU VM), and their speeds: ZeroCopy 28% behind
# OneCopy, TwoCopy 10% behind.
BUSY = {
    "TwoCopy": {"copy_in": 0.02, "copy_out": 0.15, "tcpip": 0.47, "veth_softirq": 0.2,
                "syscall": 0.1, "sched": 0.02, "app": 0.04},
    "OneCopy": {"copy_in": 0.05, "copy_out": 0.16, "tcpip": 0.48, "veth_softirq": 0.21,
                "syscall": 0.04, "sched": 0.02, "app": 0.04},
    "ZeroCopy": {"zc_pin": 0.04, "fallback_copy": 0.22, "copy_out": 0.18, "tcpip": 0.34,
                 "veth_softirq": 0.13, "syscall": 0.04, "sched": 0.02, "app": 0.03},
}
SPEEDS = {"TwoCopy": 0.9, "OneCopy": 1.0, "ZeroCopy": 0.72}


def with_more_sched(busy, step):
    """The busy shares with `step` moved from the TCP/IP stack to scheduling."""
    return dict(busy, sched=busy["sched"] + step, tcpip=busy["tcpip"] - step)


def profiled_run(threads=(1,), context=None, idle=None, left_out=None, llc=None,
                 extra=None):
    """A made-up profiled Stream run of BUSY's modes at 64 KiB, 6 blocked
    rounds each: at more threads than the fewest, 6 points of scheduling
    moved from the TCP/IP stack, idle 10% instead of 45%. left_out and llc
    map a mode to its profile_left_out_share and LLC misses per category;
    extra to counters added to its runs."""
    points = {}
    for t in threads:
        for mode, gbps in drifting(6, SPEEDS, seed=t).items():
            busy = BUSY[mode] if t == min(threads) else with_more_sched(BUSY[mode], 0.06)
            counters = profiled(busy, idle=(idle or {}).get(t, 0.45 if t == min(threads)
                                                            else 0.1),
                                ns_per_byte=0.7 if mode == "ZeroCopy" else 0.5,
                                left_out=(left_out or {}).get(mode, 0.01),
                                llc=(llc or {}).get(mode))
            counters.update((extra or {}).get(mode, {}))
            points[point(mode, t)] = [dict(counters, Gbps=g) for g in gbps]
    return Results(synthetic(points, profile_context(context)), "profiled.json")


def section(text, heading):
    """A report's section (## or ###) by its heading, up to the next one."""
    level = heading.split(" ")[0]
    return text.split(heading + "\n")[1].split("\n%s " % level)[0]


class ProfileReport(unittest.TestCase):
    """Where the CPU went (--profile): the figure, the why answers, the
    warnings, on made-up profiled runs whose shares are known."""

    def render(self, r):
        with tempfile.TemporaryDirectory() as d:
            with open(report.write(r, d)) as f:
                text = f.read()
            figure = os.path.join(d, "where_the_cpu_went.png")
            blank = None
            if os.path.exists(figure):
                import matplotlib.image
                blank = matplotlib.image.imread(figure).std() <= 0.01
            return text, os.path.exists(figure), blank

    def test_the_figure_is_drawn_when_profiled(self):
        text, drawn, blank = self.render(profiled_run())
        self.assertTrue(drawn)
        self.assertFalse(blank)
        self.assertIn("![Where the CPU went](where_the_cpu_went.png)", text)
        self.assertIn("Stream at 1 thread: stacked shares of the busy sampled CPU time by "
                      "category, with idle or spinning set apart below", text)
        self.assertNotIn("was not profiled", text)

    def test_no_figure_and_how_to_profile_when_not_profiled(self):
        r = Results(synthetic({point(m): v for m, v in drifting(3, SPEEDS).items()}))
        text, drawn, _ = self.render(r)
        self.assertFalse(drawn)
        self.assertIn("Where the CPU went: this run was not profiled (`tools/run --profile` "
                      "profiles the sweep).", text)
        self.assertIn("This run was not profiled: `tools/run --profile`",
                      section(text, "## Where the CPU went"))

    def test_a_profile_not_permitted_says_why(self):
        r = Results(synthetic({point("OneCopy"): [1.0]}, {
            "profile": "not permitted: kernel.perf_event_paranoid is 2"}))
        self.assertIn("The profile was asked for but not permitted: kernel.perf_event_paranoid "
                      "is 2: no profile counters.", report.render(r, [], []))

    def test_each_mode_names_its_largest_categories_with_their_shares(self):
        text = section(report.render(profiled_run(), [], []), "### Stream at 1 thread "
                       "(the fewest profiled; the reference study uses 8)")
        self.assertIn("- `ZeroCopy` at 64 KiB: 34% of busy CPU in the TCP/IP stack, 22% in the "
                      "zero-copy fallback copy at local delivery (`skb_copy_ubufs`), 18% in "
                      "copying out to the user on receive (`_copy_to_iter`); idle or spinning "
                      "45% of all.", text)
        self.assertIn("- `OneCopy` at 64 KiB: 48% of busy CPU in the TCP/IP stack, 21% in veth "
                      "and softirq, 16% in copying out to the user on receive (`_copy_to_iter`)"
                      "; idle or spinning 45% of all.", text)

    def test_labels_come_from_the_runs_table(self):
        table = [{"name": n, "label": l.upper(), "kernel": k, "user": u}
                 for n, l, k, u in CPU_CATEGORIES]
        text = report.render(profiled_run(context={"cpu_categories": json.dumps(table)}),
                             [], [])
        self.assertIn("22% in THE ZERO-COPY FALLBACK COPY AT LOCAL DELIVERY (`skb_copy_ubufs`)",
                      text)

    def test_a_run_without_the_table_reads_the_categories_from_its_counters(self):
        data = synthetic({point("OneCopy"): [dict(profiled(BUSY["OneCopy"]), Gbps=1.0)]})
        r = Results(data)
        self.assertEqual([c[0] for c in r.cpu_categories], [c[0] for c in CPU_CATEGORIES])
        self.assertIn("48% of busy CPU in tcpip", report.render(r, [], []))

    def test_a_category_of_the_table_the_runs_do_not_carry_is_left_out(self):
        table = [{"name": n, "label": l, "kernel": k, "user": u}
                 for n, l, k, u in CPU_CATEGORIES + [("newer", "a newer category", [], [])]]
        r = profiled_run(context={"cpu_categories": json.dumps(table)})
        cpu = answers.cpu_profile(r).at(*point("ZeroCopy"))
        self.assertNotIn("newer", cpu.busy)
        self.assertAlmostEqual(cpu.busy["fallback_copy"], 0.22)

    def test_the_rounds_of_a_point_are_pooled_by_their_samples(self):
        runs = [dict(profiled({"fallback_copy": 0.3, "tcpip": 0.7}, samples=3000), Gbps=1),
                dict(profiled({"fallback_copy": 0.1, "tcpip": 0.9}, samples=1000), Gbps=1)]
        r = Results(synthetic({point("ZeroCopy"): runs}, profile_context()))
        cpu = answers.cpu_profile(r).at(*point("ZeroCopy"))
        self.assertAlmostEqual(cpu.busy["fallback_copy"], 0.25)   # not the median, 0.2
        self.assertAlmostEqual(sum(cpu.busy.values()), 1)
        self.assertAlmostEqual(cpu.idle, 0.4)

    def test_a_mode_behind_the_leader_says_what_it_spends_more_on(self):
        text = report.render(profiled_run(), [], [])
        self.assertRegex(text, re.escape("- `ZeroCopy` against `OneCopy` at 64 KiB, 28% behind [")
                         + r"\d+%, \d+%\]: " + re.escape(
                             "22% of its busy CPU in the zero-copy fallback copy at local "
                             "delivery (`skb_copy_ubufs`), against 0% for `OneCopy`; 4.0% in "
                             "pinning pages for zero-copy (and splice's page references), "
                             "against 0%; 18% in copying out to the user on receive "
                             "(`_copy_to_iter`), against 16%; 1.40× `OneCopy`'s busy CPU time "
                             "per byte."))
        self.assertRegex(text, r"- `TwoCopy` against `OneCopy` at 64 KiB, (9\.9|10)% behind \[.*\]: "
                               r"10% of its busy CPU in syscall entry and exit \(and io_uring "
                               r"submission\), against 4\.0% for `OneCopy`; 1\.00×")

    def test_a_mode_equivalent_to_the_leader_is_not_explained(self):
        speeds = dict(SPEEDS)
        SPEEDS.update(ZeroCopy=1.0, TwoCopy=1.0)
        try:
            text = report.render(profiled_run(), [], [])
        finally:
            SPEEDS.update(speeds)
        self.assertNotIn("against `OneCopy` at 64 KiB,", text)
        self.assertIn("No mode is decided behind the leader at a profiled point of Stream", text)

    def test_what_grows_with_threads(self):
        text = section(report.render(profiled_run(threads=(1, 2)), [], []), "### With threads")
        self.assertIn("- Stream, from 1 thread to 2 threads, over 3 mode and size pairs "
                      "profiled at both", text)
        self.assertIn("  - Grew: scheduling and wake-ups (`schedule`) 2.0% → 8.0% (median +6.0 "
                      "points; up at 3, down at 0; per byte ", text)
        self.assertIn("  - Fell: the TCP/IP stack 47% → 41% (median -6.0 points; up at 0, down "
                      "at 3", text)
        self.assertIn("  - Every other category changed by less than 1 point (median).", text)
        self.assertIn("  - Idle or spinning: 45% → 10% of all sampled time.", text)

    def test_per_byte_growth_is_the_ratio_of_ns_per_byte(self):
        s = answers.cpu_scaling(answers.cpu_profile(profiled_run(threads=(1, 2))), "Stream")
        sched = next(c for c in s.changes if c.category == "sched")
        # ns/byte = (1 - idle) x busy share x 0.5 (0.7 for ZeroCopy): 0.9 x
        # 0.08 against 0.55 x 0.02 at every mode.
        self.assertAlmostEqual(sched.per_byte, 0.9 * 0.08 / (0.55 * 0.02))

    def test_one_thread_count_says_nothing_about_threads(self):
        text = report.render(profiled_run(), [], [])
        self.assertIn("- Stream: profiled at 1 thread only: nothing to say about threads.",
                      text)

    def test_the_reference_thread_count_where_profiled_else_the_fewest(self):
        self.assertEqual(answers.cpu_profile(profiled_run(threads=(1, 2, 8))).threads,
                         {"Stream": 8})
        self.assertEqual(answers.cpu_profile(profiled_run(threads=(2, 4))).threads,
                         {"Stream": 2})
        self.assertIn("### Stream at 8 threads\n",
                      report.render(profiled_run(threads=(1, 8)), [], []))

    def test_a_shared_machine_is_said_above_a_tenth_left_out(self):
        warning = "**⚠ The machine was shared during the profile:**"
        text = report.render(profiled_run(left_out={"ZeroCopy": 0.25}), [], [])
        self.assertIn("%s other processes took more than 10%% of the samples at 1 point "
                      "(most: 25%% at `Stream/ZeroCopy/size:65536/manual_time/threads:1`)."
                      % warning, text)
        for share in (0.10, 0.05):
            text = report.render(profiled_run(left_out={"ZeroCopy": share}), [], [])
            self.assertNotIn(warning, text, share)

    def test_the_cache_question_needs_a_pmu_without_llc_counters(self):
        for r in (profiled_run(), Results(synthetic({point("OneCopy"): [1.0]},
                                                    {"hardware_counters": "none (no PMU)"}))):
            cache = section(report.render(r, [], []), "### The cache question")
            self.assertIn("needs hardware counters (a PMU): no LLC miss counter was measured "
                          "in this run", cache)
        self.assertIn("(hardware counters: none (no PMU))", cache)

    def test_the_cache_question_from_the_profiles_llc_misses(self):
        llc = {"TwoCopy": {"copy_in": 4.0, "copy_out": 6.0, "tcpip": 2.0},
               "OneCopy": {"copy_in": 3.0, "copy_out": 6.5, "tcpip": 2.0},
               "ZeroCopy": {"copy_out": 6.0, "fallback_copy": 3.5, "tcpip": 2.5}}
        cache = section(report.render(profiled_run(llc=llc), [], []), "### The cache question")
        self.assertIn("Which category (the profile's sampled LLC load misses) drops most "
                      "against `TwoCopy`, in Stream at 1 thread", cache)
        self.assertIn("- `OneCopy` at 64 KiB: misses drop most in copying into the kernel on "
                      "send, 4 → 3 (all: 12 → 11.5).", cache)
        self.assertIn("- `ZeroCopy` at 64 KiB: misses drop most in copying into the kernel on "
                      "send, 4 → 0 (all: 12 → 12).", cache)

    def test_the_cache_question_from_the_sides_counters(self):
        extra = {"TwoCopy": {"tx_llc_misses_per_kb": 5.0, "rx_llc_misses_per_kb": 7.0},
                 "OneCopy": {"tx_llc_misses_per_kb": 5.5, "rx_llc_misses_per_kb": 8.0},
                 "ZeroCopy": {"tx_llc_misses_per_kb": 2.0, "rx_llc_misses_per_kb": 7.5}}
        r = profiled_run(extra=extra)
        cache = section(report.render(r, [], []), "### The cache question")
        self.assertIn("Which side (the sender's and receiver's LLC load misses; the profile "
                      "did not sample misses per category) drops most", cache)
        self.assertIn("- `ZeroCopy` at 64 KiB: misses drop most in %s, 5 → 2 (all: 12 → 9.5)."
                      % r.counter_label("tx_llc_misses_per_kb"), cache)
        self.assertIn("- `OneCopy` at 64 KiB: misses drop nowhere; the least rise is in %s, "
                      "5 → 5.5" % r.counter_label("tx_llc_misses_per_kb"), cache)

    def test_the_tables_leave_the_profile_to_its_own(self):
        text = report.render(profiled_run(), [], [])
        tables = section(text, "## Tables")
        self.assertIn("not measured in this run (the profile's are in Where the CPU went, its "
                      "profile table).", tables)
        self.assertNotIn("sampled CPU", tables)
        self.assertNotIn("profile", tables.split("\n\n", 1)[1])
        table = section(text, "### Profile table")
        self.assertIn("| Stream | ZeroCopy | 64 KiB | 1 | 45% | 1.0% |", table)
        self.assertNotIn("`user_copy`", table)     # no mode spent anything there
        self.assertNotIn("| cpu_categories |", text)


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
        self.assertIn("No Stream benchmark in this run.", text)
        self.assertIn("rr_latency.png", files)

    def test_stream_only_single_mode(self):
        text, files = self.render(without(read(SWEEP), lambda b: not b["name"].startswith(
            "Stream/OneCopy/")))
        self.assertIn("Not in this run: `TwoCopy` was not measured.", text)
        self.assertIn("(only mode)", text)
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
    """tools/compare on the same-build fixtures, with their vocabularies
    added (read) and written to a temporary folder."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.a = write(read(SAME_A), cls.dir.name, "a.json")
        cls.b = write(read(SAME_B), cls.dir.name, "b.json")
        cls.sweep = write(read(SWEEP), cls.dir.name, "sweep.json")

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_two_runs_of_the_same_build_pass(self):
        # Throughput and latency, as CI compares them. The sender's CPU per
        # byte is bimodal over one shared CPU (0.09 or 0.2-0.26 ns/byte at
        # Stream/OneCopy/64K in these two real runs, at the same throughput:
        # whether the veth's receive softirq ran on the sender's time), so
        # two runs of one build can differ by more than 25% there.
        r = run_compare(self.a, self.b, "--counters", "Gbps,rtt_p99_us")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("compare.py", r.stdout)
        self.assertIn("no regression beyond 25%", r.stdout)

    def test_a_run_against_itself_is_the_same(self):
        r = run_compare(self.a, self.a, "--no-compare-py")
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
        r = run_compare(self.a, slow)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        for key in Results(read(SAME_A)).runs:
            if key.startswith("Stream/"):
                self.assertRegex(r.stdout, re.escape("REGRESSION: %s Gbps -" % key))
        # The same drop seen the other way round is an improvement.
        r = run_compare(slow, self.b, "--no-compare-py")
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_a_drop_within_the_threshold_passes(self):
        slow = self.halved(SAME_B, "slow2.json")
        r = run_compare(self.a, slow, "--threshold", "0.9", "--counters", "Gbps",
                        "--no-compare-py")
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_few_repetitions_use_the_ratio_and_say_so(self):
        slow = self.halved(SWEEP, "slow_sweep.json")
        r = run_compare(self.sweep, slow, "--counters", "Gbps", "--no-compare-py")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("ratio only: 2 vs 2 repetitions", r.stdout)
        self.assertIn("no statistical test", r.stdout)

    def test_a_failed_benchmark_fails(self):
        data = read(SAME_B)
        b = data["benchmarks"][0]
        b.update(error_occurred=True, error_message="peer closed")
        path = write(data, self.dir.name, "failed.json")
        r = run_compare(self.a, path, "--no-compare-py")
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
            ([self.a], "required"),
            ([self.a, "/nonexistent.json"], "no such file"),
            ([self.a, bad], "not Google Benchmark JSON"),
            ([self.a, os.path.join(self.dir.name, "broken.json")], "not JSON"),
            ([self.a, self.b, "--counters", "Nope", "--no-compare-py"],
             "unknown counter 'Nope'"),
            ([self.a, self.b, "--threshold", "-1"], "--threshold must be above 0"),
            ([self.a, other], "no benchmark in common"),
        ]
        for args, needle in cases:
            with self.subTest(args=args):
                r = run_compare(*args)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertIn(needle, r.stderr)


class SamplerParts(unittest.TestCase):
    """tools/run's sampler, piece by piece."""

    def test_durations(self):
        for text, seconds in (("90s", 90), ("10m", 600), ("1h", 3600), ("1h30m", 5400),
                              ("2.5m", 150)):
            self.assertEqual(sweep.parse_duration(text), seconds, text)
        for text in ("", "10", "m", "-1m", "0s", "10 m", "1d"):
            with self.assertRaises(ValueError, msg=text):
                sweep.parse_duration(text)

    def test_options(self):
        o = sweep.parse_options(["--budget=90s", "--margin=0.05", "--seed=7", "--modes=OneCopy",
                                 "--benchmark_min_time=0.5"])
        self.assertEqual((o.budget, o.margin, o.seed), (90, 0.05, 7))
        self.assertEqual(o.args, ["--modes=OneCopy", "--benchmark_min_time=0.5", "--calibrate"])
        o = sweep.parse_options(["--calibrate=false"])
        self.assertEqual(o.budget, 600)
        self.assertEqual(o.args, ["--calibrate=false",
                                  "--benchmark_min_time=" + sweep.DEFAULT_WINDOW])
        for argv, needle in ((["--budget=soon"], "--budget=soon: not a duration"),
                             (["--margin=3"], "--margin=3: not a fraction"),
                             (["--seed=x"], "--seed=x: not a non-negative integer"),
                             (["--rounds=5"], "--rounds: the sampler chooses"),
                             (["--benchmark_repetitions=5"], "not repetitions"),
                             (["--benchmark_out=x.json"], "net_bench.json"),
                             (["--profile_out=p"], "RESULTS_ROOT/<timestamp>/profile")):
            with self.assertRaisesRegex(sweep.BadInput, re.escape(needle)):
                sweep.parse_options(argv)

    def test_profiling_reads_the_flags_as_net_bench(self):
        for args, on in (([], False), (["--profile"], True), (["--profile=yes"], True),
                         (["--profile=false"], False), (["--profile", "--profile=no"], False),
                         (["--profile_alternate"], True), (["--profile_alternate=0"], False),
                         (["--profile=false", "--profile_alternate=true"], True),
                         (["--profile_hz=1000"], False)):
            self.assertEqual(sweep.profiling(args), on, args)

    def test_folded_stacks_of_stages_are_summed(self):
        with tempfile.TemporaryDirectory() as d:
            run = os.path.join(d, "profile")
            for stage, lines in (("1", ["a;b 3", "a;c 1"]), ("2", ["a;b 2", "x y;z 5"]),
                                 ("3", [])):
                os.makedirs(os.path.join(d, stage))
                if lines:
                    with open(os.path.join(d, stage, "Stream-X.folded"), "w") as f:
                        f.write("\n".join(lines) + "\n")
                sweep.merge_folded(os.path.join(d, stage), run)
            sweep.merge_folded(os.path.join(d, "absent"), run)
            with open(os.path.join(run, "Stream-X.folded")) as f:
                self.assertEqual(f.read(), "a;b 5\na;c 1\nx y;z 5\n")
            self.assertEqual(os.listdir(run), ["Stream-X.folded"])

    def test_points_group_the_listing(self):
        plan = sweep.make_plan([
            "Topology/SetupTeardown/real_time",
            "Stream/TwoCopy/size:4096/manual_time/threads:1",
            "Stream/OneCopy/size:4096/manual_time/threads:1",
            "Stream/TwoCopy/size:4096/manual_time/threads:2",
            "Calibration/Copy/cpu:0/real_time"])
        self.assertEqual([(p.key, len(p.names)) for p in plan.points],
                         [("Stream/size:4096/threads:1", 2), ("Stream/size:4096/threads:2", 1)])
        self.assertEqual(plan.points[0].title, "Stream 4 KiB 1 thr")
        self.assertEqual(plan.calibration, ["Calibration/Copy/cpu:0/real_time"])
        self.assertEqual(plan.others, ["Topology/SetupTeardown/real_time"])

    def test_the_filter_selects_exactly_the_names(self):
        names = ["Stream/OneCopy/size:4096/manual_time/threads:1",
                 "Stream/OneCopy/size:4096/manual_time/threads:2"]
        pattern = sweep.name_filter(names[:1]).split("=", 1)[1]
        self.assertEqual([n for n in names if re.search(pattern, n)], names[:1])

    def test_stages_renumber_into_one_sample(self):
        def stage(rounds, extra=()):
            runs = [dict(name="X", repetition_index=r, repetitions=rounds) for r in range(rounds)]
            return sweep.Stage(rounds, 1.0, 0, {"benchmarks": runs + list(extra)})
        merged = sweep.renumbered([stage(3), stage(1), stage(2, [dict(
            name="X_mean", run_type="aggregate")])])
        self.assertEqual([b["repetition_index"] for b in merged], [0, 1, 2, 3, 4, 5])
        self.assertEqual({b["repetitions"] for b in merged}, {6})

    def test_stage_times_fit_a_fixed_and_a_per_run_cost(self):
        t = sweep.StageTimes()
        t.add(9, 2.0)
        self.assertAlmostEqual(t.estimate(3), 2.0 / 3)      # one size: proportional
        t.add(3, 1.0)
        self.assertAlmostEqual(t.estimate(6), 1.5)          # 0.5 s + 1/6 s per run

    def test_the_stopping_rule(self):
        stop = verdicts.stop_reason
        self.assertEqual(stop(3, True, True), "failed")
        self.assertEqual(stop(3, True, False), "decided")
        self.assertEqual(stop(32, False, False), "schedule end")
        self.assertIsNone(stop(8, False, False))

    def test_seeds_derive_from_the_base(self):
        a = sweep.derive_seed(7, "Stream/size:4096/threads:1", 0)
        self.assertEqual(a, sweep.derive_seed(7, "Stream/size:4096/threads:1", 0))
        self.assertNotEqual(a, sweep.derive_seed(7, "Stream/size:4096/threads:1", 1))
        self.assertNotEqual(a, sweep.derive_seed(8, "Stream/size:4096/threads:1", 0))
        self.assertLess(a, 1 << 31)


def sample(root, *flags, net_bench=FAKE):
    """tools/sweep.py (what tools/run runs after building), by default
    against the fake net_bench: (returncode, stdout, stderr)."""
    r = subprocess.run([sys.executable, os.path.join(TOOLS, "sweep.py"), net_bench, root,
                        *flags], capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr


def only_run(root):
    (run,) = os.listdir(root)
    return os.path.join(root, run)


class SamplerWithFakeNetBench(unittest.TestCase):
    """The sampler end to end against fake_net_bench.py (net_bench's
    contract, made-up numbers, no network): what it runs, when it stops,
    what it writes."""

    def test_clear_differences_stop_at_the_first_look(self):
        with tempfile.TemporaryDirectory() as root:
            status, out, err = sample(root, "--sizes=4K", "--threads=1,2", "--seed=3",
                                      "--fake_speed=OneCopy:1.5,ZeroCopy:0.5",
                                      "--fake_noise=0.002", "--calibrate")
            self.assertEqual(status, 0, err)
            self.assertIn("net_bench: 4 points of 3 modes, 5 other benchmarks, budget 10m, "
                          "rounds 3 to 32 (K = 8 looks)", out)
            self.assertRegex(out, r"\[1/4\] Stream 4 KiB 1 thr  rounds 3  decided 3/3  best "
                                  r"OneCopy  \S+ left  -> decided\n")
            run = only_run(root)
            self.assertTrue({"net_bench.json", "net_bench.txt", "report.md",
                             "throughput_threads_1.png"} <= set(os.listdir(run)))
            self.assertNotIn("stages", os.listdir(run))
            self.assertIn("report in %s" % os.path.join(run, "report.md"), out)
            with open(os.path.join(run, "net_bench.json")) as f:
                data = json.load(f)
            with open(os.path.join(run, "report.md")) as f:
                text = f.read()
        ctx = data["context"]
        self.assertEqual((ctx["rounds"], ctx["seed"], ctx["topology"]),
                         ("blocked", "3", "veth fake"))
        record = json.loads(ctx["sampling"])
        self.assertEqual((record["K"], record["schedule"], record["seed"], record["margin"]),
                         (verdicts.LOOKS, list(verdicts.SCHEDULE), 3, 0.03))
        self.assertEqual([(p["rounds"], p["stopped"]) for p in record["points"]],
                         [(3, "decided")] * 4)
        by_name = {}
        for b in data["benchmarks"]:
            self.assertNotEqual(b.get("run_type"), "aggregate")
            by_name.setdefault(b["name"], []).append((b["repetition_index"], b["repetitions"]))
        self.assertEqual(by_name["Stream/OneCopy/size:4096/manual_time/threads:2"],
                         [(0, 3), (1, 3), (2, 3)])
        # Calibration before and after: 2 passes of 3 repetitions, one sample.
        self.assertEqual(sorted(by_name["Calibration/Copy/cpu:0/real_time"]),
                         [(i, 6) for i in range(6)])
        self.assertIn("stopped: decided 4", text)
        self.assertIn("- Flows: window `0.2 s`, warm-up `100ms`", text)
        if os.path.exists(COMPARE_PY):
            with tempfile.TemporaryDirectory() as d:
                path = write(data, d, "run.json")
                r = subprocess.run([sys.executable, COMPARE_PY, "benchmarks", path, path],
                                   capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("Stream/OneCopy/size:4096/manual_time/threads:1", r.stdout)

    def test_an_undecidable_point_runs_to_the_schedules_end(self):
        # 3% apart with 8% noise per run: neither different nor equivalent.
        with tempfile.TemporaryDirectory() as root:
            status, out, err = sample(root, "--sizes=4K", "--patterns=Stream", "--seed=1",
                                      "--modes=OneCopy,TwoCopy", "--fake_noise=0.08",
                                      "--fake_speed=OneCopy:1.03")
            self.assertEqual(status, 0, err)
            lines = [l for l in out.splitlines() if l.startswith("[1/1]")]
            self.assertEqual([int(l.split("rounds ")[1].split()[0]) for l in lines],
                             list(verdicts.SCHEDULE))
            self.assertTrue(lines[-1].endswith("-> schedule end"), lines[-1])
            with open(os.path.join(only_run(root), "net_bench.json")) as f:
                record = json.loads(json.load(f)["context"]["sampling"])
        self.assertEqual(record["points"][0]["rounds"], 32)
        self.assertEqual(record["points"][0]["looks"], 8)

    def test_the_budget_stops_a_point_and_shares_what_is_left(self):
        # Each run takes 0.1 s, so a first look (3 rounds of 2 modes) 0.6 s;
        # two undecidable points share 3 s.
        with tempfile.TemporaryDirectory() as root:
            status, out, err = sample(root, "--sizes=4K,64K", "--patterns=Stream", "--seed=1",
                                      "--modes=OneCopy,TwoCopy", "--fake_noise=0.08",
                                      "--fake_speed=OneCopy:1.03", "--fake_sleep=0.1",
                                      "--budget=3s", "--calibrate=false")
            self.assertEqual(status, 0, err)
            with open(os.path.join(only_run(root), "net_bench.json")) as f:
                record = json.loads(json.load(f)["context"]["sampling"])
        for p in record["points"]:
            self.assertEqual(p["stopped"], "budget", out)
            self.assertGreaterEqual(p["rounds"], 3)
            self.assertLess(p["rounds"], 16)
        self.assertLess(record["elapsed_s"], 6)

    def test_passes_take_the_point_nearest_to_decided_first(self):
        # Two modes alike: at 64 KiB with 1.5% noise per run equivalence
        # needs about 11 rounds; at 4 KiB with 8% it would need far more
        # than the schedule's 32. After the first pass (one look each),
        # every pass runs 64 KiB's next stage before 4 KiB's.
        with tempfile.TemporaryDirectory() as root:
            status, out, err = sample(root, "--sizes=4K,64K", "--patterns=Stream", "--seed=2",
                                      "--modes=OneCopy,TwoCopy", "--fake_noise_at=4096:0.08,"
                                      "65536:0.015", "--fake_sleep=0.05", "--budget=3s",
                                      "--calibrate=false")
            self.assertEqual(status, 0, err)
            with open(os.path.join(only_run(root), "net_bench.json")) as f:
                record = json.loads(json.load(f)["context"]["sampling"])
        stages = [l.split("]")[0] + "]" for l in out.splitlines() if l.startswith("[")]
        self.assertEqual(stages[:2], ["[1/2]", "[2/2]"], out)
        later = stages[2:]
        self.assertTrue(later, out)
        # Passes alternate, the near one first, until it is decided.
        self.assertEqual(later[0], "[2/2]", out)
        small, large = record["points"]
        self.assertGreaterEqual(large["rounds"], small["rounds"], out)
        self.assertIn(small["stopped"], ("budget", "schedule end"), out)

    def test_profile_lands_in_the_results_folder_with_every_stage(self):
        # Undecidable, so the point runs every stage of the schedule; each
        # run adds FOLDED_PER_RUN samples to its benchmark's folded file.
        with tempfile.TemporaryDirectory() as root:
            status, out, err = sample(root, "--sizes=4K", "--patterns=Stream", "--seed=1",
                                      "--modes=OneCopy,ZeroCopy", "--fake_noise=0.08",
                                      "--fake_speed=OneCopy:1.03", "--profile")
            self.assertEqual(status, 0, err)
            run = only_run(root)
            self.assertEqual(sorted(os.listdir(os.path.join(run, "profile"))),
                             ["Stream-%s-size:4096-manual_time-threads:1.folded" % m
                              for m in ("OneCopy", "ZeroCopy")])
            with open(os.path.join(run, "profile", "Stream-OneCopy-size:4096-manual_time-"
                                   "threads:1.folded")) as f:
                folded = f.read()
            with open(os.path.join(run, "net_bench.json")) as f:
                data = json.load(f)
            with open(os.path.join(run, "report.md")) as f:
                text = f.read()
            self.assertIn("where_the_cpu_went.png", os.listdir(run))
            self.assertNotIn("stages", os.listdir(run))
            with open(os.path.join(run, "net_bench.txt")) as f:
                self.assertIn("--profile_out=", f.read())
        rounds = json.loads(data["context"]["sampling"])["points"][0]["rounds"]
        self.assertEqual(rounds, 32)
        self.assertEqual(folded, "%s %d\n" % (fake_net_bench.PROFILE_STACK,
                                               fake_net_bench.FOLDED_PER_RUN * rounds))
        self.assertEqual(data["context"]["profile_out"], os.path.join(run, "profile"))
        self.assertIn("![Where the CPU went](where_the_cpu_went.png)", text)
        self.assertIn("- `ZeroCopy` at 4 KiB: 50% of busy CPU in the TCP/IP stack, 33% in "
                      "copying out to the user on receive, 17% in the zero-copy fallback copy "
                      "at local delivery; idle or spinning 40% of all.", text)

    def test_no_profile_folder_without_profile(self):
        with tempfile.TemporaryDirectory() as root:
            status, out, err = sample(root, "--sizes=4K", "--patterns=Stream", "--seed=1",
                                      "--calibrate=false")
            self.assertEqual(status, 0, err)
            run = only_run(root)
            self.assertNotIn("profile", os.listdir(run))
            with open(os.path.join(run, "net_bench.txt")) as f:
                self.assertNotIn("--profile_out", f.read())

    def test_a_failed_benchmark_is_status_1_with_the_report(self):
        with tempfile.TemporaryDirectory() as root:
            status, out, err = sample(root, "--sizes=4K", "--patterns=Stream", "--seed=1",
                                      "--fake_fail=ZeroCopy", "--calibrate=false")
            self.assertEqual(status, 1, err)
            self.assertRegex(out, r"\[1/1\] Stream 4 KiB 1 thr  rounds 3  decided \d/\d  .*"
                                  r"FAILED Stream/ZeroCopy/size:4096/manual_time/threads:1: "
                                  r"peer closed  .* -> failed")
            self.assertIn("net_bench: 3 benchmarks failed (see the report)", err)
            self.assertIn("report.md", os.listdir(only_run(root)))

    def test_bad_input_is_one_line_status_2_and_leaves_nothing(self):
        for flags, needle in ((["--budget=soon"], "--budget=soon: not a duration"),
                              (["--threads=0"], "--threads: 0 is out of range"),
                              (["--benchmark_filter=NoSuch"], "selects no benchmark"),
                              (["--rounds=3"], "--rounds: the sampler chooses")):
            with self.subTest(flags=flags), tempfile.TemporaryDirectory() as root:
                status, out, err = sample(root, *flags)
                self.assertEqual(status, 2, err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertIn(needle, err)
                self.assertEqual(os.listdir(root), [])

    def test_interrupt_stops_net_bench_and_keeps_nothing(self):
        with tempfile.TemporaryDirectory() as root:
            p = subprocess.Popen([sys.executable, os.path.join(TOOLS, "sweep.py"), FAKE, root,
                                  "--fake_sleep=0.5", "--calibrate=false"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertIn("points", p.stdout.readline())   # sampling has begun
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 130, err)
            self.assertIn("interrupted; nothing kept", err)
            self.assertEqual(os.listdir(root), [])
            left = subprocess.run(["pgrep", "-f", root], capture_output=True, text=True)
            self.assertEqual(left.stdout, "", "net_bench still running")


class Stability(unittest.TestCase):
    """tools/stability: numbers and verdicts of two runs side by side."""

    def verdict(self, kind):
        return verdicts.Verdict(kind)

    def test_agreement_of_two_verdicts(self):
        v = self.verdict
        cases = [((FASTER, FASTER), stability.SAME), ((EQUIVALENT, EQUIVALENT), stability.SAME),
                 ((FASTER, SLOWER), stability.OPPOSITE), ((SLOWER, EQUIVALENT), stability.MIXED),
                 ((FASTER, UNDECIDED), stability.ONE), ((UNDECIDED, UNDECIDED),
                                                        stability.NEITHER)]
        for (a, b), want in cases:
            self.assertEqual(stability.agreement(v(a), v(b)), want, (a, b))

    def best(self, leader, tier_mates, behind, decided=True):
        others = [answers.Asked(m, leader, verdicts.Comparison(verdict=self.verdict(EQUIVALENT)),
                                False) for m in tier_mates]
        others += [answers.Asked(m, leader, verdicts.Comparison(verdict=self.verdict(
            SLOWER if decided else UNDECIDED)), False) for m in behind]
        return answers.BestMode(1024, 1, "Gbps", leader, 1.0, others)

    def test_agreement_of_two_tiers(self):
        same = stability.tier_agreement(self.best("A", ["B"], ["C"]), self.best("B", ["A"], ["C"]))
        self.assertEqual(same, stability.SAME)
        self.assertEqual(stability.tier_agreement(self.best("A", ["B"], ["C"]),
                                                  self.best("A", [], ["B", "C"])), stability.MIXED)
        self.assertEqual(stability.tier_agreement(self.best("A", [], ["C"]),
                                                  self.best("C", [], ["A"])), stability.OPPOSITE)
        self.assertEqual(stability.tier_agreement(self.best("A", [], ["C"]),
                                                  self.best("A", [], ["C"], False)), stability.ONE)

    def runs(self, speeds, seed):
        data = synthetic({point(m, t, size=s): v for s in (1024, 65536) for t in (1, 2)
                          for m, v in drifting(6, speeds, seed=seed + s + t).items()})
        return Results(data)

    def test_two_runs_that_agree(self):
        speeds = {"OneCopy": 1.5, "UringOneCopy": 1.49, "TwoCopy": 1.0}
        out = io.StringIO()
        s = stability.summarize(self.runs(speeds, 1), self.runs(speeds, 2), out=out)
        self.assertEqual((s["Stream"]["agree"], s["Stream"]["total"]), (12, 12))
        self.assertEqual((s["Stream"]["lead_agree"], s["Stream"]["lead_total"]), (4, 4))
        best = s["verdicts"]["best mode"]
        self.assertEqual(best[stability.SAME], 4, best)
        self.assertEqual(s["verdicts"]["vs TwoCopy"][stability.SAME], 8)
        text = out.getvalue()
        self.assertIn("Stream  Gbps        12/12 (100%)", text)
        self.assertIn("4/4 (100%)", text)
        self.assertRegex(text, r"  best mode\s+4\s+0\s+0\s+0\s+0\s+0\n")

    def test_two_runs_that_contradict(self):
        out = io.StringIO()
        s = stability.summarize(self.runs({"OneCopy": 1.5, "TwoCopy": 1.0}, 1),
                                self.runs({"OneCopy": 1.0, "TwoCopy": 1.5}, 2), out=out)
        self.assertEqual(s["verdicts"]["vs TwoCopy"][stability.OPPOSITE], 4)
        self.assertEqual(s["verdicts"]["best mode"][stability.OPPOSITE], 4)
        self.assertEqual(s["Stream"]["lead_agree"], 0)
        self.assertIn("differs: Stream/OneCopy/size:1024/manual_time/threads:1 Gbps",
                      out.getvalue())

    def test_compare_two_files(self):
        with tempfile.TemporaryDirectory() as d:
            a = write(read(SAME_A), d, "a.json")
            b = write(read(SAME_B), d, "b.json")
            r = subprocess.run([os.path.join(TOOLS, "stability"), "--compare", a, b],
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("agree within 5%", r.stdout)
        self.assertIn("every comparison", r.stdout)
        r = subprocess.run([os.path.join(TOOLS, "stability"), "--compare", SAME_A],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)

    def test_two_sampled_runs(self):
        r = subprocess.run([os.path.join(TOOLS, "stability"), "--net_bench=" + FAKE,
                            "--budget=20s", "--modes=OneCopy,TwoCopy", "--sizes=4K",
                            "--threads=1", "--fake_speed=OneCopy:1.5"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("budget 20s each", r.stdout)
        self.assertRegex(r.stdout, r"  best mode\s+2\s+0\s+0\s+0\s+0\s+0\n")


@unittest.skipUnless(NET_BENCH, "no net_bench path given")
class SweepEndToEnd(unittest.TestCase):
    """tools/sweep.py (what tools/run runs after building) with the real
    net_bench on a tiny grid."""

    def test_writes_json_plots_and_report_and_says_where(self):
        with tempfile.TemporaryDirectory() as root:
            status, out, err = sample(root, "--modes=OneCopy,TwoCopy", "--sizes=4K",
                                      "--threads=1", "--benchmark_filter=^Stream/",
                                      "--budget=30s", "--benchmark_min_time=0.05",
                                      "--calibrate=false", net_bench=NET_BENCH)
            self.assertEqual(status, 0, err)
            self.assertRegex(out, r"\[1/1\] Stream 4 KiB 1 thr  rounds 3  ")
            run = only_run(root)
            self.assertTrue({"net_bench.json", "net_bench.txt", "report.md",
                             "throughput_threads_1.png"} <= set(os.listdir(run)))
            results = Results(read(os.path.join(run, "net_bench.json")))
            self.assertTrue(results.blocked)
            self.assertEqual(results.looks, verdicts.LOOKS)

    def test_a_failed_benchmark_is_status_1_with_the_report(self):
        with tempfile.TemporaryDirectory() as root:
            status, out, err = sample(root, "--modes=OneCopy", "--sizes=4K", "--threads=1",
                                      "--patterns=Stream", "--topology=peer:127.0.0.1:1",
                                      "--benchmark_min_time=0.01", "--calibrate=false",
                                      net_bench=NET_BENCH)
            self.assertEqual(status, 1, err)
            self.assertIn("failed (see the report)", err)
            self.assertIn("report.md", os.listdir(only_run(root)))


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=[sys.argv[0]] + sys.argv[2 if NET_BENCH else 1:])
