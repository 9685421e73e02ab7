"""UDP's questions, answered from a run's numbers as verdicts (verdicts.py);
udp_report.py turns them into the report's UDP section.

A UDP point's pattern carries its receive mode ("UdpStream rx=gro",
results.parse_name), so the modes of one receive mode compare within one
point, paired over its rounds; two receive modes are two points, sampled
apart, compared unpaired at K x K looks (as answers.py's thread scaling).

- Savings per delivered byte (cpu_ns_per_delivered_byte: sender and
  receiver CPU over the bytes that arrived), in UdpStream: batching,
  GSO, receive batching and GRO, each against one datagram per sendmsg()
  received with recvmsg(), per size and thread count.
- Zero-copy for GSO sends: each zero-copy mode against the same send
  without it, on CPU per delivered byte and on delivered throughput, at
  every receive mode, size and thread count, with its copied ratio.
- Loss: udp_loss_share per pattern, mode, size and thread count, where it
  first exceeds LOSS_BEGINS and where none was lost. Measured shares, not
  verdicts: whether loss begins is a threshold on one point, not a
  comparison of two.
Every comparison joins the report's family (answers.Family), so one
Benjamini-Hochberg threshold holds over TCP's questions and UDP's.
"""
from dataclasses import dataclass, field

from .results import median, split_pattern
from .verdicts import EQUIVALENT, FASTER, SLOWER, paired_estimate, unpaired_estimate

STREAM = "UdpStream"
COST = "cpu_ns_per_delivered_byte"
THROUGHPUT = "Gbps"
LOSS = "udp_loss_share"
REORDER = "udp_reorder_share"
TX_PER_CALL = "tx_datagrams_per_call"
RX_PER_CALL = "rx_datagrams_per_call"
COPIED = "zc_copied_ratio"
# What every saving is measured against: one datagram per sendmsg(), one
# per recvmsg().
BASE_MODE = "UdpSendmsg"
BASE_RX = "recvmsg"
# (what, send mode, receive mode): each mechanism alone, and GSO with GRO,
# the pair that moves the most datagrams per call on both sides.
SAVINGS = [("batching (sendmmsg)", "UdpSendmmsg", "recvmsg"),
           ("GSO (UDP_SEGMENT)", "UdpGso", "recvmsg"),
           ("receive batching (recvmmsg)", "UdpSendmsg", "recvmmsg"),
           ("GRO (UDP_GRO)", "UdpSendmsg", "gro"),
           ("GSO with GRO", "UdpGso", "gro")]
# (zero-copy mode, the same send without zero-copy).
ZERO_COPY = [("UdpGsoZeroCopy", "UdpGso"), ("UdpUringGsoZeroCopy", "UdpUringGso")]
# Loss above this share of datagrams (0.1%) is where loss begins.
LOSS_BEGINS = 0.001
# A copied ratio at least this high is "every send copied" in effect.
NEARLY_ALL_COPIED = 0.99


def receive_mode(pattern):
    """'UdpStream rx=gro' -> 'gro'; None for a pattern without one."""
    return split_pattern(pattern)[1].get("rx")


def group_of(pattern):
    """The pattern without its receive mode: 'UdpStream rx=gro' ->
    'UdpStream' (any other dimension, e.g. a rate, kept)."""
    base, dimensions = split_pattern(pattern)
    return " ".join([base] + ["%s=%s" % d for d in dimensions.items() if d[0] != "rx"])


def pattern_of(results, group, rx):
    """The run's pattern of a group and receive mode (the inverse of
    group_of, whatever order the name gave its dimensions), or None."""
    return next((p for p in results.patterns
                 if group_of(p) == group and receive_mode(p) == rx), None)


def _estimator(results, points, counter, higher, paired):
    """estimate(x, y) for the family: x's point against y's on counter,
    paired over blocked rounds when asked and possible, else unpaired."""
    def estimate(x, y):
        px, py = points[x], points[y]
        if paired and results.blocked:
            return paired_estimate(px.rounds(counter), py.rounds(counter), higher)
        return unpaired_estimate(px.samples(counter), py.samples(counter), higher)
    return estimate


def ask_within(analysis, pattern, size, threads, counter, mode, other):
    """`mode` against `other` at one point on counter (paired), or None
    when either did not run there or the run gives the counter no
    direction. On the pattern's main counter it is the very comparison the
    best-mode question asks, so the family holds it once."""
    results = analysis.results
    points = {m: results.point(pattern, m, size, threads) for m in (mode, other)}
    better = results.better(counter)
    if None in points.values() or better is None:
        return None
    main = counter == results.main_counter(pattern)
    where = (pattern, size, threads) if main else (counter, pattern, size, threads)
    return analysis.family.ask(where, mode, other,
                               _estimator(results, points, counter, better == "higher", True),
                               analysis.looks)


def ask_across(analysis, group, size, threads, counter, this, base):
    """(mode, rx) `this` against (mode, rx) `base` on counter, across two
    receive modes of a group: two points, unpaired, K x K looks; within one
    receive mode, ask_within. None when either did not run."""
    results = analysis.results
    if this[1] == base[1]:
        return ask_within(analysis, pattern_of(results, group, this[1]), size, threads,
                          counter, this[0], base[0])
    points = {k: results.point(pattern_of(results, group, k[1]), k[0], size, threads)
              for k in (this, base)}
    better = results.better(counter)
    if None in points.values() or better is None:
        return None
    return analysis.family.ask(
        (counter, group, size, threads), this, base,
        _estimator(results, points, counter, better == "higher", False),
        analysis.looks * analysis.looks)


@dataclass
class Saving:
    """One mechanism against one datagram per sendmsg() and recvmsg() at
    one size and thread count: medians and the verdict on CPU per delivered
    byte (faster = cheaper)."""
    what: str
    mode: str
    rx: str
    size: int
    threads: int
    base: object        # Point: UdpSendmsg, rx=recvmsg
    point: object       # Point: the mechanism's
    asked: object       # Asked: the mechanism against the base
    group: str = STREAM  # the pattern without rx ("UdpStream rate=1G")

    @property
    def ratio(self):
        """The mechanism's median CPU per delivered byte over the base's."""
        a, b = self.point.value(COST), self.base.value(COST)
        return a / b if a is not None and b else None


@dataclass
class ZeroCopy:
    """A zero-copy GSO mode against the same send without it at one point:
    CPU per delivered byte and delivered throughput, and its copied ratio."""
    mode: str
    plain: str
    pattern: str
    size: int
    threads: int
    cost: object        # Asked on COST, or None
    throughput: object  # Asked on THROUGHPUT, or None
    copied: float = None

    @property
    def outcome(self):
        """"pays" (cheaper per delivered byte, throughput not lower),
        "does not pay" (neither cheaper nor faster: each dearer, slower or
        equivalent), "mixed" (better on one, worse on the other) or
        "not decided"."""
        kinds = [a.verdict.kind if a else None for a in (self.cost, self.throughput)]
        if None in kinds:
            return "not decided"
        if kinds[0] == FASTER and kinds[1] in (FASTER, EQUIVALENT):
            return "pays"
        if all(k in (SLOWER, EQUIVALENT) for k in kinds):
            return "does not pay"
        if set(kinds) == {FASTER, SLOWER}:
            return "mixed"
        return "not decided"


@dataclass
class LossPoint:
    """udp_loss_share at one point: median and range over its runs."""
    size: int
    threads: int
    median: float
    low: float
    high: float

    @property
    def lossy(self):
        return self.median > LOSS_BEGINS

    @property
    def lossless(self):
        """No datagram lost in any run."""
        return self.high == 0


@dataclass
class Loss:
    """One pattern's mode: its LossPoints, sizes ascending within thread
    counts."""
    pattern: str
    mode: str
    points: list = field(default_factory=list)

    def onset(self, threads):
        """The smallest size at a thread count where loss exceeds
        LOSS_BEGINS, or None."""
        return next((p.size for p in self.points if p.threads == threads and p.lossy), None)

    @property
    def threads(self):
        return sorted({p.threads for p in self.points})


@dataclass
class UdpAnswers:
    savings: list = field(default_factory=list)     # Saving, by size, threads, SAVINGS order
    zero_copy: list = field(default_factory=list)   # ZeroCopy, by pair, pattern, size, threads
    loss: list = field(default_factory=list)        # Loss, by pattern then mode

    @property
    def asked(self):
        return bool(self.savings or self.zero_copy or self.loss)


def udp_patterns(results):
    """The run's UDP patterns (those of UDP modes), in its order."""
    return [p for p in results.patterns
            if any(k[0] == p and results.transport(k[1]) == "udp" for k in results.points)]


def ask(analysis):
    """Asks every UDP question of the run in the analysis's family."""
    results = analysis.results
    patterns = udp_patterns(results)
    answer = UdpAnswers()
    if not patterns:
        return answer
    answer.savings = _savings(analysis, patterns)
    answer.zero_copy = _zero_copy(analysis, patterns)
    answer.loss = _loss(results, patterns)
    return answer


def _savings(analysis, patterns):
    results = analysis.results
    out = []
    groups = dict.fromkeys(group_of(p) for p in patterns if split_pattern(p)[0] == STREAM)
    for group in groups:
        base_pattern = pattern_of(results, group, BASE_RX)
        for size in results.sizes(base_pattern) if base_pattern else []:
            for threads in results.threads(base_pattern):
                base = results.point(base_pattern, BASE_MODE, size, threads)
                for what, mode, rx in SAVINGS if base else []:
                    asked = ask_across(analysis, group, size, threads, COST, (mode, rx),
                                       (BASE_MODE, BASE_RX))
                    if asked is not None:
                        point = results.point(pattern_of(results, group, rx), mode, size,
                                              threads)
                        out.append(Saving(what, mode, rx, size, threads, base, point, asked,
                                          group))
    return out


def _zero_copy(analysis, patterns):
    results = analysis.results
    out = []
    for mode, plain in ZERO_COPY:
        for pattern in (p for p in patterns if split_pattern(p)[0] == STREAM):
            for size in results.sizes(pattern):
                for threads in results.threads(pattern):
                    point = results.point(pattern, mode, size, threads)
                    if point is None or results.point(pattern, plain, size, threads) is None:
                        continue
                    out.append(ZeroCopy(
                        mode, plain, pattern, size, threads,
                        ask_within(analysis, pattern, size, threads, COST, mode, plain),
                        ask_within(analysis, pattern, size, threads, THROUGHPUT, mode, plain),
                        point.value(COPIED)))
    return out


def _loss(results, patterns):
    out = []
    for pattern in patterns:
        for mode in results.modes:
            loss = Loss(pattern, mode)
            for threads in results.threads(pattern):
                for size in results.sizes(pattern):
                    p = results.point(pattern, mode, size, threads)
                    s = p.samples(LOSS) if p else []
                    if s:
                        loss.points.append(LossPoint(size, threads, median(s), min(s), max(s)))
            if loss.points:
                out.append(loss)
    return out


# --rate's points: "0" is unpaced (as fast as the sender can), the others
# bits/s with decimal suffixes (net_bench's RateText).
_RATE_UNITS = {"K": 1e3, "M": 1e6, "G": 1e9}


def rate_bits(text):
    """'1G' -> 1e9, '500M' -> 5e8, '0' -> inf (unpaced); None if not a rate."""
    try:
        if text and text[-1] in _RATE_UNITS:
            return float(text[:-1]) * _RATE_UNITS[text[-1]]
        value = float(text)
    except (TypeError, ValueError):
        return None
    return float("inf") if value == 0 else value


def loss_by_rate(loss):
    """{(pattern without its rate, mode): {(size, threads): [(bits/s,
    rate text, LossPoint), ...] by rate}} for the patterns that carry a
    rate, so that where loss begins reads along the rates."""
    out = {}
    for entry in loss:
        base, dims = split_pattern(entry.pattern)
        bits = rate_bits(dims.get("rate"))
        if bits is None:
            continue
        rest = " ".join([base] + ["%s=%s" % d for d in dims.items() if d[0] != "rate"])
        for p in entry.points:
            out.setdefault((rest, entry.mode), {}).setdefault((p.size, p.threads), []).append(
                (bits, dims["rate"], p))
    for by_point in out.values():
        for rates in by_point.values():
            rates.sort(key=lambda r: r[0])
    return out


def copied_overall(zero_copy, mode):
    """(median, lowest, highest) copied ratio of a mode over its points, or
    None when not measured."""
    values = [z.copied for z in zero_copy if z.mode == mode and z.copied is not None]
    return (median(values), min(values), max(values)) if values else None
