"""The report's UDP section, from udp.py's answers: what batching, GSO and
GRO save per delivered byte, whether zero-copy pays for GSO sends, and
where loss begins. Present only when the run holds UDP benchmarks.

Savings are worded as costs, since the question is what a mechanism saves:
a verdict's log speed ratio theta (speed = 1 / CPU per delivered byte) is
the cost ratio exp(-theta), printed as *saves X%* (1 - exp(-theta)) or
*costs X% more* (exp(-theta) - 1), its interval mapped the same way, so a
verdict and its interval still never disagree.
"""
import math

from . import answers
from . import udp
from . import wording
from .results import format_number as num, format_size, plural
from .verdicts import EQUIVALENT, FASTER, SLOWER, UNDECIDED


def _cost_change(theta):
    """The change of cost in percent for a log speed ratio: ln(2) -> -50."""
    return 100 * math.expm1(-max(-50.0, min(theta, 50.0)))


def cost_verdict_text(v):
    """A verdict on CPU per delivered byte as a saving: 'saves 50% [48%,
    52%]', 'costs 10% more [8.1%, 12%]', 'equivalent within ±3% (cost
    -0.4% [-1.9%, +1.2%])', 'not decided, cost +1.0% [-2.1%, +4.0%]'."""
    if v.estimate is None:
        return "not decided (fewer than 2 runs to compare)"
    theta, low, high = v.estimate.theta, v.low, v.high
    pct = wording.percent
    if v.kind == FASTER:
        return "saves %s [%s, %s]" % (pct(-_cost_change(theta), False),
                                      pct(-_cost_change(low), False),
                                      pct(-_cost_change(high), False))
    if v.kind == SLOWER:
        return "costs %s more [%s, %s]" % (pct(_cost_change(theta), False),
                                           pct(_cost_change(high), False),
                                           pct(_cost_change(low), False))
    effect = "cost %s [%s, %s]" % (pct(_cost_change(theta)), pct(_cost_change(high)),
                                   pct(_cost_change(low)))
    if v.kind == EQUIVALENT:
        return "equivalent within %s (%s)" % (wording.margin_text(v.margin), effect)
    return "not decided, " + effect


# A cost verdict's kind in the section's words.
_COST_WORDS = ((FASTER, "saves"), (EQUIVALENT, "equivalent"), (SLOWER, "costs more"),
               (UNDECIDED, "not decided"))


def _where(size, threads):
    """'16 KiB 2 thr', as tools/run's progress names a point."""
    return "%s %d thr" % (format_size(size), threads)


def _rate(text):
    """udp_rate as the report says it: '0' -> 'unpaced', '2000000000' ->
    'paced at 2 Gbit/s', '0,1000000000' -> 'unpaced and paced at 1 Gbit/s
    (each a point: rate= in the pattern)'."""
    if text in (None, ""):
        return "pacing not recorded"
    said = []
    for item in text.split(","):
        try:
            rate = float(item)
        except ValueError:
            return "rate `%s`" % text
        said.append("unpaced" if rate == 0 else "paced at %s Gbit/s" % num(rate / 1e9))
    if len(said) == 1:
        return said[0]
    return "%s and %s (each a point: `rate=` in the pattern)" % (", ".join(said[:-1]), said[-1])


def section(results, analysis):
    """'## UDP' and its answers, or [] for a run without UDP benchmarks."""
    u = analysis.udp
    if not u.asked:
        return []
    c = results.context
    lines = ["## UDP", "",
             "Datagrams of %s bytes (`udp_datagram`), sendmmsg batches of %s (`udp_batch`), "
             "%s (`udp_rate`). A message of size S travels as ceil(S / datagram) "
             "datagrams in every mode; the modes differ only in how many calls carry them. "
             "A UDP pattern is named with its receive mode (`UdpStream rx=gro`): the modes "
             "of one receive mode are compared within a point, paired over its %ss; two "
             "receive modes are two points, compared unpaired." % (
                 c.get("udp_datagram", "?"), c.get("udp_batch", "?"), _rate(c.get("udp_rate")),
                 results.unit), ""]
    lines += savings_lines(results, u, analysis.margin)
    lines += zero_copy_lines(results, u)
    lines += loss_lines(results, u)
    return lines


def savings_lines(results, u, margin):
    lines = ["### What batching, GSO and GRO save per delivered byte", ""]
    if not u.savings:
        return lines + ["Not in this run: no UdpStream point has `%s` with `%s` and another "
                        "mechanism beside it, with `%s` measured." % (
                            udp.BASE_MODE, udp.BASE_RX, udp.COST), ""]
    lines += ["`%s` (%s) of each mechanism against `%s` received with `%s` (one datagram per "
              "call each way), UdpStream, per size and thread count: *saves X%%* or *costs X%% "
              "more* with its interval, *equivalent* within %s, or *not decided*." % (
                  udp.COST, results.counter_label(udp.COST), udp.BASE_MODE, udp.BASE_RX,
                  wording.margin_text(margin)), ""]
    groups = list(dict.fromkeys(s.group for s in u.savings))
    for group in groups:
        if len(groups) > 1:
            lines += ["#### %s" % group, ""]
        lines += group_savings_lines(results, [s for s in u.savings if s.group == group])
    return lines


def group_savings_lines(results, savings):
    """The savings of one group (one rate): a sentence per mechanism, a
    table per thread count, the datagrams per call."""
    lines = []
    for what, mode, rx in udp.SAVINGS:
        mine = [s for s in savings if (s.what, s.mode, s.rx) == (what, mode, rx)]
        if mine:
            lines.append("- " + saving_sentence(what, mode, rx, mine))
    lines.append("")
    sizes = sorted({s.size for s in savings})
    for threads in sorted({s.threads for s in savings}):
        lines += ["At %s, CPU per delivered byte (median, ns) and the verdict against `%s` "
                  "with `%s`:" % (plural(threads, "thread"), udp.BASE_MODE, udp.BASE_RX), "",
                  "| mechanism | " + " | ".join(format_size(z) for z in sizes) + " |",
                  "|---|" + "---|" * len(sizes)]
        base = {s.size: s.base for s in savings if s.threads == threads}
        lines.append("| `%s` rx=%s (baseline) | %s |" % (
            udp.BASE_MODE, udp.BASE_RX, " | ".join(
                num(base[z].value(udp.COST)) if z in base else "–" for z in sizes)))
        for what, mode, rx in udp.SAVINGS:
            cells = {s.size: s for s in savings
                     if (s.what, s.mode, s.rx, s.threads) == (what, mode, rx, threads)}
            if cells:
                lines.append("| %s: `%s` rx=%s | %s |" % (what, mode, rx, " | ".join(
                    "%s, %s" % (num(cells[z].point.value(udp.COST)),
                                cost_verdict_text(cells[z].asked.verdict))
                    if z in cells else "–" for z in sizes)))
        lines.append("")
    lines += datagrams_table(results, savings, sizes)
    return lines


def saving_sentence(what, mode, rx, savings):
    """'GSO (UDP_SEGMENT), `UdpGso` rx=recvmsg: saves at 6 of 6 points
    (median 50%, 48%-52%).' Points grouped by verdict, the medians of the
    decided savings given."""
    groups = {}
    for s in savings:
        groups.setdefault(s.asked.verdict.kind, []).append(s)
    parts = []
    for kind, word in _COST_WORDS:
        if kind not in groups:
            continue
        where = (", ".join(_where(s.size, s.threads) for s in groups[kind])
                 if len(groups) > 1 else "every point (%d)" % len(savings))
        text = "%s at %s" % (word, where)
        if kind == FASTER:
            saved = sorted(100 * (1 - s.ratio) for s in groups[kind] if s.ratio is not None)
            if saved:
                text += " (saving by the medians %s, range %s–%s)" % (
                    wording.percent(saved[len(saved) // 2], False), wording.percent(saved[0], False),
                    wording.percent(saved[-1], False))
        parts.append(text)
    return "%s, `%s` rx=%s: %s." % (what, mode, rx, "; ".join(parts))


def datagrams_table(results, savings, sizes):
    """Datagrams per send and per receive call of every (mode, rx) the
    savings compare, at the fewest threads: how the calls shrank."""
    if not (results.has_counter(udp.TX_PER_CALL) or results.has_counter(udp.RX_PER_CALL)):
        return []
    threads = min(s.threads for s in savings)
    rows = {}
    for s in (x for x in savings if x.threads == threads):
        rows.setdefault((udp.BASE_MODE, udp.BASE_RX), {})[s.size] = s.base
        rows.setdefault((s.mode, s.rx), {})[s.size] = s.point
    lines = ["Datagrams per call at %s (medians; sent / received: `%s` / `%s`):" % (
        plural(threads, "thread"), udp.TX_PER_CALL, udp.RX_PER_CALL), "",
        "| mode | " + " | ".join(format_size(z) for z in sizes) + " |",
        "|---|" + "---|" * len(sizes)]
    for (mode, rx), points in rows.items():
        lines.append("| `%s` rx=%s | %s |" % (mode, rx, " | ".join(
            "%s / %s" % (num(points[z].value(udp.TX_PER_CALL)),
                         num(points[z].value(udp.RX_PER_CALL))) if z in points else "–"
            for z in sizes)))
    return lines + [""]


def zero_copy_lines(results, u):
    lines = ["### Does zero-copy pay for GSO sends?", ""]
    present = [(m, p) for m, p in udp.ZERO_COPY if any(z.mode == m for z in u.zero_copy)]
    if not present:
        return lines + ["Not in this run: no zero-copy GSO mode beside its plain send (%s)." %
                        ", ".join("`%s` and `%s`" % pair for pair in udp.ZERO_COPY), ""]
    lines += ["Each zero-copy mode against the same send without zero-copy, in UdpStream at "
              "every receive mode, size and thread count, on CPU per delivered byte and on "
              "delivered throughput (Gbps). It *pays* where it is decided cheaper per "
              "delivered byte and its throughput is not lower; it *does not pay* where "
              "neither is better (each worse or equivalent).", ""]
    for mode, plain in udp.ZERO_COPY:
        mine = [z for z in u.zero_copy if z.mode == mode]
        if not mine:
            lines.append("- `%s` against `%s`: not in this run." % (mode, plain))
            continue
        lines.append("- " + zero_copy_sentence(results, mode, plain, mine, u))
    lines.append("")
    for mode, plain in present:
        mine = [z for z in u.zero_copy if z.mode == mode]
        sizes = sorted({z.size for z in mine})
        lines += ["`%s` against `%s`:" % (mode, plain), "",
                  "| receive, threads | " + " | ".join(format_size(z) for z in sizes) + " |",
                  "|---|" + "---|" * len(sizes)]
        for pattern, threads in dict.fromkeys((z.pattern, z.threads) for z in mine):
            cells = {z.size: z for z in mine if (z.pattern, z.threads) == (pattern, threads)}
            lines.append("| rx=%s, %s | %s |" % (
                udp.receive_mode(pattern), plural(threads, "thread"),
                " | ".join(_zero_copy_cell(cells[s]) if s in cells else "–" for s in sizes)))
        lines.append("")
    return lines


def _zero_copy_cell(z):
    cost = cost_verdict_text(z.cost.verdict) if z.cost else "not measured"
    gbps = wording.verdict_text(z.throughput.verdict) if z.throughput else "not measured"
    return "CPU/byte %s; Gbps %s" % (cost, gbps)


def zero_copy_sentence(results, mode, plain, mine, u):
    """'`UdpGsoZeroCopy` against `UdpGso`: does not pay at 18 of 18 points.
    Copied ratio 1 ...'."""
    outcomes = {}
    for z in mine:
        outcomes[z.outcome] = outcomes.get(z.outcome, 0) + 1
    counts = "; ".join("%s at %d" % (o, outcomes[o]) for o in
                       ("pays", "does not pay", "mixed", "not decided") if o in outcomes)
    text = "`%s` against `%s`: %s of %s." % (mode, plain, counts, plural(len(mine), "point"))
    return text + " " + copied_text(results, udp.copied_overall(u.zero_copy, mode))


def copied_text(results, copied):
    """The copied ratio and, on local delivery, whether it is the near-1 the
    kernel's documentation leads to expect."""
    if copied is None:
        return "Copied ratio not measured."
    mid, low, high = copied
    spread = "" if low == high else " (per point %s to %s)" % (num(low), num(high))
    text = "Copied ratio %s%s" % (num(mid), spread)
    topology = results.context.get("topology")
    if answers.local_delivery(results):
        if low >= udp.NEARLY_ALL_COPIED:
            return text + (", near 1 as expected on `%s`: the kernel copies at local "
                           "delivery, so zero-copy saves no copy here (the kernel's reason: "
                           "Zero-copy: did the kernel copy anyway?)." % topology)
        return text + (": below the near-1 that local delivery on `%s` leads to expect "
                       "(Zero-copy: did the kernel copy anyway?)." % topology)
    return text + "."


def loss_lines(results, u):
    lines = ["### Where loss begins", ""]
    if not u.loss:
        return lines + ["Not in this run: `%s` was not measured." % udp.LOSS, ""]
    points = [p for loss in u.loss for p in loss.points]
    lossless = sum(p.lossless for p in points)
    lines += ["`%s`: in UdpStream, datagrams lost (sequence gaps) over those received and "
              "lost in the receiver's window; in UdpRR, requests whose answer did not come "
              "within the bounded wait. Loss *begins* where the median over %ss exceeds "
              "%s; a point is *lossless* where no run lost any. Measured shares, not "
              "verdicts. %d of %d points are lossless." % (
                  udp.LOSS, results.unit, _loss_pct(udp.LOSS_BEGINS), lossless, len(points)),
              ""]
    lines += rate_lines(u)
    for pattern in dict.fromkeys(loss.pattern for loss in u.loss):
        mine = [loss for loss in u.loss if loss.pattern == pattern]
        never = [loss.mode for loss in mine if all(p.lossless for p in loss.points)]
        lines += ["%s:" % pattern, ""]
        lines += ["- " + loss_sentence(loss) for loss in mine if loss.mode not in never]
        if never:
            lines.append("- No loss at any size or thread count: %s." % ", ".join(
                "`%s`" % m for m in never))
        lines += [""] + loss_table(mine) + [""]
    reorder = reorder_line(results)
    return lines + ([reorder, ""] if reorder else [])


def rate_lines(u):
    """Along --rate's points, a table per pattern (receive mode): for each
    mode and point, the fastest pace at which the median loss stayed at or
    below LOSS_BEGINS, and the slowest above it with its loss. [] without
    several rates."""
    by_rate = udp.loss_by_rate(u.loss)
    if not by_rate or all(len(r) < 2 for m in by_rate.values() for r in m.values()):
        return []
    lines = ["Along the rates (`--rate`; `0` is unpaced), per point: the fastest pace "
             "without loss above %s (*≤ 1G*), then the slowest with it and its median "
             "loss (*unpaced 42%%*); *–* where every rate lost, *no loss* where none did:" % (
                 _loss_pct(udp.LOSS_BEGINS)), ""]
    for pattern in dict.fromkeys(k[0] for k in by_rate):
        modes = [k[1] for k in by_rate if k[0] == pattern]
        columns = sorted({point for m in modes for point in by_rate[(pattern, m)]},
                         key=lambda k: (k[1], k[0]))
        lines += ["%s:" % pattern, "",
                  "| mode | " + " | ".join(_where(z, t) for z, t in columns) + " |",
                  "|---|" + "---|" * len(columns)]
        for mode in modes:
            by_point = by_rate[(pattern, mode)]
            lines.append("| `%s` | %s |" % (mode, " | ".join(
                _rate_cell(by_point[c]) if c in by_point else "–" for c in columns)))
        lines.append("")
    return lines


def _rate_cell(rates):
    """'≤ 1G; unpaced 42%' from one point's (bits/s, text, LossPoint) by rate."""
    clean = [r for r in rates if not r[2].lossy]
    lossy = [r for r in rates if r[2].lossy]
    if not lossy:
        return "no loss"
    parts = ["≤ " + _rate_name(clean[-1][1]) if clean else "–"]
    if lossy:
        parts.append("%s %s" % (_rate_name(lossy[0][1]), _loss_pct(lossy[0][2].median)))
    return "; ".join(parts)


def _rate_name(text):
    """'0' -> 'unpaced', '1G' -> '1G' (bits/s)."""
    return "unpaced" if udp.rate_bits(text) == float("inf") else text


def _loss_pct(share):
    """A loss share as a percentage: 0.001 -> '0.1%', 0.0002 -> '0.02%'."""
    return "0%" if share == 0 else "%s%%" % num(100 * share, 2)


def loss_sentence(loss):
    """'`UdpGso`: above 0.1% from 16 KiB at 1 thread (0.5%), from 16 KiB at
    2 threads (1%); lossless at 1472 B 1 thr, 1472 B 2 thr.'"""
    onsets = []
    for threads in loss.threads:
        size = loss.onset(threads)
        if size is not None:
            p = next(p for p in loss.points if (p.size, p.threads) == (size, threads))
            onsets.append("from %s at %s (%s)" % (format_size(size), plural(threads, "thread"),
                                                  _loss_pct(p.median)))
    lossless = [_where(p.size, p.threads) for p in loss.points if p.lossless]
    if not onsets:
        most = max(p.median for p in loss.points)
        head = ("no loss at any size or thread count" if len(lossless) == len(loss.points)
                else "never above %s (at most %s)" % (_loss_pct(udp.LOSS_BEGINS),
                                                      _loss_pct(most)))
    else:
        head = "above %s %s" % (_loss_pct(udp.LOSS_BEGINS), ", ".join(onsets))
    if lossless and len(lossless) < len(loss.points):
        head += "; lossless at %s" % ", ".join(lossless)
    elif not lossless:
        head += "; no point lossless"
    return "`%s`: %s." % (loss.mode, head)


def loss_table(losses):
    """Median loss (range over runs) per mode, sizes within thread counts."""
    columns = list(dict.fromkeys((p.threads, p.size) for loss in losses for p in loss.points))
    columns.sort()
    lines = ["| mode | " + " | ".join(_where(z, t) for t, z in columns) + " |",
             "|---|" + "---|" * len(columns)]
    for loss in losses:
        by = {(p.threads, p.size): p for p in loss.points}
        lines.append("| %s | %s |" % (loss.mode, " | ".join(
            _loss_cell(by[k]) if k in by else "–" for k in columns)))
    return lines


def _loss_cell(p):
    if p.lossless:
        return "0"
    low, high = _loss_pct(p.low), _loss_pct(p.high)
    text = _loss_pct(p.median) + ("" if low == high else " (%s–%s)" % (low, high))
    return ("**%s**" % text) if p.lossy else text


def reorder_line(results):
    """Reordering in one line: none, or the most seen and where."""
    seen = [(p.value(udp.REORDER), k) for k, p in results.points.items()
            if p.value(udp.REORDER) is not None]
    if not seen:
        return None
    most, (pattern, mode, size, threads) = max(seen, key=lambda s: s[0])
    if most == 0:
        return "Reordering (`%s`): none at any point." % udp.REORDER
    return ("Reordering (`%s`): at %d of %d points; the most, %s of datagrams received, "
            "`%s` in %s at %s." % (udp.REORDER, sum(1 for v, _ in seen if v > 0), len(seen),
                                   _loss_pct(most), mode, pattern, _where(size, threads)))
