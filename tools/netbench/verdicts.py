"""Verdicts: comparisons of two modes as speed ratios with intervals, decided
for a whole report at once. Pure functions, no I/O.

A comparison of A against B on one metric works on the log speed ratio
theta = ln(speed_A / speed_B), where speed is the metric itself when higher
is better and its inverse when lower is better (a round trip). Logs make a
ratio symmetric (A/B and B/A are theta and -theta) and turn the machine's
multiplicative drift into an additive one that pairing removes.

- Paired (blocked rounds: every mode of a point run once per round, in a
  seeded random order): d_r = the log ratio within round r, over the rounds
  where both have a value; theta = mean(d), SE = sd(d)/sqrt(n), a t interval
  with n-1 degrees of freedom. The round's own state of the machine cancels.
- Unpaired (no blocks: plain repetitions, or two different points): Welch's
  t interval on the two sides' log values.

Each comparison has two p-values: p_diff, the two-sided t test of theta = 0,
and p_eq, equivalence within +-delta: 2 x the larger of the two one-sided
tests against +-ln(1+delta) (capped at 1). The factor 2 makes "p_eq <= a"
exactly "the two-sided 1-a interval lies inside [-ln(1+delta), ln(1+delta)]",
as "p_diff <= a" is exactly "the 1-a interval excludes 0".

Sequential sampling (tools/run) looks at a point after each stage of
SCHEDULE and stops when its questions are decided: optional stopping. The
final verdicts stay valid by a union bound over the looks: each p-value is
multiplied by K, the most looks the schedule allows (a run made without the
sampler, a single look, has K = 1). Whatever rule chose the stopping look,
P(K x p at that look <= x) <= sum over looks of P(p <= x/K) <= x. Two points
compared with each other (threads against threads) were each stopped on
their own, so such a comparison takes K x K.

Multiplicity over the report: Benjamini-Hochberg at level q over all 2m
adjusted p-values (both of every comparison) gives the threshold
T = R q / (2m), R the number of rejections (R = 0: T = q / (2m)). A
comparison is faster/slower iff K p_diff <= T, equivalent iff K p_eq <= T,
and every interval printed is the 1 - T/K interval: the verdict and its
interval never contradict. When both hold, the verdict is "equivalent" (the
difference is real but within the margin). BH's guarantee assumes the
p-values independent or positively dependent; the comparisons of one point
share modes (the leader is in all of its best-mode comparisons), so over a
report it is an approximation. verdicts_test.py checks the whole procedure
on one comparison, where it holds.
"""
import math
import statistics
from dataclasses import dataclass, replace

from scipy.special import stdtr, stdtrit

# The report's false discovery rate (Benjamini-Hochberg's q).
Q = 0.05
# delta: two modes within +-3% of each other are "equivalent" (tools --margin).
DEFAULT_MARGIN = 0.03

# Cumulative rounds after which the sampler looks at a point. Each step is
# about sqrt(2): a point stops at most ~40% past the rounds it needed, and the
# union bound costs K = 8. Simulated against doubling (4, 8, 16, 32; K = 4),
# steps of 1.5, Fibonacci steps and a look after every round (K = 30), with a
# true 5% difference at 2% per-round noise, equivalence at 1% and 2%, and
# 10% at 5%, this schedule needed the fewest rounds on average in every case
# (6.9 against 7.5 for doubling at 5%/2%; 13.2 against 14.4 at 0%/2%): the
# union bound's cost grows slowly with K (the critical t value like
# sqrt(ln K)) while the overshoot grows with the step. The first look at 3
# rounds decides only the large differences (1 KiB OneCopy against TwoCopy).
# 32 rounds of 7 modes (about 80 s at a 0.2 s window) is some 4 points'
# average share of a default budget: as far as the time decided points leave
# can carry one point.
SCHEDULE = (3, 4, 6, 8, 11, 16, 22, 32)
LOOKS = len(SCHEDULE)

FASTER, SLOWER, EQUIVALENT, UNDECIDED = "faster", "slower", "equivalent", "undecided"


def parse_margin(text):
    """--margin's value: a fraction in (0, 1), e.g. 0.03 for +-3%. Raises
    ValueError with a one-line message."""
    try:
        margin = float(text)
    except ValueError:
        margin = None
    if margin is None or not 0 < margin < 1:
        raise ValueError("--margin=%s: not a fraction between 0 and 1 (0.03 is ±3%%)" % text)
    return margin


def provisional_threshold(q=Q):
    """The threshold the sampler decides a point at before the report's T is
    known: q/4. BH gives T = R q / (2m); a comparison decided one way rejects
    at least one of its two p-values, so once half of the report's m
    comparisons are decided, R >= m/2 and T >= q/4: a point stopped as
    decided stays decided in the report. q/2, what T is when every comparison
    is decided, would leave points that the final T undecides; the lower
    threshold costs ~13% more rounds."""
    return q / 4


def next_rounds(done):
    """The schedule's next cumulative round count after `done`, or None at
    its end."""
    return next((n for n in SCHEDULE if n > done), None)


def stop_reason(rounds, decided, failed):
    """The sampler's stopping rule: why a point stops after a look at
    `rounds` rounds, or None to run its next stage when the budget allows:
    "failed" (a benchmark failed: more rounds would repeat it), "decided"
    (every question of the point), or "schedule end". A point the budget
    ends before is "budget" (tools/netbench/sweep.py)."""
    if failed:
        return "failed"
    if decided:
        return "decided"
    if next_rounds(rounds) is None:
        return "schedule end"
    return None


def rounds_to_decide(verdict, rounds, margin=DEFAULT_MARGIN):
    """About how many rounds in all `verdict`'s comparison needs to be
    decided, from its interval at `rounds` rounds: an interval narrows as
    1/sqrt(rounds), and it decides once its half-width is below the larger
    of |theta| (a difference) and ln(1 + margin) - |theta| (equivalence).
    The t quantile falls as rounds grow, so this errs long. Infinite when
    the comparison has no estimate or no spread to project from."""
    if verdict.decided:
        return rounds
    if not verdict.estimate or verdict.low is None or verdict.high is None:
        return math.inf
    half = (verdict.high - verdict.low) / 2
    theta = abs(verdict.estimate.theta)
    needed = max(theta, math.log1p(margin) - theta)
    if half <= 0 or needed <= 0:
        return math.inf
    return rounds * (half / needed) ** 2


def log_speed(value, higher_is_better):
    """ln(speed): speed is the value when higher is better, else 1/value.
    None for a value that is not positive (no speed to take a log of)."""
    if value is None or value <= 0:
        return None
    return math.log(value) if higher_is_better else -math.log(value)


@dataclass(frozen=True)
class Estimate:
    """theta (the mean log speed ratio), its standard error and degrees of
    freedom, over n rounds (paired) or the smaller side (unpaired)."""
    theta: float
    se: float
    df: float
    n: int
    paired: bool

    def flipped(self):
        return replace(self, theta=-self.theta)


def paired_estimate(a_by_round, b_by_round, higher_is_better):
    """A against B from blocked rounds ({round: value} each), over the rounds
    where both have a value; None with fewer than 2 such rounds."""
    diffs = []
    for r in sorted(set(a_by_round) & set(b_by_round)):
        a = log_speed(a_by_round[r], higher_is_better)
        b = log_speed(b_by_round[r], higher_is_better)
        if a is not None and b is not None:
            diffs.append(a - b)
    n = len(diffs)
    if n < 2:
        return None
    return Estimate(statistics.fmean(diffs), statistics.stdev(diffs) / math.sqrt(n),
                    n - 1, n, True)


def unpaired_estimate(a_values, b_values, higher_is_better):
    """A against B from unpaired samples: Welch's t on the log speeds; None
    with fewer than 2 values on a side."""
    a = [x for x in (log_speed(v, higher_is_better) for v in a_values) if x is not None]
    b = [x for x in (log_speed(v, higher_is_better) for v in b_values) if x is not None]
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    se = math.sqrt(va + vb)
    if se > 0:
        df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    else:
        df = len(a) + len(b) - 2
    return Estimate(statistics.fmean(a) - statistics.fmean(b), se, df,
                    min(len(a), len(b)), False)


def margin_bound(margin):
    """The equivalence margin on theta: +-ln(1 + delta)."""
    return math.log1p(margin)


def p_difference(e):
    """Two-sided t test of theta = 0."""
    if e.se == 0:
        return 0.0 if e.theta != 0 else 1.0
    return float(min(1.0, 2 * stdtr(e.df, -abs(e.theta) / e.se)))


def p_equivalence(e, margin):
    """2 x the larger of the one-sided tests of theta <= -bound and
    theta >= +bound, capped at 1 (two one-sided tests, doubled so that
    p_eq <= a is the 1-a interval lying inside the margin)."""
    bound = margin_bound(margin)
    if e.se == 0:
        return 0.0 if abs(e.theta) < bound else 1.0
    below = stdtr(e.df, -(e.theta + bound) / e.se)    # P(T >= t) of theta <= -bound
    above = stdtr(e.df, (e.theta - bound) / e.se)      # P(T <= t) of theta >= +bound
    return float(min(1.0, 2 * max(below, above)))


def interval(e, alpha):
    """The two-sided 1 - alpha t interval on theta."""
    half = 0.0 if e.se == 0 else -float(stdtrit(e.df, alpha / 2)) * e.se
    return e.theta - half, e.theta + half


# Beyond e^50 a percentage says nothing more (and math.expm1 overflows near
# e^710): an interval from two rounds at a small level can reach that far.
_THETA_SHOWN = 50.0


def percent(theta):
    """A log speed ratio as a percentage of the speed ratio: ln(1.05) -> 5.0."""
    return 100 * math.expm1(max(-_THETA_SHOWN, min(theta, _THETA_SHOWN)))


@dataclass(frozen=True)
class Verdict:
    """How one comparison ends, with its effect and the interval that goes
    with the verdict (level 1 - T/K). `difference` names the direction the
    data also decide when the verdict is "equivalent" (within the margin,
    yet distinguishable), else None. `estimate` is None when untestable."""
    kind: str
    estimate: Estimate = None
    low: float = None
    high: float = None
    level: float = None
    margin: float = DEFAULT_MARGIN
    difference: str = None

    @property
    def decided(self):
        return self.kind != UNDECIDED

    @property
    def effect(self):
        """The speed ratio's change in percent (A 5% faster: 5.0), or None."""
        return percent(self.estimate.theta) if self.estimate else None

    @property
    def interval(self):
        """(low, high) in percent of the speed ratio, or None."""
        return (percent(self.low), percent(self.high)) if self.estimate else None

    def flipped(self):
        """The same verdict read as B against A."""
        swap = {FASTER: SLOWER, SLOWER: FASTER}
        if not self.estimate:
            return self
        return replace(self, kind=swap.get(self.kind, self.kind),
                       estimate=self.estimate.flipped(), low=-self.high, high=-self.low,
                       difference=swap.get(self.difference))


@dataclass
class Comparison:
    """One question of a report: A against B, with what the sampler's looks
    cost it (K within a point, K x K across points)."""
    estimate: Estimate = None
    looks: int = 1
    verdict: Verdict = None

    def adjusted(self, margin):
        """(K p_diff, K p_eq), capped at 1; None when untestable."""
        if self.estimate is None:
            return None
        return (min(1.0, self.looks * p_difference(self.estimate)),
                min(1.0, self.looks * p_equivalence(self.estimate, margin)))

    def decide(self, margin, threshold):
        """The verdict at threshold T: faster/slower iff K p_diff <= T,
        equivalent iff K p_eq <= T (equivalence wins when both hold); the
        interval at level 1 - T/K."""
        p = self.adjusted(margin)
        if p is None:
            self.verdict = Verdict(UNDECIDED, margin=margin)
            return self.verdict
        alpha = threshold / self.looks
        low, high = interval(self.estimate, alpha)
        direction = FASTER if self.estimate.theta > 0 else SLOWER
        different = p[0] <= threshold
        if p[1] <= threshold:
            kind = EQUIVALENT
        else:
            kind = direction if different else UNDECIDED
        self.verdict = Verdict(kind, self.estimate, low, high, 1 - alpha, margin,
                               direction if different and kind == EQUIVALENT else None)
        return self.verdict


def bh_threshold(p_values, q=Q):
    """Benjamini-Hochberg's threshold over all p-values: T = R q / M for the
    largest R with p_(R) <= R q / M; q / M when nothing is rejected. Rejecting
    every p <= T is exactly BH's set of rejections."""
    ranked = sorted(p_values)
    m = len(ranked)
    if not m:
        return q
    rejected = max((i for i, p in enumerate(ranked, 1) if p <= i * q / m), default=0)
    return max(rejected, 1) * q / m


def decide_all(comparisons, margin=DEFAULT_MARGIN, q=Q, threshold=None):
    """Decides every comparison at one threshold: `threshold` if given (the
    sampler's provisional one), else BH's over all their adjusted p-values.
    Returns the threshold used."""
    if threshold is None:
        p_values = [p for c in comparisons for p in (c.adjusted(margin) or ())]
        threshold = bh_threshold(p_values, q)
    for c in comparisons:
        c.decide(margin, threshold)
    return threshold
