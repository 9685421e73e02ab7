"""The questions the reference study asked, answered from a run's numbers as
verdicts (verdicts.py); report.py turns them into sentences.

The questions, each a comparison of two speeds on the pattern's main
counter (Stream: Gbps; RR: the p50 round trip, faster = shorter):
- best mode, at every point: the leader (the highest mean log speed)
  against every other mode; the tier is the leader and the modes
  equivalent to it, and the point is decided when every other mode is
  decided against the leader;
- the study's question, at every Stream point: each mode against TwoCopy,
  ahead, equivalent, behind or not decided (per size and thread count: no
  single crossover is assumed);
- thread scaling: each mode and size at the most threads against the
  fewest, unpaired (two points, sampled apart).
All of them form one family: a comparison asked twice (the leader against
TwoCopy) is asked once, and Benjamini-Hochberg over the family sets the
threshold every verdict is read at. The run's noise (each point's CV over
its rounds, the machine's own spread) is a record here too.
"""
import statistics
from dataclasses import dataclass, field

from . import verdicts
from .results import cv, median
from .verdicts import (DEFAULT_MARGIN, EQUIVALENT, FASTER, Q, SLOWER, Comparison,
                       log_speed, paired_estimate, unpaired_estimate)

# The study's question: which modes beat this one, in this pattern.
STUDY_PATTERN = "Stream"
BASELINE_MODE = "TwoCopy"
# A point is unstable when its main metric's CV is above this.
UNSTABLE_CV = 0.05
# The run warns when more than this share of its points is unstable...
UNSTABLE_SHARE = 0.10
# ...and names these as likely causes: steal above this median share of all
# CPU time, fewer runs per point than the sampler's first look takes.
STEAL_SHARE = 0.02
MIN_ROUNDS = verdicts.SCHEDULE[0]


@dataclass
class Asked:
    """A comparison as one question reads it: `a` against `b` (the family
    holds it once, in one orientation; `flipped` says this is the other)."""
    a: object
    b: object
    comparison: Comparison
    flipped: bool

    @property
    def verdict(self):
        v = self.comparison.verdict
        return v.flipped() if self.flipped else v


class Family:
    """Every comparison a report asks, each once however many questions
    share it."""

    def __init__(self):
        self.comparisons = {}   # (where, x, y) -> Comparison of x against y

    def ask(self, where, a, b, estimate, looks):
        """`a` against `b` at `where`; estimate(x, y) estimates x against y,
        and is called only for a comparison not asked before."""
        x, y = sorted((a, b))
        key = (where, x, y)
        if key not in self.comparisons:
            self.comparisons[key] = Comparison(estimate(x, y), looks)
        return Asked(a, b, self.comparisons[key], a != x)

    def tally(self):
        """(decided, asked)."""
        asked = list(self.comparisons.values())
        return sum(c.verdict.decided for c in asked), len(asked)


@dataclass
class BestMode:
    """The leader at one point of a pattern and every other mode against it,
    best first."""
    size: int
    threads: int
    counter: str
    leader: str
    value: float                                # the leader's median
    others: list = field(default_factory=list)  # Asked: other mode against the leader

    @property
    def tier(self):
        """The leader and the modes equivalent to it."""
        return [self.leader] + [o.a for o in self.others if o.verdict.kind == EQUIVALENT]

    @property
    def decided(self):
        """Every other mode is decided against the leader (a lone mode at a
        point decides nothing)."""
        return bool(self.others) and all(o.verdict.decided for o in self.others)

    @property
    def outside(self):
        """The other modes not in the tier, best first."""
        return [o for o in self.others if o.verdict.kind != EQUIVALENT]


@dataclass
class Change:
    """One mode and size: its main counter at the most threads against the
    fewest (medians, and the verdict of most against fewest)."""
    low: float
    high: float
    asked: Asked

    @property
    def ratio(self):
        return self.high / self.low

    @property
    def direction(self):
        """"up", "down", "flat" (equivalent) or None (not decided)."""
        return {FASTER: "up", SLOWER: "down", EQUIVALENT: "flat"}.get(self.asked.verdict.kind)


@dataclass
class Scaling:
    """Throughput at the most threads against throughput at the fewest."""
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
        """How many (mode, size) pairs went `direction` ("up", "down",
        "flat", or None for not decided)."""
        return sum(1 for c in self.changes.values() if c.direction == direction)


def mean_log_speed(point, counter, higher):
    """The mean log speed over a point's runs: what ranks modes (the
    leader is the mode with the highest)."""
    logs = [x for x in (log_speed(v, higher) for v in point.samples(counter)) if x is not None]
    return statistics.fmean(logs) if logs else None


class Analysis:
    """Every question of a run, decided together: at BH's threshold over the
    whole family (the report), or at a given one (the sampler's provisional
    threshold while it looks at one point)."""

    def __init__(self, results, margin=DEFAULT_MARGIN, q=Q, threshold=None, looks=None):
        self.results = results
        self.margin = margin
        self.q = q
        self.looks = results.looks if looks is None else looks
        self.family = Family()
        self.unranked = {}      # pattern -> its main counter, when the run gives no direction
        self.best = {p: self._best_modes(p) for p in results.patterns}
        self.study = self._study()
        self.scaling = self._scaling()
        self.threshold = verdicts.decide_all(self.family.comparisons.values(), margin, q,
                                             threshold)

    def _direction(self, pattern):
        """(counter, higher_is_better) that ranks the pattern's modes, or
        None when the run does not say which way the counter is better."""
        counter = self.results.main_counter(pattern)
        better = self.results.better(counter)
        if better is None:
            self.unranked[pattern] = counter
            return None
        return counter, better == "higher"

    def _mode_estimate(self, pattern, size, threads, counter, higher):
        """estimate(x, y) for two modes at one point: paired over blocked
        rounds, else unpaired."""
        def estimate(x, y):
            px = self.results.point(pattern, x, size, threads)
            py = self.results.point(pattern, y, size, threads)
            if self.results.blocked:
                return paired_estimate(px.rounds(counter), py.rounds(counter), higher)
            return unpaired_estimate(px.samples(counter), py.samples(counter), higher)
        return estimate

    def _best_modes(self, pattern):
        """{(size, threads): BestMode} over the modes present at each point."""
        direction = self._direction(pattern)
        if direction is None:
            return {}
        counter, higher = direction
        out = {}
        for size in self.results.sizes(pattern):
            for threads in self.results.threads(pattern):
                ranked = []
                for mode in self.results.modes:
                    p = self.results.point(pattern, mode, size, threads)
                    speed = mean_log_speed(p, counter, higher) if p else None
                    if speed is not None:
                        ranked.append((-speed, mode, p))
                if not ranked:
                    continue
                ranked.sort(key=lambda r: r[:2])
                leader = ranked[0][1]
                best = BestMode(size, threads, counter, leader, ranked[0][2].value(counter))
                estimate = self._mode_estimate(pattern, size, threads, counter, higher)
                best.others = [self.family.ask((pattern, size, threads), mode, leader,
                                               estimate, self.looks)
                               for _, mode, _ in ranked[1:]]
                out[(size, threads)] = best
        return out

    def _study(self):
        """{(mode, size, threads): Asked mode against the baseline} at every
        point of the study's pattern where both ran."""
        pattern = STUDY_PATTERN
        direction = self._direction(pattern) if pattern in self.results.patterns else None
        if direction is None or BASELINE_MODE not in self.results.modes:
            return {}
        counter, higher = direction
        out = {}
        for (p, mode, size, threads) in sorted(self.results.points):
            if p != pattern or mode == BASELINE_MODE or \
                    not self.results.point(pattern, BASELINE_MODE, size, threads):
                continue
            estimate = self._mode_estimate(pattern, size, threads, counter, higher)
            out[(mode, size, threads)] = self.family.ask(
                (pattern, size, threads), mode, BASELINE_MODE, estimate, self.looks)
        return out

    def _scaling(self):
        """Every mode and size of the study's pattern at the most threads
        against the fewest: two points sampled apart, so unpaired, and each
        stopped on its own (K x K looks)."""
        pattern = STUDY_PATTERN
        threads = self.results.threads(pattern)
        if not threads:
            return Scaling(None, None)
        answer = Scaling(threads[0], self.results.reference_threads(pattern))
        direction = self._direction(pattern)
        if answer.low == answer.high or direction is None:
            return answer
        counter, higher = direction
        for mode in self.results.modes:
            for size in self.results.sizes(pattern):
                a = self.results.point(pattern, mode, size, answer.low)
                b = self.results.point(pattern, mode, size, answer.high)
                if not (a and b and a.value(counter) and b.samples(counter)):
                    continue
                samples = {answer.low: a.samples(counter), answer.high: b.samples(counter)}
                asked = self.family.ask(
                    (pattern, mode, size), answer.high, answer.low,
                    lambda x, y: unpaired_estimate(samples[x], samples[y], higher),
                    self.looks * self.looks)
                answer.changes[(mode, size)] = Change(a.value(counter), b.value(counter), asked)
        return answer

    def tally(self):
        """(decided, asked) over every comparison of the family."""
        return self.family.tally()


@dataclass
class CopiedRatio:
    """zc_copied_ratio of one zero-copy mode over the run."""
    mode: str
    in_run: bool
    by_size: dict = field(default_factory=dict)   # size -> median over threads, patterns, runs
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
    """One grid point's spread: the CV of its main metric over its runs."""
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
    runs: int = 0                                 # fewest runs of any point
    unit: str = "round"                           # what a run is: "round" or "repetition"
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
    def few_runs(self):
        return 0 < self.runs < MIN_ROUNDS

    @property
    def causes(self):
        """The likely causes the record supports: any of "machine",
        "placement", "steal", "runs", in that order; [] when none applies."""
        return [name for name, hit in (("machine", self.machine_noisy),
                                       ("placement", self.unpinned), ("steal", self.stolen),
                                       ("runs", self.few_runs)) if hit]

    def median_cv(self, pattern):
        return median([s.cv for s in self.spreads if s.pattern == pattern])


def noise(results):
    """The run's Noise: every point's CV of its pattern's main metric, and the
    context and counters that can explain a noisy run."""
    answer = Noise(len(results.points), affinity=results.context.get("affinity"),
                   unit=results.unit)
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
    answer.runs = results.repetitions()[0]
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
        c = cv([r["real_time"] for r in reps if "real_time" in r])
        if c is not None:
            by_kind.setdefault(parts[1], []).append(c)
    return {kind: median(cvs) for kind, cvs in sorted(by_kind.items())}
