"""report.md for a net_bench run: noise, method, context, answers, figures,
tables.

Every finding in the report is a sentence built from the numbers of the run
(answers.py computes them); the only fixed text is headings, definitions and
the kernel's documented reason for copies on local delivery. A finding that
compares (a best mode, a mode against TwoCopy, a direction of scaling) leads
with its effect and interval and ends in a verdict (verdicts.py): faster or
slower, equivalent within the margin, or not decided. p-values are never
printed; the method section states the rule and the threshold.

usage: report.py RESULTS.json [OUT_DIR] [--margin=DELTA]
  writes OUT_DIR/report.md and the PNGs; OUT_DIR defaults to the JSON's
  folder, DELTA (the equivalence margin) to the one the run was sampled
  with, else 0.03.
"""
import os
import sys
from collections import Counter

from . import answers
from . import plots
from . import udp_report
from .results import (PROFILE_PREFIX, REFERENCE_THREADS, ResultsError, format_duration,
                      format_number as num, format_size, load, median, plural)
from .verdicts import DEFAULT_MARGIN, EQUIVALENT, FASTER, SLOWER, UNDECIDED, parse_margin
from .wording import margin_text as _margin, percent as _pct, verdict_text  # noqa: F401

ZEROCOPY_DOC = ("Documentation/networking/msg_zerocopy.rst, \"Loopback\": packets "
                "generated with MSG_ZEROCOPY that are looped to a local socket incur a "
                "deferred copy (skb_orphan_frags_rx on the receive path); veth between "
                "namespaces is local delivery, so the test \"will not show any improvement\"")

# The unstable threshold as the report prints it: "5%".
_UNSTABLE = "%g%%" % (100 * answers.UNSTABLE_CV)
# Context keys that hold the run's own tables (JSON), not values to show.
_TABLE_KEYS = {"caches", "modes", "patterns", "counters", "sampling", "cpu_categories",
               "cpu_copy_primitives"}


def _x(ratio):
    """A ratio with two decimals: 1.00×, 3.16×."""
    return "%.2f×" % ratio if ratio < 100 else "%.0f×" % ratio


def _threads_phrase(results, threads, pattern="Stream"):
    ref = results.reference_threads(pattern)
    if threads == ref and threads != 8:
        return "at %s (the most in this run; the reference study uses 8)" % plural(
            threads, "thread")
    return "at " + plural(threads, "thread")


def _cv(cv):
    """A CV as a percentage, 0.0712 -> '7.1%', with a second decimal where one
    is needed to show that an unstable CV is above the threshold (0.0502 ->
    '5.02%', not '5.0%')."""
    if cv > answers.UNSTABLE_CV and round(100 * cv, 1) <= 100 * answers.UNSTABLE_CV:
        return "%.2f%%" % (100 * cv)
    return "%.1f%%" % (100 * cv)


def _missing_direction(analysis, pattern):
    """Why a pattern has no verdicts, or None when it has them."""
    counter = analysis.unranked.get(pattern)
    if counter is None:
        return None
    return ("This run does not say which way `%s` is better (a file written before "
            "net_bench described its counters), so its modes are not compared." % counter)


def study_section(results, analysis):
    """The study's question, per size and thread count: each mode against
    TwoCopy, with no single crossover assumed."""
    pattern, baseline = answers.STUDY_PATTERN, answers.BASELINE_MODE
    lines = ["## When does a mechanism beat %s?" % baseline, ""]
    threads = results.threads(pattern)
    if not threads:
        return lines + ["No %s benchmark in this run." % pattern, ""]
    why = _missing_direction(analysis, pattern)
    if why:
        return lines + [why, ""]
    if baseline not in results.modes:
        return lines + ["Not in this run: `%s` was not measured." % baseline, ""]
    lines += ["Each mode against `%s` in %s throughput, at every size and thread count: "
              "*ahead* or *behind* by the effect shown with its interval, *equivalent* "
              "within %s, or *not decided*. Each size is its own answer: no single "
              "crossover size is assumed." % (baseline, pattern, _margin(analysis.margin)),
              ""]
    ref = results.reference_threads(pattern)
    for mode in (m for m in results.modes if m != baseline):
        lines.append("- " + study_sentence(results, analysis, mode, ref))
    lines.append("")
    sizes = results.sizes(pattern)
    for t in threads:
        lines += ["%s:" % _threads_phrase(results, t, pattern).capitalize(), "",
                  "| mode | " + " | ".join(format_size(z) for z in sizes) + " |",
                  "|---|" + "---|" * len(sizes)]
        for mode in (m for m in results.modes if m != baseline):
            cells = [_study_cell(analysis.study.get((mode, z, t))) for z in sizes]
            lines.append("| %s | %s |" % (mode, " | ".join(cells)))
        lines.append("")
    return lines


def _study_cell(asked):
    if asked is None:
        return "–"
    return verdict_text(asked.verdict, "ahead", "behind")


def study_sentence(results, analysis, mode, threads):
    """One mode against the baseline at one thread count, sizes grouped by
    verdict: 'ZeroCopy at 8 threads: ahead at 1 KiB, 4 KiB; behind at 64 KiB.'"""
    groups = {}
    for size in results.sizes(answers.STUDY_PATTERN):
        asked = analysis.study.get((mode, size, threads))
        if asked is not None:
            groups.setdefault(asked.verdict.kind, []).append(format_size(size))
    where = _threads_phrase(results, threads)
    if not groups:
        return "`%s` %s: not measured against `%s`." % (mode, where, answers.BASELINE_MODE)
    words = ((FASTER, "ahead"), (EQUIVALENT, "equivalent (%s)" % _margin(analysis.margin)),
             (SLOWER, "behind"), (UNDECIDED, "not decided"))
    parts = ["%s at %s" % (word, ", ".join(groups[kind])) for kind, word in words
             if kind in groups]
    return "`%s` against `%s` %s: %s." % (mode, answers.BASELINE_MODE, where, "; ".join(parts))


def _tier(b, margin):
    """'OneCopy 21.3 ≈ UringOneCopy (within ±3%)' or 'OneCopy 21.3'."""
    text = "%s %s" % (b.leader, num(b.value))
    if len(b.tier) > 1:
        text += " ≈ %s (within %s)" % (" ≈ ".join(b.tier[1:]), _margin(margin))
    return text


def best_cell(b, margin):
    """One point of the best-mode table: the leader and its tier, then the
    nearest mode outside it; "not decided" first where a mode is undecided
    against the leader."""
    if not b.others:
        return "%s %s (only mode)" % (b.leader, num(b.value))
    undecided = [o for o in b.others if not o.verdict.decided]
    if undecided:
        more = " (+%d more)" % (len(undecided) - 1) if len(undecided) > 1 else ""
        return "not decided: %s; %s %s%s" % (_tier(b, margin), undecided[0].a,
                                             verdict_text(undecided[0].verdict), more)
    if not b.outside:
        return _tier(b, margin)
    nearest = b.outside[0]
    return "%s; %s %s" % (_tier(b, margin), nearest.a,
                          verdict_text(nearest.verdict, "ahead", "behind"))


def _best_summary(pattern, best):
    decided = [b for b in best.values() if b.decided]
    if not decided:
        return "%s: no point decided by this run (%d points)." % (pattern, len(best))
    leads = Counter(b.leader for b in decided)
    text = "%s: decided at %d of %d points (leader %s)" % (
        pattern, len(decided), len(best),
        ", ".join("`%s` %d" % (m, n) for m, n in leads.most_common()))
    undecided = len(best) - len(decided)
    return text + ("; not decided at %d." % undecided if undecided else ".")


def _best_details(b):
    """Every other mode against the leader at one point."""
    return "- %s, %s: `%s` %s; %s." % (
        format_size(b.size), plural(b.threads, "thread"), b.leader, num(b.value),
        "; ".join("%s %s" % (o.a, verdict_text(o.verdict, "ahead", "behind"))
                  for o in b.others) or "only mode")


def best_section(results, analysis):
    lines = ["## Best mode per size and thread count", ""]
    for pattern in results.patterns:
        why = _missing_direction(analysis, pattern)
        if why:
            lines += ["%s: %s" % (pattern, why), ""]
            continue
        best = analysis.best.get(pattern)
        if not best:
            continue
        counter = next(iter(best.values())).counter
        better = "higher" if results.better(counter) == "higher" else "lower"
        sizes = results.sizes(pattern)
        threads = results.threads(pattern)
        lines += ["%s, ranked by %s (%s is better). A cell names the leader with its "
                  "median, the modes equivalent to it (its tier, within %s), and the "
                  "nearest mode outside the tier with its gap; *not decided* where a mode "
                  "is neither behind the leader nor equivalent to it by the rule (see "
                  "Method)." % (pattern, results.counter_label(counter), better,
                                _margin(analysis.margin)), ""]
        lines += ["| size | " + " | ".join(plural(t, "thread") for t in threads) + " |",
                  "|---|" + "---|" * len(threads)]
        for size in sizes:
            cells = [best_cell(best[(size, t)], analysis.margin) if (size, t) in best
                     else "–" for t in threads]
            lines.append("| %s | %s |" % (format_size(size), " | ".join(cells)))
        lines += ["", _best_summary(pattern, best), "",
                  "Every mode against the leader, per point:", ""]
        lines += [_best_details(best[k]) for k in sorted(best)]
        lines.append("")
    return lines


def _change_cell(c):
    return "%s (%s → %s), %s" % (_x(c.ratio), num(c.low), num(c.high),
                                 verdict_text(c.asked.verdict))


def scaling_section(results, analysis):
    lines = ["## Scaling with threads", ""]
    s = analysis.scaling
    if not results.threads("Stream"):
        return lines + ["Not in this run: no Stream benchmark.", ""]
    if not s.measured:
        return lines + ["Not in this run: Stream was run at a single thread count.", ""]
    cpus = results.context.get("num_cpus")
    (lo_key, lo), (hi_key, hi) = s.extreme(min), s.extreme(max)
    lines += ["Stream throughput at %d threads over throughput at %s: median %s "
              "over every mode and size; lowest %s (`%s` at %s: %s → %s Gbps), highest %s "
              "(`%s` at %s: %s → %s Gbps)%s." % (
                  s.high, plural(s.low, "thread"), _x(s.median_ratio()),
                  _x(lo.ratio), lo_key[0], format_size(lo_key[1]), num(lo.low), num(lo.high),
                  _x(hi.ratio), hi_key[0], format_size(hi_key[1]), num(hi.low), num(hi.high),
                  "; the machine has %s CPUs" % cpus if cpus else ""), ""]
    lines += [_scaling_verdict(s, analysis.margin), ""]
    sizes = results.sizes("Stream")
    lines += ["Per mode and size: ratio of medians (Gbps at %s → Gbps at %d threads), and "
              "the verdict of %d threads against %s (unpaired: two points sampled apart)."
              % (plural(s.low, "thread"), s.high, s.high, plural(s.low, "thread")), ""]
    lines += ["| mode | " + " | ".join(format_size(z) for z in sizes) + " | median |",
              "|---|" + "---|" * (len(sizes) + 1)]
    for mode in results.modes:
        cells = [_change_cell(s.changes[(mode, z)]) if (mode, z) in s.changes else "–"
                 for z in sizes]
        m = s.mode_median(mode)
        cells.append(_x(m) if m is not None else "–")
        lines.append("| %s | %s |" % (mode, " | ".join(cells)))
    lines.append("")
    return lines


def _scaling_verdict(s, margin):
    """Which way throughput went, as far as the verdicts say."""
    total = len(s.changes)
    undecided = s.count(None)
    where = "from %s to %d threads" % (plural(s.low, "thread"), s.high)
    if undecided == total:
        return ("Whether throughput changes %s is not decided by this run at any of the "
                "%d mode and size pairs." % (where, total))
    parts = ["%s at %d" % (word, s.count(d)) for d, word in
             (("up", "rises"), ("down", "falls"), ("flat", "stays within %s" % _margin(margin)))
             if s.count(d)]
    text = "By the verdicts, throughput %s %s of %d mode and size pairs" % (
        where, ", ".join(parts), total)
    return text + ("; not decided at %d." % undecided if undecided else ".")


def copied_section(results):
    lines = ["## Zero-copy: did the kernel copy anyway?", "",
             "`zc_copied_ratio` is the share of zero-copy sends whose completion carried "
             "SO_EE_CODE_ZEROCOPY_COPIED (io_uring: IORING_NOTIF_USAGE_ZC_COPIED).", ""]
    for c in answers.copied_ratios(results):
        if not c.in_run:
            lines.append("- `%s`: not in this run." % c.mode)
            continue
        if not c.measured:
            lines.append("- `%s`: copied ratio not measured in this run." % c.mode)
            continue
        per_size = ", ".join("%s %s" % (format_size(z), num(v)) for z, v in c.by_size.items())
        if c.low == c.high:
            spread = "%s in every measurement: every size, thread count, pattern and " \
                     "run" % num(c.low)
        else:
            spread = "median per size: %s; range over every thread count, pattern and " \
                     "run %s–%s" % (per_size, num(c.low), num(c.high))
        text = "- `%s`: copied ratio %s (%s)." % (
            c.mode, num(median(list(c.by_size.values()))), spread)
        if c.always_copied:
            text += " Every zero-copy send was copied."
            if answers.local_delivery(results):
                text += " The kernel's reason, for topology `%s`: %s." % (
                    results.context.get("topology"), ZEROCOPY_DOC)
            else:
                text += (" The topology `%s` is not local delivery; msg_zerocopy.rst, "
                         "\"Deferred copies\", names devices without scatter-gather I/O and "
                         "packets needing a private copy (e.g. to compute a checksum) as "
                         "the cases where the kernel copies." % results.context.get("topology"))
        elif c.never_copied:
            text += " No zero-copy send was copied."
        lines.append(text)
    splice = [m for m in results.modes if m == "SpliceZeroCopy"]
    if splice:
        lines.append("- `SpliceZeroCopy`: splice/vmsplice has no completion notifications, "
                     "so there is no copied ratio to report.")
    lines.append("")
    return lines


def _share(value):
    """A share as a percentage: 0.22 -> '22%', 0.04 -> '4.0%', 0 -> '0%'."""
    return "0%" if value == 0 else _pct(100 * value, False)


def _category(profile, category):
    """A category as the sentences name it: its label from the run's table,
    with the first function that marks it where that says more (a plain
    name, and a label without its own parenthesis): 'the zero-copy fallback
    copy at local delivery (`skb_copy_ubufs`)'."""
    label = profile.label(category)
    marker = next(iter(profile.markers(category)), None)
    if marker and "*" not in marker and marker not in label and "(" not in label:
        return "%s (`%s`)" % (label, marker)
    return label


def _profiled_threads(threads):
    """'1 thread (the fewest profiled; the reference study uses 8)'."""
    text = plural(threads, "thread")
    return text if threads == REFERENCE_THREADS else \
        "%s (the fewest profiled; the reference study uses %d)" % (text, REFERENCE_THREADS)


def not_profiled(results):
    """Why the run has no profile, and how to take one."""
    said = str(results.context.get("profile", ""))
    how = ("`tools/run --profile` (or `net_bench --profile`) samples every CPU of the run "
           "during each window and breaks its time into categories (README, \"Where the "
           "CPU goes\").")
    if said.startswith("not permitted"):
        return "The profile was asked for but %s: no profile counters. %s" % (said, how)
    return "This run was not profiled: " + how


def _largest_text(profile, cpu):
    """'34% of busy CPU in the TCP/IP stack, 22% in ...; idle 45% of all'."""
    parts = ["%s%s in %s" % (_share(v), " of busy CPU" if i == 0 else "",
                              _category(profile, c))
             for i, (c, v) in enumerate(cpu.largest())]
    return "%s; %s %s of all" % (", ".join(parts) or "no busy sample",
                                 profile.label(answers.IDLE_CATEGORY), _share(cpu.idle))


def _largest_lines(results, profile, pattern):
    """Per size, each mode's largest categories, at the shown thread count."""
    threads = profile.threads[pattern]
    lines = []
    for size in profile.sizes(pattern, threads):
        for mode in results.modes:
            cpu = profile.at(pattern, mode, size, threads)
            if cpu is not None:
                lines.append("- `%s` at %s: %s." % (mode, format_size(size),
                                                   _largest_text(profile, cpu)))
    return lines


def behind_text(profile, b):
    """Why one mode is behind the leader, from its profile: '`ZeroCopy`
    against `OneCopy` at 64 KiB, 28% behind [25%, 31%]: 22% of its busy CPU
    in the zero-copy fallback copy at local delivery (`skb_copy_ubufs`),
    against 0% for `OneCopy`; 4.0% in ..., against 0%; 1.40× `OneCopy`'s
    busy CPU time per byte.'"""
    head = "`%s` against `%s` at %s, %s" % (b.mode, b.leader, format_size(b.size),
                                            verdict_text(b.asked.verdict, "ahead", "behind"))
    if b.more:
        (c, v, lead), rest = b.more[0], b.more[1:]
        why = "; ".join(["%s of its busy CPU in %s, against %s for `%s`" % (
            _share(v), _category(profile, c), _share(lead), b.leader)] + [
            "%s in %s, against %s" % (_share(v), _category(profile, c), _share(lead))
            for c, v, lead in rest])
    else:
        why = "its busy CPU is spread as `%s`'s, no category %s points above" % (
            b.leader, num(100 * answers.SHARE_STEP))
    cost = ("; %s `%s`'s busy CPU time per byte" % (_x(b.cost), b.leader)
            if b.cost is not None else "")
    return "%s: %s%s." % (head, why, cost)


def _behind_lines(analysis, profile, pattern):
    """Where the verdicts put a mode behind the leader, what its CPU holds more of."""
    behind = answers.behind_leaders(analysis, profile, pattern)
    if not behind:
        return ["No mode is decided behind the leader at a profiled point of %s at this "
                "thread count." % pattern]
    return ["Where the verdicts put a mode behind the leader (Best mode), what its busy "
            "CPU holds more of than the leader's (shares at least %s point%s above):"
            % (num(100 * answers.SHARE_STEP), "" if answers.SHARE_STEP == 0.01 else "s"),
            ""] + ["- " + behind_text(profile, b) for b in behind]


def _health_lines(results, profile):
    """How far the profile can be trusted: a shared machine, the named
    share of kernel samples, lost samples."""
    lines = []
    shared = profile.shared()
    if shared:
        key, most = shared[0]
        lines.append("- **⚠ The machine was shared during the profile:** other processes "
                     "took more than %s of the samples at %s (most: %s at `%s`). Their "
                     "samples are left out, but the softirqs kept may have served their "
                     "traffic too." % (_share(answers.LEFT_OUT_SHARE),
                                       plural(len(shared), "point"), _share(most),
                                       results.points[key].name))
    named = [v for p in results.points.values()
             for v in p.samples(PROFILE_PREFIX + "kernel_named_share")]
    if named:
        lines.append("- Busy kernel samples in a named category (not `other`): at least "
                     "%.1f%% in every run, median %.1f%%." % (100 * min(named),
                                                            100 * median(named)))
    lost = [v for p in results.points.values() for v in p.samples(PROFILE_PREFIX +
                                                                  "lost_samples") if v > 0]
    if lost:
        lines.append("- Samples were lost (rings full) in %s, up to %s in one: lower "
                     "--profile_hz or shorten the window." % (plural(len(lost), "run"),
                                                              num(max(lost))))
    return lines


def _change_text(profile, c):
    """'scheduling and wake-ups 2.0% → 8.1% (median +6.1 points; up at 13 of
    14 pairs; per byte ×2.90)'."""
    per_byte = "; per byte %s" % _x(c.per_byte) if c.per_byte is not None else ""
    return "%s %s → %s (median %+.1f points; up at %d, down at %d%s)" % (
        _category(profile, c.category), _share(c.low), _share(c.high), 100 * c.step,
        c.up, c.down, per_byte)


def cpu_scaling_lines(profile, pattern):
    """What grows with threads in a pattern's profile, as the numbers show it."""
    s = answers.cpu_scaling(profile, pattern)
    if not s.measured:
        counts = profile.thread_counts(pattern)
        return ["- %s: profiled at %s only: nothing to say about threads." % (
            pattern, " and ".join(plural(t, "thread") for t in counts) if len(counts) > 1
            else plural(counts[0], "thread"))]
    lines = ["- %s, from %s to %s, over %s profiled at both (median busy share at each "
             "end; the median change; in how many pairs it rose and fell):" % (
                 pattern, plural(s.low, "thread"), plural(s.high, "thread"),
                 plural(s.pairs, "mode and size pair"))]
    for word, changes in (("Grew", s.grew), ("Fell", s.fell)):
        if changes:
            lines.append("  - %s: %s." % (word, "; ".join(_change_text(profile, c)
                                                          for c in changes)))
    if not s.grew and not s.fell:
        lines.append("  - No category's share changed by %s point or more (median)."
                     % num(100 * answers.SHARE_STEP))
    else:
        lines.append("  - Every other category changed by less than %s point (median)."
                     % num(100 * answers.SHARE_STEP))
    lines.append("  - %s: %s → %s of all sampled time." % (
        profile.label(answers.IDLE_CATEGORY).capitalize(), _share(s.idle.low),
        _share(s.idle.high)))
    return lines


def cache_lines(results, cache):
    """The study's cache question: where LLC misses drop most against the
    baseline, or that the question needs a PMU."""
    base = answers.BASELINE_MODE
    if cache.source is None:
        hw = results.hardware_counters()
        return ["Which part of the work shows the largest reduction in cache misses needs "
                "hardware counters (a PMU): no LLC miss counter was measured in this run%s, "
                "and `cpu-clock` samples time, not misses." % (
                    " (hardware counters: %s)" % hw if hw else "")]
    what = ("category (the profile's sampled LLC load misses)" if cache.source == "profile"
            else "side (the sender's and receiver's LLC load misses; the profile did not "
            "sample misses per category)")
    lines = ["Which %s drops most against `%s`, in %s at %s, LLC misses per KiB moved "
             "(medians):" % (what, base, answers.STUDY_PATTERN,
                             plural(cache.threads, "thread")), ""]
    if not cache.drops:
        return lines[:1] + ["not measured at both `%s` and another mode." % base]
    for d in cache.drops:
        verb = "drop most in" if d.drop > 0 else "drop nowhere; the least rise is in"
        lines.append("- `%s` at %s: misses %s %s, %s → %s (all: %s → %s)." % (
            d.mode, format_size(d.size), verb, d.part, num(d.baseline), num(d.value),
            num(d.baseline_total), num(d.total)))
    return lines


def profile_table(results, profile):
    """Every profiled point: idle and left out (of all sampled time), then
    each category's share of the busy time."""
    shown = [c for c in profile.busy_categories
             if any(p.busy.get(c, 0) > 0 for p in profile.points.values())]
    lines = ["| pattern | mode | size | threads | %s | left out | %s |" % (
        answers.IDLE_CATEGORY, " | ".join("`%s`" % c for c in shown)),
        "|---|---|---|---|---|---|" + "---|" * len(shown)]
    for pattern in results.patterns:
        for mode in results.modes:
            for key in sorted(k for k in profile.points if k[:2] == (pattern, mode)):
                cpu = profile.points[key]
                cells = [_share(cpu.idle), "–" if cpu.left_out is None
                         else _share(cpu.left_out)] + [_share(cpu.busy.get(c, 0))
                                                       for c in shown]
                lines.append("| %s | %s | %s | %d | %s |" % (
                    pattern, mode, format_size(key[2]), key[3], " | ".join(cells)))
    return lines


def profile_section(results, analysis):
    """Why, from the profile: where each mode's CPU went, what a mode behind
    the leader spends more on, what grows with threads, and the cache
    question. Measured shares, not verdicts."""
    profile = answers.cpu_profile(results)
    cache = ["### The cache question", "",
             *cache_lines(results, answers.cache_answer(results, profile)), ""]
    lines = ["## Where the CPU went", ""]
    if not profile.measured:
        return lines + [not_profiled(results), ""] + cache
    out = results.context.get("profile_out")
    lines += ["Sampled: %s%s. Each share is of a point's busy sampled CPU time: %s set "
              "apart (its share is of all the sampled time) and the rest renormalised to "
              "100%%, the samples of the point's %ss pooled. The categories are the run's "
              "own table (`cpu_categories`, README \"Where the CPU goes\"). Shares are "
              "measurements, not verdicts." % (
                  results.context.get("profile", "by net_bench --profile"),
                  "; folded stacks (flame-graph input) in `%s`" % out if out else "",
                  profile.label(answers.IDLE_CATEGORY), results.unit), ""]
    health = _health_lines(results, profile)
    lines += health + ([""] if health else [])
    for pattern in (p for p in results.patterns if p in profile.threads):
        threads = profile.threads[pattern]
        lines += ["### %s at %s" % (pattern, _profiled_threads(threads)),
                  "", "The largest categories of each mode's busy CPU, per size:", ""]
        lines += _largest_lines(results, profile, pattern) + [""]
        lines += _behind_lines(analysis, profile, pattern) + [""]
    lines += ["### With threads", ""]
    lines += [l for p in results.patterns if p in profile.threads
              for l in cpu_scaling_lines(profile, p)] + [""]
    lines += cache
    lines += ["### Profile table", "",
              "%s and left out (other processes' samples): shares of all the sampled time; "
              "every category: its share of the busy time." % answers.IDLE_CATEGORY.capitalize(),
              ""] + profile_table(results, profile) + [""]
    return lines


def _cause(n, cause):
    """One likely cause of a noisy run, with the number behind it."""
    if cause == "machine":
        return ("the machine itself: fixed CPU work without I/O varied by CV %s "
                "over the run (%s), so no point can be steadier; compare modes "
                "within one run, not across runs" % (_cv(n.machine_cv), _machine(n)))
    if cause == "placement":
        return "threads not pinned (affinity none; --affinity=split pins them)"
    if cause == "steal":
        return "CPU steal by the hypervisor (median steal_share %s, above %s)" % (
            num(n.steal), answers.STEAL_SHARE)
    return "too few %ss (%d, fewer than the %d a first look takes)" % (
        n.unit, n.runs, answers.MIN_ROUNDS)


def _known(n):
    """What the run's record says about the usual causes, when none applies."""
    placement = "placement %s" % n.affinity if n.affinity else "placement not recorded"
    steal = ("median steal_share %s" % num(n.steal) if n.steal is not None
             else "steal not measured")
    return "%s, %s, %s" % (placement, steal, plural(n.runs, n.unit))


def noise_warning(n):
    """The line a run prints at its end (and the report repeats) when more
    than UNSTABLE_SHARE of its points are unstable; None otherwise."""
    if not n.warn:
        return None
    head = "%d of %d points (%.0f%%) are unstable (CV > %s)" % (
        len(n.unstable), len(n.spreads), 100 * n.share, _UNSTABLE)
    if n.causes:
        return head + "; likely cause: " + "; ".join(_cause(n, c) for c in n.causes)
    return head + "; no likely cause in the run's record (%s): other load on the machine?" % (
        _known(n))


def _unstable_line(n, limit=8):
    unstable = n.unstable
    if not n.spreads:
        return ("- Spread not measured: %s per point (a CV needs at least 2)." %
                plural(n.runs, n.unit))
    if not unstable:
        return "- No point is unstable: every CV is at most %s." % _UNSTABLE
    shown = ", ".join("`%s` %s" % (u.name, _cv(u.cv)) for u in unstable[:limit])
    more = (" and %d more (see the tables)" % (len(unstable) - limit)
            if len(unstable) > limit else "")
    return "- **⚠ %d of %d points unstable (CV > %s):** %s%s." % (
        len(unstable), len(n.spreads), _UNSTABLE, shown, more)


def _placement_lines(results, n):
    c = results.context
    if not n.affinity:
        placement = "- Placement: not recorded in this run's context."
    else:
        placement = "- Placement: %s" % n.affinity
        if c.get("cpus"):
            placement += " (CPUs %s)" % c["cpus"]
        if c.get("wait"):
            placement += "; waiting: %s" % c["wait"]
        placement += "."
    lines = [placement]
    if any(p.labels for p in results.points.values()):
        if n.moved:
            lines.append("- A thread ran on more than one CPU at %s (\"|\" in the tables' "
                         "CPUs column)." % plural(len(n.moved), "point"))
        else:
            lines.append("- Every thread stayed on one CPU (the tables' CPUs column).")
    if n.steal is not None:
        lines.append("- CPU steal: median steal_share %s of all CPU time." % num(n.steal))
    if n.machine_cv is not None:
        lines.append("- The machine's own spread: fixed CPU work without I/O, pinned to "
                     "each CPU, varied over this run by %s; no point can be steadier "
                     "than that. (Copy is memcpy within the cache, done with `rep movsb` "
                     "as the kernel's copies to and from user memory are; Alu is a "
                     "chain of multiplications.)" % _machine(n))
    return lines


def _machine(n):
    """'Calibration/Copy CV 18.2%, Calibration/Alu CV 0.9%'."""
    return ", ".join("Calibration/%s CV %s" % (kind, _cv(cv))
                     for kind, cv in n.machine_cvs.items())


def _recorded(context, key):
    """A context value as the report states it, or that it was not recorded."""
    value = context.get(key)
    return "`%s`" % value if value not in (None, "") else "not recorded"


def _sampling_lines(results):
    """How the runs were taken: blocked rounds or repetitions, and the
    sampler's record (budget, rounds per point, why points stopped)."""
    c = results.context
    if results.blocked:
        lines = ["- Sampling: blocked rounds: each round runs every mode of a point once, "
                 "in a random order drawn from seed %s; modes are compared within rounds "
                 "(paired)." % _recorded(c, "seed")]
    else:
        lines = ["- Sampling: plain repetitions, not blocked rounds: modes are compared "
                 "unpaired (Welch's t on the log values)."]
    s = results.sampling
    if not s:
        return lines + ["- One look per point: not sampled by tools/run (K = 1)."]
    points = s.get("points", [])
    rounds = sorted(p.get("rounds", 0) for p in points)
    stopped = Counter(p.get("stopped", "?") for p in points)
    text = ("- tools/run sampled %s within a budget of %s: looks after %s rounds (K = %d), "
            "in passes over the grid (each undecided point's next stage per pass, nearest "
            "to decided first), a point stopping when its questions were decided at the "
            "provisional threshold %s, at the schedule's end, or when the budget ran out"
            % (plural(len(points), "point"), format_duration(s.get("budget_s", 0)),
               ", ".join(str(n) for n in s.get("schedule", [])), results.looks,
               num(s.get("provisional_threshold"))))
    if rounds:
        text += "; rounds per point %s (median %s); stopped: %s" % (
            "%d–%d" % (rounds[0], rounds[-1]) if rounds[0] != rounds[-1] else rounds[0],
            num(median(rounds)),
            ", ".join("%s %d" % (why, n) for why, n in sorted(stopped.items())))
    if "elapsed_s" in s:
        text += "; it took %s" % format_duration(s["elapsed_s"])
    return lines + [text + "."]


def _rule(analysis):
    """The rule every verdict follows, with this report's numbers: the
    method paragraph."""
    decided, asked = analysis.tally()
    tested = sum(1 for c in analysis.family.comparisons.values() if c.estimate is not None)
    k = analysis.looks
    level = 1 - analysis.threshold / k
    # UDP's savings compare CPU per delivered byte, a cost, as RR's round trip.
    udp = ("; UDP: the same, and CPU per delivered byte by its inverse, so *faster* is "
           "cheaper" if analysis.udp.asked else "")
    return (
        "- Verdicts: every comparison is a ratio of speeds (Stream: throughput; RR: the "
        "inverse of the p50 round trip, so *faster* is a shorter round trip%s), taken as "
        "θ = ln(speed A / speed B): within one point, the mean of the per-round log ratios "
        "with a t interval on n−1 degrees of freedom (paired), or Welch's t interval where "
        "runs are not blocked or belong to two points. It reads *X%% faster [lo, hi]* "
        "(or slower) when the interval excludes 0, *equivalent within %s* when the "
        "interval lies inside ±ln(1+δ) (this wins when both hold), else *not decided*. "
        "Each comparison has a difference test and an equivalence test (two one-sided "
        "tests, doubled); each p-value is multiplied by K = %d, the most looks the "
        "sampler could take at a point (K×K = %d across two points), which keeps the "
        "verdicts valid however the sampler chose to stop. Benjamini–Hochberg at q = %s "
        "over the report's %d p-values (%d comparisons tested, of %d asked) sets the "
        "threshold T = %s; a comparison is decided when its p-value × K ≤ T, and every "
        "interval printed is the %s interval (1 − T/K), so a verdict and its interval "
        "never disagree. %d of %d comparisons are decided."
        % (udp, _margin(analysis.margin), k, k * k, num(analysis.q), 2 * tested, tested, asked,
           num(analysis.threshold), _level(level), decided, asked))


def _level(level):
    """0.99687 -> '99.69%': enough digits to tell it from 100%."""
    digits = 1
    while round(100 * level, digits) >= 100 and digits < 6:
        digits += 1
    return "%.*f%%" % (digits + 1, 100 * level)


def method_section(results, analysis):
    """How the run measured (flows, data regime, windows: from the context)
    and how the report decides."""
    c = results.context
    return ["## Method", "",
            "- Flows: window %s, warm-up %s (no counter sees it), waiting %s." % (
                _recorded(c, "window"), _recorded(c, "warmup"), _recorded(c, "wait")),
            "- Data regime: working set %s, payload %s." % (
                _recorded(c, "working_set"), _recorded(c, "payload"))] + \
        _sampling_lines(results) + [_rule(analysis), ""]


def noise_section(results):
    """Near the top: how much each point's runs spread and what is unstable."""
    n = answers.noise(results)
    lines = ["## Noise", "",
             "A point's spread is the coefficient of variation (CV: sample standard "
             "deviation / mean over its %ss) of its main metric (Stream: Gbps, "
             "RR: rtt_p50_us%s); above %s the point is *unstable* (⚠ in the tables)." %
             (n.unit, "; UdpStream: delivered Gbps, UdpRR: rtt_p50_us" if results.has_udp
              else "", _UNSTABLE), "", _unstable_line(n)]
    medians = ["%s %s" % (p, _cv(n.median_cv(p))) for p in results.patterns
               if n.median_cv(p) is not None]
    if medians:
        lines.append("- Median CV: %s." % ", ".join(medians))
    warning = noise_warning(n)
    if warning:
        lines.append("- **⚠ %s%s**" % (warning, "" if warning.endswith("?") else "."))
    lines += _placement_lines(results, n)
    return lines + [""]


def context_section(results):
    c = results.context
    lines = ["## Run context", "", "| key | value |", "|---|---|"]
    keys = ["date", "host_name", "kernel", "topology", "privilege", "mtu", "nodelay",
            "rx", "affinity", "cpus", "wait", "warmup", "window", "working_set", "payload",
            "rounds", "seed", "verify", "optmem_max", "hardware_counters",
            "num_cpus", "mhz_per_cpu", "load_avg", "library_build_type", "executable"]
    for k in keys + sorted(set(c) - set(keys) - _TABLE_KEYS):
        if k in c:
            v = c[k]
            if isinstance(v, list):
                v = ", ".join(num(x) for x in v)
            lines.append("| %s | %s |" % (k, v))
    lines.append("")
    lo, hi = results.repetitions()
    grid = ["- Patterns: %s." % (", ".join(results.patterns) or "none"),
            "- Modes: %s." % (", ".join(results.modes) or "none")]
    absent = [m for m in results.known_modes if m not in results.modes]
    if absent:
        grid.append("- Modes not in this run: %s." % ", ".join(absent))
    grid += ["- Sizes: %s." % ", ".join(format_size(s) for s in results.sizes()),
             "- Threads: %s." % ", ".join(str(t) for t in results.threads()),
             "- %ss per point: %s." % (results.unit.capitalize(),
                                       lo if lo == hi else "%d–%d" % (lo, hi))]
    topology = next((n for n in results.other if n.startswith("Topology/SetupTeardown")), None)
    if topology:
        times = [r.get("real_time") for r in results.other[topology] if "real_time" in r]
        unit = results.time_units.get(topology, "ns")
        if times:
            grid.append("- `Topology/SetupTeardown`: building and tearing down the two "
                        "namespaces and the veth pair took %s %s (median of %d), not plotted."
                        % (num(median(times)), unit, len(times)))
    load = c.get("load_avg")
    cpus = c.get("num_cpus")
    if isinstance(load, list) and load and cpus and load[0] > cpus:
        grid.append("- The 1-minute load average was %s on %s CPUs when the run started: "
                    "other work shared the machine, so expect noise." % (num(load[0]), cpus))
    if c.get("library_build_type") == "debug":
        grid.append("- `library_build_type: debug` describes Google Benchmark's library "
                    "(Debian's package), not how net_bench itself was compiled.")
    if results.errors:
        grid.append("- **%s failed:** %s" % (
            plural(len(results.errors), "benchmark"),
            "; ".join("`%s`: %s" % e for e in results.errors)))
    return lines + grid + [""]


def figures_section(results, figures, missing):
    lines = ["## Figures", ""]
    for f in figures:
        lines += ["### %s" % f.title, "", "![%s](%s)" % (f.title, f.filename), "",
                  "*%s %s.*" % (f.caption, results.caption()), ""]
    for m in missing:
        lines += ["### %s" % m.title, "", "%s: %s." % (m.title, m.reason), ""]
    return lines


# Counters shown in another unit in the tables: name -> (scale, label).
_TABLE_UNITS = {"ns_per_msg": (1e-3, "time per message (µs)")}
# Counters the tables leave out: the same measure as another column
# (bytes_per_second and msgs_per_second as Gbps and ns_per_msg; the mean
# round trip beside its percentiles). The profile's (profile_*), dozens per
# point, have their own table in "Where the CPU went".
_TABLE_OMITS = {"bytes_per_second", "msgs_per_second", "rtt_mean_us"}


def _table_counters(results, pattern):
    """The counters the pattern measured, in the run's table order."""
    return [c for c in results.counter_names() if c not in _TABLE_OMITS and
            not c.startswith(PROFILE_PREFIX) and results.has_counter(c, pattern)]


def _scaled(value, counter):
    if value is None:
        return "–"
    return num(value * _TABLE_UNITS.get(counter, (1, None))[0])


def _cv_cell(point, counter):
    c = point.cv(counter)
    if c is None:
        return "–"
    return ("⚠ " if c > answers.UNSTABLE_CV else "") + _cv(c)


def _columns(results, pattern):
    """The table's counters, with "CV" right after the main metric it is of."""
    counters = _table_counters(results, pattern)
    main = results.main_counter(pattern)
    at = counters.index(main) + 1 if main in counters else 0
    return counters[:at] + ["CV"] + counters[at:]


def _header(results, column, main):
    if column == "CV":
        return "CV of %s" % main
    return _TABLE_UNITS.get(column, (1, results.counter_label(column)))[1]


def tables_section(results):
    labels = any(p.labels for p in results.points.values())
    lines = ["## Tables", "",
             "Medians over %ss. CV: the spread of the pattern's main metric (⚠ above "
             "%s, see Noise).%s Counters absent from a table were not measured in this run%s."
             % (results.unit, _UNSTABLE, " CPUs: the CPUs each thread ran on, as net_bench observed them "
                "(\"|\": more than one)." if labels else "",
                " (the profile's are in Where the CPU went, its profile table)"
                if answers.cpu_profile(results).measured else ""), ""]
    for pattern in results.patterns:
        columns = _columns(results, pattern)
        main = results.main_counter(pattern)
        cpus = any(p.labels for k, p in results.points.items() if k[0] == pattern)
        lines += ["### %s" % pattern, "",
                  "| mode | size | threads | " + " | ".join(_header(results, c, main) for c in columns)
                  + (" | CPUs" if cpus else "") + " |",
                  "|---|---|---|" + "---|" * (len(columns) + cpus)]
        for mode in results.modes:
            for size in results.sizes(pattern):
                for t in results.threads(pattern):
                    p = results.point(pattern, mode, size, t)
                    if not p:
                        continue
                    cells = [_cv_cell(p, main) if c == "CV" else _scaled(p.value(c), c)
                             for c in columns]
                    if cpus:
                        cells.append("; ".join(p.cpus()) or "–")
                    lines.append("| %s | %s | %d | %s |" % (
                        mode, format_size(size), t, " | ".join(cells)))
        lines.append("")
    return lines


def run_margin(results):
    """The equivalence margin the run was sampled with, else the default."""
    s = results.sampling
    return float(s["margin"]) if s and "margin" in s else DEFAULT_MARGIN


def render(results, figures, missing, margin=None):
    """The whole report as Markdown text."""
    analysis = answers.Analysis(results, run_margin(results) if margin is None else margin)
    lines = ["# net_bench report", "",
             "From `%s`. %s." % (os.path.basename(results.path), results.caption()), ""]
    lines += noise_section(results)
    lines += method_section(results, analysis)
    lines += context_section(results)
    lines += ["# Answers", ""]
    lines += best_section(results, analysis)
    lines += study_section(results, analysis)
    lines += scaling_section(results, analysis)
    lines += copied_section(results)
    lines += udp_report.section(results, analysis)
    lines += profile_section(results, analysis)
    lines += figures_section(results, figures, missing)
    lines += tables_section(results)
    return "\n".join(lines)


def write(results, out_dir, margin=None):
    """Draws the figures and writes report.md into out_dir; returns its path."""
    os.makedirs(out_dir, exist_ok=True)
    figures, missing = plots.make_all(results, out_dir)
    path = os.path.join(out_dir, "report.md")
    with open(path, "w") as f:
        f.write(render(results, figures, missing, margin))
    return path


def main(argv):
    if argv[1:] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    margins = [a.split("=", 1)[1] for a in argv[1:] if a.startswith("--margin=")]
    paths = [a for a in argv[1:] if not a.startswith("--margin=")]
    if len(paths) not in (1, 2) or len(margins) > 1:
        print("usage: report.py RESULTS.json [OUT_DIR] [--margin=DELTA]", file=sys.stderr)
        return 2
    try:
        margin = parse_margin(margins[0]) if margins else None
        results = load(paths[0])
    except (ResultsError, ValueError) as e:
        print("report: %s" % e, file=sys.stderr)
        return 2
    if not results.points:
        print("report: %s: no net_bench grid benchmark in the file" % paths[0], file=sys.stderr)
        return 2
    out_dir = paths[1] if len(paths) == 2 else os.path.dirname(os.path.abspath(paths[0]))
    print(write(results, out_dir, margin))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
