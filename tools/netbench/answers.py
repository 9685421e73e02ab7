"""The questions the reference study asked, answered from a run's numbers.

Every answer is a small record holding the numbers behind it; report.py turns
records into sentences. An answer claims only what the repetitions support:
"A beats B" needs A's median to be better AND a two-sided Mann-Whitney U test
over the two sides' repetitions to give p <= ALPHA, with at least
MIN_REPETITIONS on each side. Anything else is "not decided by this run".
The run's noise (each point's coefficient of variation, and a likely cause
when many points are unstable) is a record here too.
"""
import statistics
from dataclasses import dataclass, field
from math import comb

from scipy.stats import mannwhitneyu

from .results import median

# 0.01, not 0.05: a default run asks this question at 224 points, and on a
# VM whose speed drifts for seconds at a time the repetitions of two modes
# are not fully independent, so at 0.05 two default runs each "decided" a
# best mode the other run did not see (tools/stability on two tools/run
# outputs). With 10 repetitions a side the smallest p is 1.1e-5.
ALPHA = 0.01
# Below this many repetitions on a side nothing is tested, let alone decided.
MIN_REPETITIONS = 3
# Exact p-values such as 2/252 are compared with ALPHA with this slack, so a
# p-value equal to ALPHA up to rounding passes (as in tools/compare).
P_SLACK = 1e-9
# Repetitions per side below which the U test's p-value is computed exactly.
EXACT_BELOW = 8
# A point is unstable when its main metric's CV is above this.
UNSTABLE_CV = 0.05
# The run warns when more than this share of its points is unstable...
UNSTABLE_SHARE = 0.10
# ...and names these as likely causes: steal above this median share of all
# CPU time, fewer repetitions than tools/run's default.
STEAL_SHARE = 0.02
ADVISED_REPETITIONS = 5


def p_value(a, b):
    """Two-sided Mann-Whitney U p-value of samples a against b, or None when
    a side has fewer than MIN_REPETITIONS (too few to test). Two-sided because
    which side is ahead is read from the same data the test runs on."""
    if len(a) < MIN_REPETITIONS or len(b) < MIN_REPETITIONS:
        return None
    if len(set(a) | set(b)) == 1:
        return 1.0   # all equal: no difference (and no variance to test)
    # Exact for small samples even with ties: scipy's "auto" then switches to
    # the normal approximation, which gives 3 tied against 3 tied p=0.047
    # where the exact bound is 0.1 (RR percentiles, read from histogram
    # buckets, do tie).
    method = "exact" if max(len(a), len(b)) < EXACT_BELOW else "asymptotic"
    return float(mannwhitneyu(a, b, alternative="two-sided", method=method).pvalue)


def significant(p):
    return p is not None and p <= ALPHA + P_SLACK


def smallest_p(n, m):
    """The smallest two-sided exact U test p-value n against m repetitions
    can give (complete separation): 2 / C(n+m, n). Says when a run cannot
    decide anything however clear its numbers."""
    return min(1.0, 2.0 / comb(n + m, n))


def repetitions_needed():
    """The fewest repetitions per side (equal sides) with which the test can
    reach ALPHA at all: 4 at 0.05 (3 against 3 gives at best 0.1)."""
    n = MIN_REPETITIONS
    while smallest_p(n, n) > ALPHA + P_SLACK:
        n += 1
    return n


@dataclass
class Comparison:
    """Mode a against mode b at one size (or one grid point): their
    repetitions, and whether the test tells them apart."""
    size: int
    a_samples: list
    b_samples: list
    higher_is_better: bool = True
    p: float = field(init=False)   # None: too few repetitions to test

    def __post_init__(self):
        self.p = p_value(self.a_samples, self.b_samples)

    @property
    def a(self):
        return median(self.a_samples)

    @property
    def b(self):
        return median(self.b_samples)

    @property
    def repetitions(self):
        """(repetitions of a, repetitions of b)."""
        return (len(self.a_samples), len(self.b_samples))

    @property
    def ratio(self):
        return self.a / self.b if self.b else float("inf")

    @property
    def beats(self):
        """a's median is better (a description of this run, not a conclusion)."""
        return self.a > self.b if self.higher_is_better else self.a < self.b

    @property
    def decided(self):
        """The test tells the two apart at ALPHA (and their medians differ,
        so there is a direction to tell)."""
        return significant(self.p) and self.a != self.b

    @property
    def wins(self):
        return self.decided and self.beats

    @property
    def loses(self):
        return self.decided and not self.beats


@dataclass
class Crossover:
    """The smallest size at which `mode` beats `baseline` (a decided win) and
    is not behind (a decided loss) at any larger size. A size the test does not
    decide neither makes nor undoes a crossover."""
    mode: str
    baseline: str
    threads: int
    missing: list = field(default_factory=list)  # modes not in this run
    comparisons: list = field(default_factory=list)
    size: int = None         # the crossover size, None when not found
    early_wins: list = field(default_factory=list)  # decided wins below a later decided loss

    @property
    def measured(self):
        return not self.missing and bool(self.comparisons)

    @property
    def never(self):
        """No crossover whatever the undecided sizes would turn out to be:
        the largest size is a decided loss, so every size has one above it."""
        return self.measured and self.size is None and self.comparisons[-1].loses

    @property
    def decided(self):
        return self.measured and (self.size is not None or self.never)

    @property
    def sizes(self):
        return [c.size for c in self.comparisons]

    @property
    def undecided(self):
        """Sizes where the test does not tell the two modes apart."""
        return [c.size for c in self.comparisons if not c.decided]

    @property
    def fewest_repetitions(self):
        return min((min(c.repetitions) for c in self.comparisons), default=0)


def _comparison(results, pattern, counter, mode_a, mode_b, size, threads,
                higher_is_better=True):
    pa = results.point(pattern, mode_a, size, threads)
    pb = results.point(pattern, mode_b, size, threads)
    if not pa or not pb or not pa.samples(counter) or not pb.samples(counter):
        return None
    return Comparison(size, pa.samples(counter), pb.samples(counter), higher_is_better)


def crossover(results, mode, baseline, threads, pattern="Stream", counter="Gbps"):
    """Where `mode` starts to beat `baseline` in throughput, at `threads`."""
    answer = Crossover(mode, baseline, threads)
    answer.missing = [m for m in (mode, baseline)
                      if not any(k[0] == pattern and k[1] == m and k[3] == threads
                                 for k in results.points)]
    if answer.missing:
        return answer
    for size in results.sizes(pattern):
        c = _comparison(results, pattern, counter, mode, baseline, size, threads)
        if c:
            answer.comparisons.append(c)
    comps = answer.comparisons
    first = next((i for i, c in enumerate(comps)
                  if c.wins and not any(d.loses for d in comps[i + 1:])), len(comps))
    if first < len(comps):
        answer.size = comps[first].size
    answer.early_wins = [c.size for c in comps[:first] if c.wins]
    return answer


def crossovers(results, mode, baseline, pattern="Stream"):
    """crossover() at every thread count of the run: {threads: Crossover}."""
    return {t: crossover(results, mode, baseline, t, pattern)
            for t in results.threads(pattern)}


@dataclass
class Best:
    """The best mode at one grid point of a pattern (by median), its
    runner-up, and the modes the test cannot tell apart from it."""
    size: int
    threads: int
    counter: str
    mode: str
    value: float
    runner_up: str = None
    runner_up_value: float = None
    tied: list = field(default_factory=list)   # modes not decided against the best, by median

    @property
    def decided(self):
        """The best is better than every other mode by the test (a lone mode
        at a point decides nothing). Every pairwise test must pass, so the
        chance of naming a wrong winner stays within ALPHA without a
        correction for the number of modes."""
        return self.runner_up is not None and not self.tied

    @property
    def margin(self):
        """How much better than the runner-up, as a ratio >= 1."""
        if self.runner_up_value is None or not self.value or not self.runner_up_value:
            return None
        return max(self.value, self.runner_up_value) / min(self.value, self.runner_up_value)


def best_counter(pattern):
    """(counter, higher_is_better) that ranks modes for a pattern."""
    return ("Gbps", True) if pattern == "Stream" else ("rtt_p50_us", False)


def _best_at(results, pattern, counter, higher, size, threads):
    """Best at one point, or None when no mode measured the counter there."""
    ranked = []
    for mode in results.modes:
        p = results.point(pattern, mode, size, threads)
        if p and p.samples(counter):
            ranked.append((p.value(counter), mode, p.samples(counter)))
    if not ranked:
        return None
    ranked.sort(key=lambda r: -r[0] if higher else r[0])
    (value, mode, samples), others = ranked[0], ranked[1:]
    best = Best(size, threads, counter, mode, value)
    if others:
        best.runner_up, best.runner_up_value = others[0][1], others[0][0]
        best.tied = [m for v, m, s in others if v == value or not significant(p_value(samples, s))]
    return best


def best_modes(results, pattern):
    """{(size, threads): Best} over the modes present at each point."""
    counter, higher = best_counter(pattern)
    if not results.has_counter(counter, pattern):
        counter, higher = "Gbps", True
    out = {}
    for size in results.sizes(pattern):
        for threads in results.threads(pattern):
            best = _best_at(results, pattern, counter, higher, size, threads)
            if best:
                out[(size, threads)] = best
    return out


@dataclass
class Change:
    """One mode and size: throughput at the most threads against the fewest."""
    low_samples: list
    high_samples: list
    p: float = field(init=False)

    def __post_init__(self):
        self.p = p_value(self.low_samples, self.high_samples)

    @property
    def low(self):
        return median(self.low_samples)

    @property
    def high(self):
        return median(self.high_samples)

    @property
    def ratio(self):
        return self.high / self.low

    @property
    def direction(self):
        """"up" or "down" where the test decides, None otherwise."""
        if not significant(self.p) or self.high == self.low:
            return None
        return "up" if self.high > self.low else "down"


@dataclass
class Scaling:
    """Throughput at the most threads over throughput at the fewest."""
    low: int                # fewest threads in the run
    high: int               # most threads considered (8 if run)
    changes: dict = field(default_factory=dict)   # (mode, size) -> Change

    @property
    def measured(self):
        return bool(self.changes) and self.low != self.high

    def extreme(self, pick):
        """((mode, size), Change) of the lowest (pick=min) or highest ratio."""
        key = pick(self.changes, key=lambda k: self.changes[k].ratio)
        return key, self.changes[key]

    def median_ratio(self):
        return median([c.ratio for c in self.changes.values()])

    def mode_median(self, mode):
        return median([c.ratio for (m, _), c in self.changes.items() if m == mode])

    def count(self, direction):
        """How many (mode, size) pairs the test says went `direction`
        ("up", "down", or None for not decided)."""
        return sum(1 for c in self.changes.values() if c.direction == direction)


def scaling(results, pattern="Stream", counter="Gbps"):
    threads = results.threads(pattern)
    if not threads:
        return Scaling(None, None)
    low = threads[0]
    high = results.reference_threads(pattern)
    answer = Scaling(low, high)
    if low == high:
        return answer
    for mode in results.modes:
        for size in results.sizes(pattern):
            a = results.point(pattern, mode, size, low)
            b = results.point(pattern, mode, size, high)
            if a and b and a.value(counter) and b.samples(counter):
                answer.changes[(mode, size)] = Change(a.samples(counter), b.samples(counter))
    return answer


@dataclass
class CopiedRatio:
    """zc_copied_ratio of one zero-copy mode over the run."""
    mode: str
    in_run: bool
    by_size: dict = field(default_factory=dict)   # size -> median over threads, patterns, reps
    low: float = None
    high: float = None

    @property
    def measured(self):
        return bool(self.by_size)

    @property
    def always_copied(self):
        return self.measured and self.low >= 0.999

    @property
    def never_copied(self):
        return self.measured and self.high <= 0.001


def copied_ratios(results):
    """One CopiedRatio per notified zero-copy mode (and any other mode that reports one)."""
    notified = results.notified_modes
    modes = list(notified) + [m for m in results.modes if m not in notified and
                                    any(p.samples("zc_copied_ratio") for k, p in
                                        results.points.items() if k[1] == m)]
    out = []
    for mode in modes:
        points = [p for k, p in results.points.items() if k[1] == mode]
        answer = CopiedRatio(mode, bool(points))
        samples = []
        for size in sorted({p.size for p in points}):
            s = [v for p in points if p.size == size for v in p.samples("zc_copied_ratio")]
            if s:
                answer.by_size[size] = median(s)
                samples.extend(s)
        if samples:
            answer.low, answer.high = min(samples), max(samples)
        out.append(answer)
    return out


def local_delivery(results):
    """True when the run's data never left the machine (veth or loopback)."""
    topology = results.context.get("topology", "")
    return topology.startswith("veth") or topology.startswith("loopback")


@dataclass
class Spread:
    """One grid point's spread: the CV of its main metric over repetitions."""
    name: str
    pattern: str
    counter: str
    cv: float

    @property
    def unstable(self):
        return self.cv > UNSTABLE_CV


@dataclass
class Noise:
    """How noisy a run was, and what in its record may explain it."""
    points: int                                   # grid points in the run
    spreads: list = field(default_factory=list)   # one Spread per point with a CV
    repetitions: int = 0                          # fewest repetitions of any point
    affinity: str = None                          # the context's placement, None if unsaid
    steal: float = None                           # median steal_share, None if unmeasured
    moved: list = field(default_factory=list)     # points where a thread changed CPU
    machine_cv: float = None                      # largest calibration CV, if run
    machine_cvs: dict = field(default_factory=dict)  # calibration kind -> median CV

    @property
    def unstable(self):
        """Unstable points, worst first."""
        return sorted((s for s in self.spreads if s.unstable), key=lambda s: -s.cv)

    @property
    def share(self):
        """Share of the points with a CV that are unstable."""
        return len(self.unstable) / len(self.spreads) if self.spreads else 0.0

    @property
    def warn(self):
        return self.share > UNSTABLE_SHARE

    @property
    def unpinned(self):
        """The context says threads were not placed (affinity none)."""
        return self.affinity is not None and str(self.affinity).split(":")[0].strip() == "none"

    @property
    def stolen(self):
        return self.steal is not None and self.steal > STEAL_SHARE

    @property
    def machine_noisy(self):
        """The machine itself varied: a fixed CPU loop (--calibrate) spread
        beyond what a stable point may."""
        return self.machine_cv is not None and self.machine_cv > UNSTABLE_CV

    @property
    def few_repetitions(self):
        return 0 < self.repetitions < ADVISED_REPETITIONS

    @property
    def causes(self):
        """The likely causes the record supports: any of "machine",
        "placement", "steal", "repetitions", in that order; [] when none
        applies."""
        return [name for name, hit in (("machine", self.machine_noisy),
                                       ("placement", self.unpinned), ("steal", self.stolen),
                                       ("repetitions", self.few_repetitions)) if hit]

    def median_cv(self, pattern):
        return median([s.cv for s in self.spreads if s.pattern == pattern])


def noise(results):
    """The run's Noise: every point's CV of its pattern's main metric, and the
    context and counters that can explain a noisy run."""
    answer = Noise(len(results.points), affinity=results.context.get("affinity"))
    def order(k):   # the grid's order: pattern, mode, size, threads
        return (results.patterns.index(k[0]), results.modes.index(k[1]), k[2], k[3])
    for key in sorted(results.points, key=order):
        p = results.points[key]
        counter = results.main_counter(p.pattern)
        c = p.cv(counter)
        if c is not None:
            answer.spreads.append(Spread(p.name, p.pattern, counter, c))
        if p.moved:
            answer.moved.append(p.name)
    answer.repetitions = results.repetitions()[0]
    answer.steal = median([v for p in results.points.values() for v in p.samples("steal_share")])
    answer.machine_cvs = machine_cvs(results)
    answer.machine_cv = max(answer.machine_cvs.values()) if answer.machine_cvs else None
    return answer


def machine_cvs(results):
    """{kind: median CV over CPUs} of the Calibration/<kind>/cpu:N rows
    (net_bench --calibrate): fixed CPU work with no I/O (Copy: memcpy within
    the cache; Alu: dependent multiplications), so their spread is the
    machine's own, a floor under every point's. {} without calibration."""
    by_kind = {}
    for name, reps in results.other.items():
        parts = name.split("/")
        if parts[0] != "Calibration" or len(parts) < 2:
            continue
        times = [r["real_time"] for r in reps if "real_time" in r]
        if len(times) >= 2 and statistics.mean(times) > 0:
            by_kind.setdefault(parts[1], []).append(
                statistics.stdev(times) / statistics.mean(times))
    return {kind: median(cvs) for kind, cvs in sorted(by_kind.items())}


def machine_cv(results):
    """The largest of machine_cvs(), None without calibration."""
    cvs = machine_cvs(results)
    return max(cvs.values()) if cvs else None
