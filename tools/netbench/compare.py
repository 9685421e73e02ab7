"""Compares two net_bench JSON files: times with Google Benchmark's compare.py,
user counters (Gbps, CPU per byte, RR p99, ...) with its own table.

usage: tools/compare A.json B.json [--threshold T] [--counters C1,C2,...]
                     [--alpha P] [--filter REGEX] [--no-compare-py]

A is the reference (baseline), B the candidate. For every benchmark in both
files and every chosen counter it prints A's and B's medians over
repetitions, the change, and a verdict. A counter *regresses* when it got
worse (lower for throughput, higher for costs and latencies) by more than T
(a fraction: 0.25 = 25%) and, when both sides have at least 3 repetitions, a
one-sided Mann-Whitney U test over the repetitions supports it at level P.
With fewer repetitions the verdict rests on the ratio alone, and says so.

Exit status: 0 no regression; 1 a regression, or a benchmark of B failed
(any benchmark, whatever --filter says); 2 bad input (one line on stderr).
"""
import argparse
import os
import re
import subprocess
import sys

from .results import ResultsError, base_pattern, format_number, load, median, parse_name

COMPARE_PY = "/usr/share/benchmark/compare.py"
DEFAULT_COUNTERS = "Gbps,tx_cpu_ns_per_byte,rx_cpu_ns_per_byte,rtt_p99_us"
DEFAULT_THRESHOLD = 0.25
DEFAULT_ALPHA = 0.05
MIN_TESTED = 3   # repetitions per side for the U test
# Exact one-sided U test p-values such as 1/20 are compared with alpha with
# this slack, so that 3 against 3 fully separated repetitions pass at 0.05.
P_SLACK = 1e-9


class BadInput(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise BadInput(message)


def parse_args(argv):
    p = Parser(prog="compare", add_help=True,
               description="Compare two net_bench JSON files (A = baseline, B = candidate).")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                   help="regression threshold as a fraction (default %(default)s)")
    p.add_argument("--counters", default=DEFAULT_COUNTERS,
                   help="counters to check (default %(default)s)")
    p.add_argument("--alpha", type=float, default=DEFAULT_ALPHA,
                   help="significance level of the U test (default %(default)s)")
    p.add_argument("--filter", default=None, help="only benchmarks matching this regex")
    p.add_argument("--no-compare-py", action="store_true",
                   help="skip Google Benchmark's compare.py")
    args = p.parse_args(argv)
    if not args.threshold > 0:
        raise BadInput("--threshold must be above 0, got %s" % args.threshold)
    if not 0 < args.alpha < 1:
        raise BadInput("--alpha must be between 0 and 1, got %s" % args.alpha)
    args.counters = [c.strip() for c in args.counters.split(",")]
    if not all(args.counters):
        raise BadInput("--counters: empty item")
    if args.filter is not None:
        try:
            args.filter = re.compile(args.filter)
        except re.error as e:
            raise BadInput("--filter: bad regex (%s)" % e)
    return args


# Google Benchmark's own times: lower is better.
TIMES = ("real_time", "cpu_time")


def better_direction(counter, counters):
    """'higher' or 'lower'; counters the runs describe without a direction,
    and Google Benchmark's times, are lower-is-better costs. `counters` is
    the runs' vocabulary (Results.counters)."""
    better = counters.get(counter, (None, None))[1]
    return better or "lower"


def vocabulary(a, b):
    """The counters either run describes ({name: (label, better)})."""
    return {**b.counters, **a.counters}


def grid_order(name, modes, patterns):
    """Sorts benchmarks as the grid runs them: pattern, mode, size, threads,
    in the order of the run's vocabulary (Results.known_modes, ...)."""
    key = parse_name(name)
    if key is None:
        return (1, name)
    pattern, mode, size, threads = key
    base = base_pattern(pattern)
    return (0, patterns.index(base) if base in patterns else len(patterns), pattern,
            modes.index(mode) if mode in modes else len(modes), mode, size, threads)


def run_compare_py(a, b):
    if not os.path.exists(COMPARE_PY):
        print("compare.py not installed (Debian package libbenchmark-tools): times not compared\n")
        return
    # Show aggregates only when both files have them: keeps a big sweep readable.
    cmd = [sys.executable, COMPARE_PY, "--no-color"]
    if a.has_aggregates and b.has_aggregates:
        cmd.append("-a")
    cmd += ["benchmarks", a.path, b.path]
    print("== Google Benchmark compare.py (times: real_time, cpu_time) ==")
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sys.stdout.write(r.stdout)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["no message"])[-1]
        print("compare.py failed (status %d): %s" % (r.returncode, last))
    print()


def u_test(a, b, worse_if_lower):
    """One-sided Mann-Whitney U p-value that B is worse than A."""
    from scipy.stats import mannwhitneyu
    if len(set(a) | set(b)) == 1:
        return 1.0
    alternative = "less" if worse_if_lower else "greater"
    return float(mannwhitneyu(b, a, alternative=alternative).pvalue)


class Row:
    def __init__(self, name, counter, a, b, threshold, alpha, counters):
        self.name = name
        self.counter = counter
        self.a = median(a)
        self.b = median(b)
        self.reps = (len(a), len(b))
        higher = better_direction(counter, counters) == "higher"
        self.change = (self.b - self.a) / self.a if self.a else (
            0.0 if self.b == self.a else float("inf"))
        worse = -self.change if higher else self.change   # > 0: got worse
        self.tested = len(a) >= MIN_TESTED and len(b) >= MIN_TESTED
        self.p = u_test(a, b, higher) if self.tested else None
        significant = self.p is not None and self.p <= alpha + P_SLACK
        beyond = worse > threshold
        self.regression = beyond and (significant or not self.tested)
        if self.regression:
            self.verdict = "REGRESSION" + ("" if self.tested else
                                           " (ratio only: %d vs %d repetitions)" % self.reps)
        elif beyond:
            self.verdict = "worse, not significant"
        elif worse > 0:
            self.verdict = "worse, within threshold"
        elif worse < 0:
            self.verdict = "better"
        else:
            self.verdict = "same"


def _pct(change):
    if change == float("inf"):
        return "+inf"
    return "%+.1f%%" % (100 * change)


def _some(names, order, limit=8):
    shown = ", ".join(sorted(names, key=order)[:limit])
    return shown + (", ..." if len(names) > limit else "")


def print_table(rows):
    header = ("benchmark", "counter", "A", "B", "change", "p", "verdict")
    cells = [(r.name, r.counter, format_number(r.a), format_number(r.b), _pct(r.change),
              "%.3f" % r.p if r.p is not None else "-", r.verdict) for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *cells)]
    fmt = "  ".join("%%-%ds" % w for w in widths[:-1]) + "  %s"
    print(fmt % header)
    print(fmt % tuple("-" * w for w in widths))
    for c in cells:
        print(fmt % c)


def compare(args):
    a, b = load(args.a), load(args.b)
    for r in (a, b):
        if not r.runs and not r.errors:
            raise BadInput("%s: holds no benchmark" % r.path)
    wanted = lambda n: args.filter is None or args.filter.search(n)  # noqa: E731
    names_a = [n for n in a.runs if wanted(n)]
    names_b = {n for n in b.runs if wanted(n)}
    def order(name):
        return grid_order(name, a.known_modes, a.known_patterns)
    common = sorted((n for n in names_a if n in names_b), key=order)
    if not common:
        raise BadInput("%s and %s have no benchmark in common" % (args.a, args.b))
    described = vocabulary(a, b)
    known = set(described)
    for r in (a, b):
        for reps in r.runs.values():
            for rep in reps:
                known.update(rep)
    for c in args.counters:
        if c not in known:
            raise BadInput("--counters: unknown counter '%s'" % c)
        if c not in described and c not in TIMES:
            raise BadInput("--counters: neither run says which way '%s' is better (files "
                           "written before net_bench described its counters)" % c)

    if not args.no_compare_py:
        run_compare_py(a, b)

    rows = []
    for name in common:
        for counter in args.counters:
            sa = [rep[counter] for rep in a.runs[name] if counter in rep]
            sb = [rep[counter] for rep in b.runs[name] if counter in rep]
            if sa and sb:
                rows.append(Row(name, counter, sa, sb, args.threshold, args.alpha,
                                described))
    print("== counters: B against A (medians over repetitions; threshold %s%%, alpha %s) =="
          % (format_number(100 * args.threshold), args.alpha))
    print_table(rows)
    untested = sorted({r.reps for r in rows if not r.tested})
    if untested:
        print("note: fewer than %d repetitions on a side (%s): no statistical test, "
              "verdicts from the ratio of medians alone" % (
                  MIN_TESTED, ", ".join("%d vs %d" % u for u in untested)))
    only_a = [n for n in names_a if n not in names_b]
    only_b = sorted(names_b - set(names_a))
    if only_a:
        print("note: %d benchmark(s) of A not in B: %s" % (len(only_a), _some(only_a, order)))
    if only_b:
        print("note: %d benchmark(s) new in B: %s" % (len(only_b), _some(only_b, order)))
    for name, message in a.errors:
        print("note: A's %s failed: %s" % (name, message))
    failed = b.errors  # whatever the filter: a failure is never noise
    for name, message in failed:
        print("FAILED in B: %s: %s" % (name, message))

    regressions = [r for r in rows if r.regression]
    for r in regressions:
        print("REGRESSION: %s %s %s (%s -> %s%s)" % (
            r.name, r.counter, _pct(r.change), format_number(r.a), format_number(r.b),
            ", p=%.3f" % r.p if r.p is not None else ", no statistical test"))
    if regressions or failed:
        print("compare: %d regression(s) beyond %s%%%s" % (
            len(regressions), format_number(100 * args.threshold),
            ", %d failed benchmark(s)" % len(failed) if failed else ""))
        return 1
    print("compare: no regression beyond %s%% in %d comparison(s) of %s" % (
        format_number(100 * args.threshold), len(rows), ", ".join(args.counters)))
    return 0


def main(argv):
    try:
        return compare(parse_args(argv))
    except (BadInput, ResultsError) as e:
        print("compare: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
