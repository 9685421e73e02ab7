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
  fewest, unpaired (two points, sampled apart);
- UDP's questions (udp.py), when the run has UDP benchmarks: what batching,
  GSO and GRO save per delivered byte, whether zero-copy pays for GSO sends.
All of them form one family: a comparison asked twice (the leader against
TwoCopy) is asked once, and Benjamini-Hochberg over the family sets the
threshold every verdict is read at. The run's noise (each point's CV over
its rounds, the machine's own spread) is a record here too.
The profile (net_bench --profile) answers why, with measured shares rather
than verdicts: where each mode's busy CPU time went, what a mode behind the
leader spends more of, which categories grow with threads, and, with LLC
miss counters, where a mode's misses drop most against TwoCopy.
"""
import statistics
from dataclasses import dataclass, field

from . import udp
from . import verdicts
from .results import PROFILE_PREFIX, REFERENCE_THREADS, cv, median
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
# --profile: the category of idle (or spinning) CPU time, set apart so that
# every other share is of the busy time.
IDLE_CATEGORY = "idle"
# A mode's largest categories: at most this many, each at least this share
# of its busy time.
LARGEST_COUNT = 3
LARGEST_MIN = 0.01
# A difference of busy shares smaller than this (one point) is not named:
# what a mode behind spends more on, what grows or falls with threads.
SHARE_STEP = 0.01
# Samples of other processes above this share of a point's: the machine was
# shared while it was profiled.
LEFT_OUT_SHARE = 0.10


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
        self.udp = udp.ask(self)
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
    """One CopiedRatio per notified zero-copy mode (and any other mode that
    reports one), leaving out the modes of a transport the run did not
    measure at all (a TCP run's report does not list UDP's modes)."""
    transports = {results.transport(m) for m in results.modes}
    notified = [m for m in results.notified_modes if results.transport(m) in transports]
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


def profile_counter(category, measure):
    """'profile_copy_in_share' for ("copy_in", "share")."""
    return "%s%s_%s" % (PROFILE_PREFIX, category, measure)


@dataclass
class CpuPoint:
    """Where one point's sampled CPU time went, its runs pooled (each
    weighted by its samples, so the shares are those of all its samples and
    add up to 1)."""
    idle: float                                       # share of all the sampled time
    busy: dict = field(default_factory=dict)          # category -> share of the busy time
    ns_per_byte: dict = field(default_factory=dict)   # category -> median sampled ns/byte
    left_out: float = None                            # median profile_left_out_share

    def largest(self):
        """[(category, busy share)] of the largest categories, largest first."""
        ranked = sorted(self.busy.items(), key=lambda kv: -kv[1])
        return [(c, v) for c, v in ranked if v >= LARGEST_MIN][:LARGEST_COUNT]

    @property
    def busy_ns_per_byte(self):
        """The busy sampled CPU time per byte moved (idle apart), or None."""
        values = [v for c, v in self.ns_per_byte.items() if c in self.busy]
        return sum(values) if values else None


def _pooled(point, counters):
    """{counter: value} over the point's runs that carry every counter,
    each run weighted by its profile_samples (1 where not written); None
    when no run does."""
    runs = [r for r in point.repetitions if all(c in r for c in counters)]
    if not runs:
        return None
    weights = [max(0.0, r.get(PROFILE_PREFIX + "samples", 1.0)) for r in runs]
    if sum(weights) <= 0:
        weights = [1.0] * len(runs)
    total = sum(weights)
    return {c: sum(w * r[c] for w, r in zip(weights, runs)) / total for c in counters}


def cpu_point(point, categories):
    """The point's CpuPoint, or None when it was not profiled. A category
    of the table that no run of the point carries is left out (a file whose
    table and counters disagree still reads)."""
    names = [name for name, _, _ in categories if point.samples(profile_counter(name, "share"))]
    shares = _pooled(point, [profile_counter(n, "share") for n in names]) if names else None
    if shares is None:
        return None
    by_name = {n: shares[profile_counter(n, "share")] for n in names}
    busy_total = sum(v for n, v in by_name.items() if n != IDLE_CATEGORY)
    answer = CpuPoint(by_name.get(IDLE_CATEGORY, 0.0),
                      left_out=point.value(PROFILE_PREFIX + "left_out_share"))
    for n, v in by_name.items():
        if n != IDLE_CATEGORY:
            answer.busy[n] = v / busy_total if busy_total > 0 else 0.0
    for n in names:
        v = point.value(profile_counter(n, "ns_per_byte"))
        if v is not None:
            answer.ns_per_byte[n] = v
    return answer


def shown_threads(threads):
    """The thread count a profile is shown at, of those profiled: the
    reference study's where profiled, else the fewest (the most legible:
    one connection each way, no contention). None for none."""
    if not threads:
        return None
    return REFERENCE_THREADS if REFERENCE_THREADS in threads else min(threads)


@dataclass
class CpuProfile:
    """The run's profile: the categories (the run's table, idle included),
    every profiled point's CpuPoint, and the thread count each pattern is
    shown at."""
    categories: list                                  # [(name, label, markers)]
    points: dict = field(default_factory=dict)        # (pattern, mode, size, threads) -> CpuPoint
    threads: dict = field(default_factory=dict)       # pattern -> threads shown

    @property
    def measured(self):
        return bool(self.points)

    def at(self, pattern, mode, size, threads):
        return self.points.get((pattern, mode, size, threads))

    def thread_counts(self, pattern):
        """The pattern's profiled thread counts, fewest first."""
        return sorted({k[3] for k in self.points if k[0] == pattern})

    def sizes(self, pattern, threads):
        """The pattern's profiled sizes at a thread count."""
        return sorted({k[2] for k in self.points if k[0] == pattern and k[3] == threads})

    def label(self, category):
        return next((label for name, label, _ in self.categories if name == category),
                    category)

    def markers(self, category):
        return next((m for name, _, m in self.categories if name == category), [])

    @property
    def busy_categories(self):
        return [name for name, _, _ in self.categories if name != IDLE_CATEGORY]

    def shared(self):
        """[(point name, left-out share)] of the points where other
        processes took more than LEFT_OUT_SHARE of the samples, most first."""
        return sorted(((k, p.left_out) for k, p in self.points.items()
                       if p.left_out is not None and p.left_out > LEFT_OUT_SHARE),
                      key=lambda kv: -kv[1])


def cpu_profile(results):
    """The run's CpuProfile (empty when the run was not profiled)."""
    answer = CpuProfile(results.cpu_categories)
    if not answer.categories:
        return answer
    for key, p in results.points.items():
        cpu = cpu_point(p, answer.categories)
        if cpu is not None:
            answer.points[key] = cpu
    for pattern in results.patterns:
        threads = shown_threads(answer.thread_counts(pattern))
        if threads is not None:
            answer.threads[pattern] = threads
    return answer


@dataclass
class Behind:
    """A mode the verdicts put behind the leader at a profiled point, and
    what its busy CPU time holds more of than the leader's."""
    size: int
    asked: Asked                                  # the mode against the leader
    more: list = field(default_factory=list)      # [(category, its share, the leader's)]
    cost: float = None                            # its busy ns/byte over the leader's

    @property
    def mode(self):
        return self.asked.a

    @property
    def leader(self):
        return self.asked.b


def behind_leaders(analysis, profile, pattern):
    """One Behind per mode decided behind the leader, at every profiled size
    of the pattern at its shown thread count, in size then rank order."""
    threads = profile.threads.get(pattern)
    out = []
    for size in profile.sizes(pattern, threads) if threads else []:
        best = analysis.best.get(pattern, {}).get((size, threads))
        if best is None:
            continue
        lead = profile.at(pattern, best.leader, size, threads)
        for asked in best.others:
            cpu = profile.at(pattern, asked.a, size, threads)
            if asked.verdict.kind != SLOWER or cpu is None or lead is None:
                continue
            out.append(Behind(size, asked, _more_than(cpu, lead), _cost_ratio(cpu, lead)))
    return out


def _more_than(cpu, other):
    """[(category, share, other's share)] where cpu's busy share exceeds
    other's by SHARE_STEP or more, the largest excess first."""
    more = [(c, v, other.busy.get(c, 0.0)) for c, v in cpu.busy.items()
            if v - other.busy.get(c, 0.0) >= SHARE_STEP]
    return sorted(more, key=lambda m: m[2] - m[1])


def _cost_ratio(cpu, other):
    a, b = cpu.busy_ns_per_byte, other.busy_ns_per_byte
    return a / b if a is not None and b else None


@dataclass
class CategoryChange:
    """One category's busy share at the fewest and the most threads over
    the mode and size pairs profiled at both."""
    category: str
    low: float                  # median share at the fewest threads
    high: float                 # median share at the most
    step: float                 # median of the pairs' changes
    up: int                     # pairs where it rose
    down: int                   # pairs where it fell
    per_byte: float = None      # median ratio of its ns/byte, most over fewest


@dataclass
class CpuScaling:
    """What grows with threads in a pattern's profile."""
    pattern: str
    low: int = None             # fewest profiled threads
    high: int = None            # most profiled threads
    pairs: int = 0              # mode and size pairs profiled at both
    idle: CategoryChange = None  # the idle share of all the sampled time
    changes: list = field(default_factory=list)   # CategoryChange per busy category

    @property
    def measured(self):
        return self.pairs > 0

    @property
    def grew(self):
        """The categories whose share rose by SHARE_STEP or more, most first."""
        return sorted((c for c in self.changes if c.step >= SHARE_STEP), key=lambda c: -c.step)

    @property
    def fell(self):
        return sorted((c for c in self.changes if c.step <= -SHARE_STEP), key=lambda c: c.step)


def cpu_scaling(profile, pattern):
    """The pattern's CpuScaling: every mode and size profiled at both the
    fewest and the most threads, each category's busy share compared."""
    threads = profile.thread_counts(pattern)
    answer = CpuScaling(pattern)
    if len(threads) < 2:
        return answer
    answer.low, answer.high = threads[0], threads[-1]
    pairs = [(profile.points[k], profile.at(pattern, k[1], k[2], answer.high))
             for k in sorted(profile.points) if k[0] == pattern and k[3] == answer.low]
    pairs = [(a, b) for a, b in pairs if b is not None]
    answer.pairs = len(pairs)
    if not pairs:
        return answer
    answer.idle = _change(IDLE_CATEGORY, [(a.idle, b.idle) for a, b in pairs], [])
    for c in profile.busy_categories:
        answer.changes.append(_change(
            c, [(a.busy.get(c, 0.0), b.busy.get(c, 0.0)) for a, b in pairs],
            [(a.ns_per_byte.get(c), b.ns_per_byte.get(c)) for a, b in pairs]))
    return answer


def _change(category, shares, per_byte):
    """A CategoryChange from (fewest, most) shares and ns/byte of each pair."""
    steps = [b - a for a, b in shares]
    ratios = [b / a for a, b in per_byte if a and b is not None]
    return CategoryChange(category, median([a for a, _ in shares]),
                          median([b for _, b in shares]), median(steps),
                          sum(1 for s in steps if s > 0), sum(1 for s in steps if s < 0),
                          median(ratios))


@dataclass
class MissDrop:
    """A mode's LLC misses per KiB against the baseline's at one point: the
    part (a profile category, or a side) where they drop most."""
    mode: str
    size: int
    part: str                   # the part's label
    baseline: float             # the baseline's misses per KiB in that part
    value: float                # the mode's
    baseline_total: float       # over every part
    total: float

    @property
    def drop(self):
        return self.baseline - self.value


@dataclass
class CacheAnswer:
    """Which part's LLC misses drop most against the baseline, per mode and
    size, in the study's pattern at one thread count; `source` says what
    the parts are ("profile": categories, "sides": sender and receiver,
    None: no LLC counter in the run)."""
    source: str = None
    threads: int = None
    drops: list = field(default_factory=list)     # MissDrop, by mode then size


def _miss_parts(results, profile):
    """(source, [(label, counter)]): the profile's categories where their
    LLC misses were sampled, else the sides' counters, else (None, [])."""
    parts = [(profile.label(c), profile_counter(c, "llc_misses_per_kb"))
             for c in profile.busy_categories]
    if any(results.has_counter(counter, STUDY_PATTERN) for _, counter in parts):
        return "profile", parts
    sides = [(results.counter_label(c), c) for c in ("tx_llc_misses_per_kb",
                                                      "rx_llc_misses_per_kb")]
    if results.has_counter(sides[0][1], STUDY_PATTERN):
        return "sides", sides
    return None, []


def cache_answer(results, profile):
    """The study's cache question, answered where LLC misses were counted."""
    source, parts = _miss_parts(results, profile)
    answer = CacheAnswer(source)
    if source is None or BASELINE_MODE not in results.modes:
        return answer
    answer.threads = (profile.threads.get(STUDY_PATTERN) if source == "profile"
                      else results.reference_threads(STUDY_PATTERN))
    for mode in results.modes:
        for size in results.sizes(STUDY_PATTERN) if mode != BASELINE_MODE else []:
            base = results.point(STUDY_PATTERN, BASELINE_MODE, size, answer.threads)
            this = results.point(STUDY_PATTERN, mode, size, answer.threads)
            drop = _largest_drop(mode, size, base, this, parts) if base and this else None
            if drop:
                answer.drops.append(drop)
    return answer


def _largest_drop(mode, size, base, this, parts):
    """The MissDrop of the part whose misses drop most (or rise least),
    None when no part was measured at both points."""
    measured = [(label, base.value(c), this.value(c)) for label, c in parts
                if base.value(c) is not None and this.value(c) is not None]
    if not measured:
        return None
    label, b, v = max(measured, key=lambda m: m[1] - m[2])
    return MissDrop(mode, size, label, b, v, sum(m[1] for m in measured),
                    sum(m[2] for m in measured))
