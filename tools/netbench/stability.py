"""Do net_bench's numbers and verdicts reproduce? Samples one grid twice,
back to back, as tools/run does, and prints run-to-run agreement.

usage: tools/stability [--budget=DURATION] [--margin=DELTA] [--net_bench=PATH]
                       [--keep=DIR] [net_bench flags...]
       tools/stability --compare A.json B.json [--margin=DELTA]

The grid is the reduced grid of the reproducibility issue unless flags say
otherwise (any net_bench flag is accepted and overrides the default):
  --modes=TwoCopy,OneCopy,ZeroCopy,UringOneCopy --sizes=1K,64K --threads=1,2
  --patterns=Stream,RR --calibrate, and --budget=DEFAULT_BUDGET per run.
Each run is tools/run's sampling (netbench.sweep): blocked rounds in passes
over the grid until the points' questions are decided or the budget is
spent.

Measures, per pattern (its main counter: Stream Gbps, RR rtt_p50_us):
  agree       points whose medians differ by at most 5% between the runs
              (max/min - 1 <= 0.05)
  CV          coefficient of variation of each point's runs, over the points
              of both runs: median, p90, max
  lead ±2%    points where the ratio of the two leading modes (run A's
              leader over its runner-up, geometric means) is within 2%
              between the runs
and the verdicts of the two reports (each at its own threshold), for every
comparison asked in both, for the best-mode questions (the tier of modes
equivalent to the leader, when decided) and for the study's questions
(each mode against TwoCopy per size and thread count):
  same           decided in both, the same verdict (best mode: the same tier)
  contradicting  decided in both, different verdicts: "opposite" (faster in
                 one, slower in the other; best mode: tiers with no mode in
                 common) or "mixed" (a difference in one, equivalence in the
                 other; best mode: tiers that overlap but differ)
  one only       decided in one run, not decided in the other
  neither        decided in neither

Run it on a quiet machine: anything else running skews every figure.
Exit status: 0 measured, 1 a net_bench run failed, 2 bad input, 130
interrupted.
"""
import math
import os
import statistics
import sys
import tempfile

from . import answers
from . import sweep
from .results import ResultsError, cv, format_duration, load, main_counter_of
from .verdicts import DEFAULT_MARGIN, FASTER, SLOWER, parse_margin

# The repository: tools/netbench/ is two folders down.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BUDGET = "3m"
DEFAULT_FLAGS = ["--modes=TwoCopy,OneCopy,ZeroCopy,UringOneCopy", "--sizes=1K,64K",
                 "--threads=1,2", "--patterns=Stream,RR", "--calibrate",
                 "--budget=" + DEFAULT_BUDGET]
AGREE = 0.05
LEAD_AGREE = 0.02

SAME, OPPOSITE, MIXED, ONE, NEITHER = "same", "opposite", "mixed", "one only", "neither"


def agreement(va, vb):
    """How two runs' verdicts on one comparison agree: SAME, OPPOSITE
    (faster against slower), MIXED (a difference against an equivalence),
    ONE (decided in one run only) or NEITHER."""
    if not va.decided and not vb.decided:
        return NEITHER
    if va.decided != vb.decided:
        return ONE
    if va.kind == vb.kind:
        return SAME
    return OPPOSITE if {va.kind, vb.kind} == {FASTER, SLOWER} else MIXED


def tier_agreement(ba, bb):
    """The same for one point's best-mode question: the tiers (the leader
    and the modes equivalent to it) where decided."""
    if not ba.decided and not bb.decided:
        return NEITHER
    if ba.decided != bb.decided:
        return ONE
    ta, tb = set(ba.tier), set(bb.tier)
    return SAME if ta == tb else (MIXED if ta & tb else OPPOSITE)


def tally(kinds):
    """{kind: count} over SAME, OPPOSITE, MIXED, ONE, NEITHER."""
    return {k: kinds.count(k) for k in (SAME, OPPOSITE, MIXED, ONE, NEITHER)}


def verdict_agreement(xa, xb):
    """{question: tally} for two Analysis: every comparison asked in both,
    the best-mode questions and the study's questions."""
    comparisons = [agreement(c.verdict, xb.family.comparisons[k].verdict)
                   for k, c in xa.family.comparisons.items() if k in xb.family.comparisons]
    best = [tier_agreement(b, xb.best[p][k]) for p, points in xa.best.items()
            for k, b in points.items() if k in xb.best.get(p, {})]
    study = [agreement(s.verdict, xb.study[k].verdict)
             for k, s in xa.study.items() if k in xb.study]
    return {"every comparison": tally(comparisons), "best mode": tally(best),
            "vs %s" % answers.BASELINE_MODE: tally(study)}


def lead_ratio(results, pattern, size, threads, leader, runner_up, counter, higher):
    """The speed ratio of two modes at one point (geometric means), or None."""
    speeds = []
    for mode in (leader, runner_up):
        p = results.point(pattern, mode, size, threads)
        speeds.append(answers.mean_log_speed(p, counter, higher) if p else None)
    return None if None in speeds else math.exp(speeds[0] - speeds[1])


def lead_agreement(a, b, xa, pattern):
    """(agreeing, total) points where the ratio of run A's two leading modes
    is within LEAD_AGREE between the runs."""
    agree = total = 0
    for (size, threads), best in xa.best.get(pattern, {}).items():
        if not best.others:
            continue
        pair = (best.leader, best.others[0].a, best.counter,
                a.better(best.counter) == "higher")
        ra = lead_ratio(a, pattern, size, threads, *pair)
        rb = lead_ratio(b, pattern, size, threads, *pair)
        if ra is None or rb is None:
            continue
        total += 1
        agree += abs(ra / rb - 1) <= LEAD_AGREE
    return agree, total


def _p90(values):
    return statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 \
        else values[0]


def _pct(x):
    return "%.1f%%" % (100 * x) if x is not None else "-"


def _share(n, total):
    return "%d/%d %s" % (n, total, "(%d%%)" % (100 * n // total) if total else "")


def pattern_row(a, b, xa, pattern, out, width=7):
    """One pattern's numbers: medians within AGREE, CVs, the lead ratio;
    the pattern's column `width` wide (UDP's carry their receive mode)."""
    metric = main_counter_of(pattern)
    agree = total = 0
    cvs, worst = [], []
    for key, pa in sorted(a.points.items()):
        if key[0] != pattern:
            continue
        pb = b.points.get(key)
        cvs += [c for c in (p.cv(metric) for p in (pa, pb) if p) if c is not None]
        if pb is None or not pa.value(metric) or not pb.value(metric):
            continue
        va, vb = pa.value(metric), pb.value(metric)
        total += 1
        diff = max(va, vb) / min(va, vb) - 1
        if diff <= AGREE:
            agree += 1
        else:
            worst.append((diff, pa.name, va, vb))
    lead = lead_agreement(a, b, xa, pattern)
    s = {"metric": metric, "agree": agree, "total": total,
         "cv_median": statistics.median(cvs) if cvs else None,
         "cv_p90": _p90(cvs) if cvs else None, "cv_max": max(cvs) if cvs else None,
         "lead_agree": lead[0], "lead_total": lead[1], "worst": sorted(worst, reverse=True)}
    print("%-*s %-11s %-12s %7s %7s %7s  %s" % (
        width, pattern, metric, _share(agree, total), _pct(s["cv_median"]), _pct(s["cv_p90"]),
        _pct(s["cv_max"]), _share(*lead)), file=out)
    return s


def summarize(a, b, margin=DEFAULT_MARGIN, out=sys.stdout):
    """Prints the agreement of two Results; returns {pattern: stats,
    "machine": stats, "verdicts": {question: tally}}."""
    xa, xb = answers.Analysis(a, margin), answers.Analysis(b, margin)
    patterns = [p for p in a.patterns if p in b.patterns]
    width = max([7] + [len(p) for p in patterns])
    print("%-*s %-11s %-12s %7s %7s %7s  %s" % (
        width, "pattern", "metric", "agree ±5%", "CV med", "CV p90", "CV max",
        "lead ratio ±2%"), file=out)
    stats = {p: pattern_row(a, b, xa, p, out, width) for p in patterns}
    machine = machine_row(a, b, out, width)
    agree = sum(s["agree"] for s in stats.values())
    total = sum(s["total"] for s in stats.values())
    if total:
        print("all points: %s agree within %d%%" % (_share(agree, total), AGREE * 100),
              file=out)
    stats["verdicts"] = verdict_agreement(xa, xb)
    print("verdicts (A at T = %.3g, B at T = %.3g; contradicting = opposite + mixed):" % (
        xa.threshold, xb.threshold), file=out)
    print("  %-17s %5s %14s %9s %8s %8s %6s" % (
        "question", "same", "contradicting", "opposite", "mixed", "one only", "neither"),
        file=out)
    for question, t in stats["verdicts"].items():
        print("  %-17s %5d %14d %9d %8d %8d %6d" % (
            question, t[SAME], t[OPPOSITE] + t[MIXED], t[OPPOSITE], t[MIXED], t[ONE],
            t[NEITHER]), file=out)
    for pattern, s in stats.items():
        for diff, name, va, vb in s.get("worst", [])[:5]:
            print("  differs: %s %s %.4g vs %.4g (%+.0f%%)" % (
                name, s["metric"], va, vb, 100 * diff), file=out)
    if machine:
        stats["machine"] = machine
    return stats


def machine_row(a, b, out, width=7):
    """The Calibration rows (--calibrate), one line per kind (Copy, Alu):
    the machine's own spread, the floor under every other row. Returns the
    stats of the noisiest kind, or None."""
    kinds = sorted({n.split("/")[1] for n in a.other if n.startswith("Calibration/")})
    rows = [machine_kind(a, b, kind, out, width) for kind in kinds]
    return max(rows, key=lambda s: s["cv_median"] or 0) if rows else None


def machine_kind(a, b, kind, out, width=7):
    names = sorted(n for n in a.other if n.startswith("Calibration/%s/" % kind))
    agree = total = 0
    cvs = []
    for name in names:
        ra = [r["real_time"] for r in a.other[name] if "real_time" in r]
        rb = [r["real_time"] for r in b.other.get(name, []) if "real_time" in r]
        cvs += [c for c in (cv(ra), cv(rb)) if c is not None]
        if ra and rb:
            va, vb = statistics.median(ra), statistics.median(rb)
            total += 1
            agree += max(va, vb) / min(va, vb) - 1 <= AGREE
    s = {"agree": agree, "total": total,
         "cv_median": statistics.median(cvs) if cvs else None,
         "cv_max": max(cvs) if cvs else None}
    print("%-*s %-11s %-12s %7s %7s %7s  (fixed work per CPU, no I/O: the machine's own "
          "spread)" % (width, "machine", kind, _share(agree, total), _pct(s["cv_median"]), "",
                       _pct(s["cv_max"])), file=out)
    return s


def compare_main(argv):
    """tools/stability --compare A.json B.json [--margin=DELTA]."""
    margins = [x.split("=", 1)[1] for x in argv if x.startswith("--margin=")]
    paths = [x for x in argv if not x.startswith("--margin=")]
    if len(paths) != 2 or len(margins) > 1:
        print("usage: tools/stability --compare A.json B.json [--margin=DELTA]",
              file=sys.stderr)
        return 2
    try:
        margin = parse_margin(margins[0]) if margins else DEFAULT_MARGIN
        summarize(load(paths[0]), load(paths[1]), margin)
    except (ResultsError, ValueError) as e:
        print("stability: %s" % e, file=sys.stderr)
        return 2
    return 0


def run_twice(net_bench, options, folder):
    """Two sampled runs into folder/run1 and folder/run2: (0, [Results, Results]),
    or (exit status, None) with the reason printed."""
    print("stability: two runs of net_bench %s, budget %s each" % (
        " ".join(options.net_bench_args), format_duration(options.budget)), flush=True)
    runs = []
    for i in (1, 2):
        run_dir = os.path.join(folder, "run%d" % i)
        os.makedirs(run_dir, exist_ok=True)
        try:
            status, path = sweep.collect(net_bench, options, run_dir)
        except sweep.BadInput as e:
            print("stability: run %d: %s" % (i, e or "bad input"), file=sys.stderr)
            return 2, None
        if path is None or status:
            print("stability: run %d: net_bench exited with status %d" % (i, status),
                  file=sys.stderr)
            return 1, None
        runs.append(load(path))
        # A fresh base seed for the second run: its rounds in other orders.
        options.seed = sweep.derive_seed(options.seed, "second run")
    return 0, runs


def main(argv):
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return 0
    if argv[:1] == ["--compare"]:
        return compare_main(argv[1:])
    net_bench = os.path.join(ROOT, "build/release/benchmarks/net_bench")
    keep = None
    flags = []
    for arg in argv:
        if arg.startswith("--net_bench="):
            net_bench = arg.split("=", 1)[1]
        elif arg.startswith("--keep="):
            keep = arg.split("=", 1)[1]
        else:
            flags.append(arg)
    if not os.access(net_bench, os.X_OK):
        print("stability: no net_bench at %s (run tools/setup release)" % net_bench,
              file=sys.stderr)
        return 2
    try:
        options = sweep.parse_options(sweep.with_defaults(flags, DEFAULT_FLAGS))
    except sweep.BadInput as e:
        print("stability: %s" % e, file=sys.stderr)
        return 2
    sweep.handle_signals()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            status, runs = run_twice(net_bench, options, keep or tmp)
            if runs is None:
                return status
            summarize(*runs, options.margin)
            if keep:
                print("stability: runs kept in %s" % keep)
    except sweep.Interrupted:
        print("\nstability: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
