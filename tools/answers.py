"""The questions the reference study asked, answered from a run's numbers.

Every answer is a small record holding the numbers behind it; report.py turns
records into sentences. "A beats B" compares medians over repetitions; a win
whose repetition ranges overlap is kept but marked as within noise.
"""
from dataclasses import dataclass, field

from netbench_results import NOTIFIED_MODES, median


@dataclass
class Comparison:
    """Mode a against mode b at one size (or one grid point)."""
    size: int
    a: float              # median of a
    b: float              # median of b
    a_range: tuple
    b_range: tuple
    higher_is_better: bool = True

    @property
    def ratio(self):
        return self.a / self.b if self.b else float("inf")

    @property
    def beats(self):
        return self.a > self.b if self.higher_is_better else self.a < self.b

    @property
    def clearly_behind(self):
        """a loses and every repetition of b beats every repetition of a."""
        return not self.beats and self.separated

    @property
    def separated(self):
        """True when every repetition of the winner beats every one of the loser."""
        if self.higher_is_better:
            return self.a_range[0] > self.b_range[1] or self.b_range[0] > self.a_range[1]
        return self.a_range[1] < self.b_range[0] or self.b_range[1] < self.a_range[0]


@dataclass
class Crossover:
    """The smallest size at which `mode` beats `baseline` and is not clearly
    behind at any larger size (a loss within noise does not undo a crossover;
    a loss where every repetition is behind does)."""
    mode: str
    baseline: str
    threads: int
    missing: list = field(default_factory=list)  # modes not in this run
    comparisons: list = field(default_factory=list)
    size: int = None         # the crossover size, None for "never"
    early_wins: list = field(default_factory=list)  # wins below a later clear loss
    noisy_losses: list = field(default_factory=list)  # losses within noise above the crossover

    @property
    def measured(self):
        return not self.missing and bool(self.comparisons)

    @property
    def never(self):
        return self.measured and self.size is None

    @property
    def sizes(self):
        return [c.size for c in self.comparisons]


def _comparison(results, pattern, counter, mode_a, mode_b, size, threads,
                higher_is_better=True):
    pa = results.point(pattern, mode_a, size, threads)
    pb = results.point(pattern, mode_b, size, threads)
    if not pa or not pb or pa.value(counter) is None or pb.value(counter) is None:
        return None
    return Comparison(size, pa.value(counter), pb.value(counter),
                      pa.spread(counter), pb.spread(counter), higher_is_better)


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
                  if c.beats and not any(d.clearly_behind for d in comps[i + 1:])), len(comps))
    if first < len(comps):
        answer.size = comps[first].size
        answer.noisy_losses = [c.size for c in comps[first + 1:] if not c.beats]
    answer.early_wins = [c.size for c in comps[:first] if c.beats]
    return answer


def crossovers(results, mode, baseline, pattern="Stream"):
    """crossover() at every thread count of the run: {threads: Crossover}."""
    return {t: crossover(results, mode, baseline, t, pattern)
            for t in results.threads(pattern)}


@dataclass
class Best:
    """The best mode at one grid point of a pattern, and its runner-up."""
    size: int
    threads: int
    counter: str
    mode: str
    value: float
    runner_up: str = None
    runner_up_value: float = None
    separated: bool = False   # every repetition of the best beats every one of the runner-up

    @property
    def decided(self):
        return self.separated

    @property
    def margin(self):
        """How much better than the runner-up, as a ratio >= 1."""
        if self.runner_up_value is None or not self.value or not self.runner_up_value:
            return None
        return max(self.value, self.runner_up_value) / min(self.value, self.runner_up_value)


def best_counter(pattern):
    """(counter, higher_is_better) that ranks modes for a pattern."""
    return ("Gbps", True) if pattern == "Stream" else ("rtt_p50_us", False)


def best_modes(results, pattern):
    """{(size, threads): Best} over the modes present at each point."""
    counter, higher = best_counter(pattern)
    if not results.has_counter(counter, pattern):
        counter, higher = "Gbps", True
    out = {}
    for size in results.sizes(pattern):
        for threads in results.threads(pattern):
            ranked = []
            for mode in results.modes:
                p = results.point(pattern, mode, size, threads)
                if p and p.value(counter) is not None:
                    ranked.append((p.value(counter), mode, p.spread(counter)))
            if not ranked:
                continue
            ranked.sort(key=lambda r: -r[0] if higher else r[0])
            best = Best(size, threads, counter, ranked[0][1], ranked[0][0])
            if len(ranked) > 1:
                best.runner_up, best.runner_up_value = ranked[1][1], ranked[1][0]
                lo_best, hi_best = ranked[0][2]
                lo_next, hi_next = ranked[1][2]
                best.separated = lo_best > hi_next if higher else hi_best < lo_next
            out[(size, threads)] = best
    return out


@dataclass
class Scaling:
    """Throughput at the most threads over throughput at the fewest."""
    low: int                # fewest threads in the run
    high: int               # most threads considered (8 if run)
    ratios: dict = field(default_factory=dict)   # (mode, size) -> (ratio, gbps_low, gbps_high)

    @property
    def measured(self):
        return bool(self.ratios) and self.low != self.high

    def extreme(self, pick):
        key = pick(self.ratios, key=lambda k: self.ratios[k][0])
        return key, self.ratios[key]

    def median_ratio(self):
        return median([r[0] for r in self.ratios.values()])

    def mode_median(self, mode):
        return median([r[0] for (m, _), r in self.ratios.items() if m == mode])


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
            a = results.value(pattern, mode, size, low, counter)
            b = results.value(pattern, mode, size, high, counter)
            if a and b is not None:
                answer.ratios[(mode, size)] = (b / a, a, b)
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
    modes = list(NOTIFIED_MODES) + [m for m in results.modes if m not in NOTIFIED_MODES and
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
