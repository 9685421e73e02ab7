"""Do net_bench's numbers reproduce? Runs one grid twice, back to back, and
prints run-to-run agreement and the spread of repetitions per pattern.

usage: tools/stability [--net_bench PATH] [--keep DIR] [net_bench flags...]
       tools/stability --compare A.json B.json

The grid is the reduced grid of the reproducibility issue unless flags say
otherwise (any net_bench flag is accepted and overrides the default):
  --modes=TwoCopy,OneCopy,ZeroCopy,UringOneCopy --sizes=1K,64K --threads=1,2
  --patterns=Stream,RR --benchmark_repetitions=5 --benchmark_min_time=0.2
  --calibrate

Measures, per pattern (Stream: Gbps, RR: rtt_p50_us):
  agree      points whose medians over repetitions differ by at most 5%
             between the two runs (max/min - 1 <= 0.05)
  CV         coefficient of variation (sample stdev / mean) of each point's
             repetitions, over the points of both runs: median, p90, max
  best mode  per (pattern, size, threads): the same best mode in both runs,
             and among the points both runs call decided (tools/answers.py:
             a two-sided Mann-Whitney U test against every other mode)

Run it on a quiet machine: anything else running skews every figure.
Exit status: 0 measured, 1 a net_bench run failed, 2 bad input.
"""
import os
import statistics
import subprocess
import sys
import tempfile

from . import answers
from .results import ResultsError, cv, load

# The repository: tools/netbench/ is two folders down.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_FLAGS = ["--modes=TwoCopy,OneCopy,ZeroCopy,UringOneCopy", "--sizes=1K,64K",
                 "--threads=1,2", "--patterns=Stream,RR",
                 "--benchmark_repetitions=5", "--benchmark_min_time=0.2",
                 "--calibrate"]
METRIC = {"Stream": "Gbps", "RR": "rtt_p50_us"}
AGREE = 0.05


def quantile(values, q):
    """Nearest-rank quantile of a non-empty list."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q * len(s) + 0.5)) - 1))]


def with_defaults(user_flags):
    names = {f.split("=", 1)[0] for f in user_flags if f.startswith("--")}
    return [f for f in DEFAULT_FLAGS if f.split("=", 1)[0] not in names] + user_flags


def run_once(net_bench, flags, out):
    r = subprocess.run([net_bench, *flags, "--benchmark_out=" + out,
                        "--benchmark_out_format=json"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0 or not os.path.exists(out):
        last = (r.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError("net_bench exited with status %d: %s" % (r.returncode, last))
    return load(out)


def summarize(a, b, out=sys.stdout):
    """Prints the agreement of two Results; returns {pattern: stats dict}."""
    stats = {}
    patterns = [p for p in ("Stream", "RR") if p in a.patterns]
    print("%-7s %-11s %8s %6s  %8s %7s %7s  %s" % (
        "pattern", "metric", "agree", "", "CV med", "CV p90", "CV max", "best mode same (decided)"),
        file=out)
    for pattern in patterns:
        metric = METRIC[pattern]
        agree = total = 0
        cvs = []
        worst = []
        for key, pa in sorted(a.points.items()):
            if key[0] != pattern:
                continue
            pb = b.points.get(key)
            for p in (pa, pb):
                if p is not None:
                    c = cv(p.samples(metric))
                    if c is not None:
                        cvs.append(c)
            if pb is None or pa.value(metric) is None or pb.value(metric) is None:
                continue
            va, vb = pa.value(metric), pb.value(metric)
            total += 1
            diff = max(va, vb) / min(va, vb) - 1 if min(va, vb) > 0 else float("inf")
            if diff <= AGREE:
                agree += 1
            else:
                worst.append((diff, pa.name, va, vb))
        best_a, best_b = answers.best_modes(a, pattern), answers.best_modes(b, pattern)
        same = sum(1 for k in best_a if k in best_b and best_a[k].mode == best_b[k].mode)
        decided = [k for k in best_a if k in best_b and best_a[k].decided and best_b[k].decided]
        same_decided = sum(1 for k in decided if best_a[k].mode == best_b[k].mode)
        s = {"agree": agree, "total": total,
             "cv_median": statistics.median(cvs) if cvs else None,
             "cv_p90": quantile(cvs, 0.9) if cvs else None,
             "cv_max": max(cvs) if cvs else None,
             "best_same": same, "best_total": len(best_a),
             "decided_same": same_decided, "decided_total": len(decided),
             "worst": sorted(worst, reverse=True)}
        stats[pattern] = s
        pct = lambda x: "%.1f%%" % (100 * x) if x is not None else "-"
        print("%-7s %-11s %4d/%-3d %5s  %8s %7s %7s  %d/%d (%d/%d)" % (
            pattern, metric, agree, total, "%d%%" % (100 * agree // total) if total else "-",
            pct(s["cv_median"]), pct(s["cv_p90"]), pct(s["cv_max"]),
            same, len(best_a), same_decided, len(decided)), file=out)
    machine = machine_row(a, b, out)
    agree = sum(s["agree"] for s in stats.values())
    total = sum(s["total"] for s in stats.values())
    if total:
        print("all points: %d/%d agree within %d%% (%.0f%%)" % (
            agree, total, AGREE * 100, 100.0 * agree / total), file=out)
    for pattern, s in stats.items():
        for diff, name, va, vb in s["worst"][:5]:
            print("  differs: %s %s %.4g vs %.4g (%+.0f%%)" % (
                name, METRIC[pattern], va, vb, 100 * diff), file=out)
    if machine:
        stats["machine"] = machine
    return stats


def machine_row(a, b, out):
    """The Calibration rows (--calibrate), one line per kind (Copy, Alu):
    the machine's own spread, the floor under every other row. Returns the
    stats of the noisiest kind, or None."""
    kinds = sorted({n.split("/")[1] for n in a.other if n.startswith("Calibration/")})
    rows = [machine_kind(a, b, kind, out) for kind in kinds]
    return max(rows, key=lambda s: s["cv_median"] or 0) if rows else None


def machine_kind(a, b, kind, out):
    names = sorted(n for n in a.other if n.startswith("Calibration/%s/" % kind))
    agree = total = 0
    cvs = []
    for name in names:
        ra = [r["real_time"] for r in a.other[name] if "real_time" in r]
        rb = [r["real_time"] for r in b.other.get(name, []) if "real_time" in r]
        for reps in (ra, rb):
            c = cv(reps)
            if c is not None:
                cvs.append(c)
        if ra and rb:
            va, vb = statistics.median(ra), statistics.median(rb)
            total += 1
            agree += max(va, vb) / min(va, vb) - 1 <= AGREE
    s = {"agree": agree, "total": total,
         "cv_median": statistics.median(cvs) if cvs else None,
         "cv_max": max(cvs) if cvs else None}
    pct = lambda x: "%.1f%%" % (100 * x) if x is not None else "-"
    print("%-7s %-11s %4d/%-3d %5s  %8s %7s %7s  (fixed work per CPU, no I/O: the "
          "machine's own spread)" % (
              "machine", kind, agree, total,
              "%d%%" % (100 * agree // total) if total else "-",
              pct(s["cv_median"]), "", pct(s["cv_max"])), file=out)
    return s


def main(argv):
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return 0
    try:
        if argv[:1] == ["--compare"]:
            if len(argv) != 3:
                print("usage: tools/stability --compare A.json B.json", file=sys.stderr)
                return 2
            summarize(load(argv[1]), load(argv[2]))
            return 0
    except ResultsError as e:
        print("stability: %s" % e, file=sys.stderr)
        return 2
    net_bench = os.path.join(ROOT, "build/release/benchmarks/net_bench")
    keep = None
    flags = []
    it = iter(argv)
    for arg in it:
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
    flags = with_defaults(flags)
    print("stability: two runs of net_bench %s" % " ".join(flags), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or tmp
        os.makedirs(folder, exist_ok=True)
        runs = []
        for i in (1, 2):
            try:
                runs.append(run_once(net_bench, flags, os.path.join(folder, "run%d.json" % i)))
            except (RuntimeError, ResultsError) as e:
                print("stability: run %d: %s" % (i, e), file=sys.stderr)
                return 1
        summarize(*runs)
        if keep:
            print("stability: runs kept in %s" % keep)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
