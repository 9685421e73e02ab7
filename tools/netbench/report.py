"""report.md for a net_bench run: noise, context, answers, figures, tables.

Every finding in the report is a sentence built from the numbers of the run
(answers.py computes them); the only fixed text is headings, definitions and
the kernel's documented reason for copies on local delivery. A finding that
compares (a crossover, a best mode, a direction of scaling) is stated only
where the repetitions support it; the rest says "not decided by this run", so
a reader never mistakes noise for a result.

usage: report.py RESULTS.json [OUT_DIR]   (writes OUT_DIR/report.md and the PNGs;
                                           OUT_DIR defaults to the JSON's folder)
"""
import os
import sys

from . import answers
from . import plots
from .results import (ResultsError, format_number as num, format_size, load, median,
                      plural)

ZEROCOPY_DOC = ("Documentation/networking/msg_zerocopy.rst, \"Loopback\": packets "
                "generated with MSG_ZEROCOPY that are looped to a local socket incur a "
                "deferred copy (skb_orphan_frags_rx on the receive path); veth between "
                "namespaces is local delivery, so the test \"will not show any improvement\"")

# The unstable threshold as the report prints it: "5%".
_UNSTABLE = "%g%%" % (100 * answers.UNSTABLE_CV)
# Context keys that hold the run's own tables (JSON), not values to show.
_TABLE_KEYS = {"caches", "modes", "patterns", "counters", "sampling"}


def _x(ratio):
    """A ratio with two decimals: 1.00×, 3.16×."""
    return "%.2f×" % ratio if ratio < 100 else "%.0f×" % ratio


def _threads_phrase(results, threads, pattern="Stream"):
    ref = results.reference_threads(pattern)
    if threads == ref and threads != 8:
        return "at %s (the most in this run; the reference study uses 8)" % plural(
            threads, "thread")
    return "at " + plural(threads, "thread")


def _range_phrase(sizes):
    return "%s–%s" % (format_size(sizes[0]), format_size(sizes[-1])) if sizes else "no sizes"


def _cv(cv):
    """A CV as a percentage, 0.0712 -> '7.1%', with a second decimal where one
    is needed to show that an unstable CV is above the threshold (0.0502 ->
    '5.02%', not '5.0%')."""
    if cv > answers.UNSTABLE_CV and round(100 * cv, 1) <= 100 * answers.UNSTABLE_CV:
        return "%.2f%%" % (100 * cv)
    return "%.1f%%" % (100 * cv)


def _verdict(decided, p, repetitions):
    """What the test said about one comparison, in a few words."""
    if p is None:
        return "not decided: %d vs %d repetitions" % repetitions
    if decided:
        return "p=%.3f" % p
    return "not decided, p=%.2f" % p


def _ratio_list(comparisons, mode, baseline):
    parts = []
    for c in comparisons:
        parts.append("%s %s (%s vs %s Gbps, %s)" % (
            format_size(c.size), _x(c.ratio), num(c.a), num(c.b),
            _verdict(c.decided, c.p, c.repetitions)))
    return "%s/%s throughput: " % (mode, baseline) + "; ".join(parts)


def _too_few(n):
    """Why n repetitions per side decide nothing, or None when they can."""
    if n < answers.MIN_REPETITIONS:
        return "%s per side, and the test needs at least %d" % (
            plural(n, "repetition"), answers.MIN_REPETITIONS)
    if answers.smallest_p(n, n) > answers.ALPHA + answers.P_SLACK:
        return "with %s per side the smallest p the test can give is %.2f, above %s" % (
            plural(n, "repetition"), answers.smallest_p(n, n), answers.ALPHA)
    return None


def crossover_sentence(results, x):
    """One answer: where x.mode starts beating x.baseline, if the run decides it."""
    where = _threads_phrase(results, x.threads)
    if x.missing:
        return "**%s vs %s: not in this run** (%s not measured)." % (
            x.mode, x.baseline, " and ".join(x.missing))
    if not x.comparisons:
        return "**%s vs %s: not in this run** (no size with both measured %s)." % (
            x.mode, x.baseline, where)
    sizes = x.sizes
    undecided = "; not decided at %s" % _sizes(x.undecided) if x.undecided else ""
    if x.size is None and x.never:
        head = "**%s never beats %s in this range (%s)** %s%s" % (
            x.mode, x.baseline, _range_phrase(sizes), where, undecided)
    elif x.size is None:
        why = _too_few(x.fewest_repetitions) or \
            "no size where it is ahead by the test and not behind at a larger size"
        head = "**%s vs %s: not decided by this run** %s: %s" % (
            x.mode, x.baseline, where, why)
    elif x.size == sizes[0] and not x.undecided:
        head = "**%s beats %s at every size measured, from %s** %s" % (
            x.mode, x.baseline, format_size(x.size), where)
    elif x.size == sizes[0]:
        head = "**%s beats %s from %s, the smallest size measured,** %s%s" % (
            x.mode, x.baseline, format_size(x.size), where, undecided)
    else:
        head = "**%s beats %s from %s on** %s%s" % (
            x.mode, x.baseline, format_size(x.size), where, undecided)
    text = head + ". " + _ratio_list(x.comparisons, x.mode, x.baseline) + "."
    if x.early_wins:
        text += " (Also ahead at %s, but clearly behind at a larger size.)" % _sizes(
            x.early_wins)
    return text


def _sizes(sizes):
    return ", ".join(format_size(s) for s in sizes)


def _crossover_cell(x):
    if x.missing or not x.comparisons:
        return "not in this run"
    if x.never:
        return "never (%s)" % _range_phrase(x.sizes)
    if x.size is None:
        return "not decided"
    above = [s for s in x.undecided if s > x.size]
    if above:
        return "%s (not decided at %s)" % (format_size(x.size), _sizes(above))
    return format_size(x.size)


def _decision_rule():
    """The rule every "beats" in the report follows, in one sentence."""
    return ("*Beats* means a better median that a two-sided Mann-Whitney U test over "
            "the two sides' repetitions supports (p ≤ %s, at least %d repetitions "
            "each); anything else is *not decided by this run*." % (
                answers.ALPHA, answers.MIN_REPETITIONS))


def crossover_section(results):
    lines = ["## When does a mechanism beat two-copy?", ""]
    threads = results.threads("Stream")
    if not threads:
        return lines + ["No Stream benchmark in this run.", ""]
    lines += ["A mode *beats* `TwoCopy` at a size when its Stream throughput is higher by "
              "the test (see Noise); the crossover is the smallest size at which it beats "
              "`TwoCopy` and is not behind, by the same test, at any larger size. A size "
              "the test does not decide neither makes nor undoes a crossover. \"Never\" "
              "needs `TwoCopy` ahead by the test at the largest size.", ""]
    ref = results.reference_threads("Stream")
    for mode in ("OneCopy", "ZeroCopy"):
        lines += ["- " + crossover_sentence(results, answers.crossover(
            results, mode, "TwoCopy", ref)), ""]
    others = [m for m in results.modes if m != "TwoCopy"]
    absent = [m for m in results.known_modes if m not in results.modes and m != "TwoCopy"]
    lines += ["Crossover size against `TwoCopy` per thread count (Stream throughput):", ""]
    lines += ["| mode | " + " | ".join("%d thr" % t for t in threads) + " |",
              "|---|" + "---|" * len(threads)]
    for mode in others:
        cells = [_crossover_cell(answers.crossover(results, mode, "TwoCopy", t))
                 for t in threads]
        lines.append("| %s | %s |" % (mode, " | ".join(cells)))
    lines.append("")
    if absent:
        lines += ["Not in this run: %s." % ", ".join("`%s`" % m for m in absent), ""]
    return lines


def _best_cell(b):
    """One point of the best-mode table: the winner only where the test says so."""
    if b.runner_up is None:
        return "%s %s (only mode)" % (b.mode, num(b.value))
    if b.decided:
        return "%s %s (%s %s)" % (b.mode, num(b.value), _x(b.margin), b.runner_up)
    more = ", +%d more" % (len(b.tied) - 1) if len(b.tied) > 1 else ""
    return "not decided (%s ~ %s%s)" % (b.mode, b.tied[0], more)


def _best_summary(pattern, best):
    decided = [b for b in best.values() if b.decided]
    wins = {}
    for b in decided:
        wins[b.mode] = wins.get(b.mode, 0) + 1
    if not decided:
        return "%s: no grid point decided by this run (%d points)." % (pattern, len(best))
    text = "%s: decided at %d of %d grid points (%s)" % (
        pattern, len(decided), len(best),
        ", ".join("`%s` %d" % (m, n) for m, n in sorted(wins.items(), key=lambda kv: -kv[1])))
    undecided = len(best) - len(decided)
    return text + ("; not decided by this run at %d." % undecided if undecided else ".")


def best_section(results):
    lines = ["## Best mode per size and thread count", ""]
    for pattern in results.patterns:
        best = answers.best_modes(results, pattern)
        if not best:
            continue
        counter = next(iter(best.values())).counter
        label = results.counter_label(counter)
        sizes = results.sizes(pattern)
        threads = results.threads(pattern)
        lines += ["%s, ranked by %s median%s. A cell names the best mode, its median and "
                  "its margin over the runner-up where the test puts it ahead of every "
                  "other mode; otherwise it is *not decided*, with the modes the test cannot "
                  "tell apart (\"~\")." % (pattern, label, " (higher is better)"
                                          if counter == "Gbps" else " (lower is better)"), ""]
        lines += ["| size | " + " | ".join("%d thr" % t for t in threads) + " |",
                  "|---|" + "---|" * len(threads)]
        for size in sizes:
            cells = [_best_cell(best[(size, t)]) if (size, t) in best else "–"
                     for t in threads]
            lines.append("| %s | %s |" % (format_size(size), " | ".join(cells)))
        lines += ["", _best_summary(pattern, best), ""]
    return lines


def _change_cell(c):
    cell = "%s (%s → %s)" % (_x(c.ratio), num(c.low), num(c.high))
    return cell if c.direction else cell + ", not decided"


def scaling_section(results):
    lines = ["## Scaling with threads", ""]
    s = answers.scaling(results)
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
    lines += [_scaling_verdict(s), ""]
    sizes = results.sizes("Stream")
    lines += ["Per mode and size: ratio (Gbps at %s → Gbps at %d threads); *not decided* "
              "where the test does not tell the two thread counts apart." % (
                  plural(s.low, "thread"), s.high), ""]
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


def _scaling_verdict(s):
    """Which way throughput went, only as far as the test says."""
    up, down, undecided = s.count("up"), s.count("down"), s.count(None)
    total = len(s.changes)
    if undecided == total:
        return ("Whether throughput rises or falls from %s to %d threads is not decided "
                "by this run at any of the %d mode and size pairs." % (
                    plural(s.low, "thread"), s.high, total))
    parts = []
    if up:
        parts.append("rises at %d" % up)
    if down:
        parts.append("falls at %d" % down)
    text = "By the test, throughput from %s to %d threads %s of %d mode and size pairs" % (
        plural(s.low, "thread"), s.high, " and ".join(parts), total)
    return text + ("; not decided by this run at %d." % undecided if undecided else ".")


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
                     "repetition" % num(c.low)
        else:
            spread = "median per size: %s; range over every thread count, pattern and " \
                     "repetition %s–%s" % (per_size, num(c.low), num(c.high))
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
    return "too few repetitions (%d, fewer than %d)" % (n.repetitions,
                                                       answers.ADVISED_REPETITIONS)


def _known(n):
    """What the run's record says about the usual causes, when none applies."""
    placement = "placement %s" % n.affinity if n.affinity else "placement not recorded"
    steal = ("median steal_share %s" % num(n.steal) if n.steal is not None
             else "steal not measured")
    return "%s, %s, %s" % (placement, steal, plural(n.repetitions, "repetition"))


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
                plural(n.repetitions, "repetition"))
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


def _decisions_line(n):
    text = "- " + _decision_rule()
    needed = answers.repetitions_needed()
    text += (" With %d against %d the smallest p is %.2f, so %d per side are the fewest "
             "that can decide anything (tools/run uses %d)." % (
                 needed - 1, needed - 1, answers.smallest_p(needed - 1, needed - 1), needed,
                 answers.ADVISED_REPETITIONS))
    if 0 < n.repetitions < needed:
        text += " **This run has %s per point: nothing in it is decided.**" % plural(
            n.repetitions, "repetition")
    return text


def noise_section(results):
    """Near the top: how much each point's repetitions spread, what is unstable,
    and the rule the answers follow."""
    n = answers.noise(results)
    lines = ["## Noise", "",
             "A point's spread is the coefficient of variation (CV: sample standard "
             "deviation / mean over its repetitions) of its main metric (Stream: Gbps, "
             "RR: rtt_p50_us); above %s the point is *unstable* (⚠ in the tables)." %
             _UNSTABLE, "", _unstable_line(n)]
    medians = ["%s %s" % (p, _cv(n.median_cv(p))) for p in results.patterns
               if n.median_cv(p) is not None]
    if medians:
        lines.append("- Median CV: %s." % ", ".join(medians))
    warning = noise_warning(n)
    if warning:
        lines.append("- **⚠ %s%s**" % (warning, "" if warning.endswith("?") else "."))
    lines += _placement_lines(results, n)
    lines += [_decisions_line(n), ""]
    return lines


def context_section(results):
    c = results.context
    lines = ["## Run context", "", "| key | value |", "|---|---|"]
    keys = ["date", "host_name", "kernel", "topology", "privilege", "mtu", "nodelay",
            "rx", "affinity", "cpus", "wait", "verify", "optmem_max", "hardware_counters",
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
             "- Repetitions per benchmark: %s." % (lo if lo == hi else "%d–%d" % (lo, hi))]
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
        grid.append("- **%d benchmark%s failed:** %s" % (
            len(results.errors), "" if len(results.errors) == 1 else "s",
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
# round trip beside its percentiles).
_TABLE_OMITS = {"bytes_per_second", "msgs_per_second", "rtt_mean_us"}


def _table_counters(results, pattern):
    """The counters the pattern measured, in the run's table order."""
    return [c for c in results.counter_names()
            if c not in _TABLE_OMITS and results.has_counter(c, pattern)]


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
             "Medians over repetitions. CV: the spread of the pattern's main metric (⚠ above "
             "%s, see Noise).%s Counters absent from a table were not measured in this run."
             % (_UNSTABLE, " CPUs: the CPUs each thread ran on, as net_bench observed them "
                "(\"|\": more than one)." if labels else ""), ""]
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


def render(results, figures, missing):
    """The whole report as Markdown text."""
    lines = ["# net_bench report", "",
             "From `%s`. %s." % (os.path.basename(results.path), results.caption()), ""]
    lines += noise_section(results)
    lines += context_section(results)
    lines += ["# Answers", ""]
    lines += crossover_section(results)
    lines += best_section(results)
    lines += scaling_section(results)
    lines += copied_section(results)
    lines += figures_section(results, figures, missing)
    lines += tables_section(results)
    return "\n".join(lines)


def write(results, out_dir):
    """Draws the figures and writes report.md into out_dir; returns its path."""
    os.makedirs(out_dir, exist_ok=True)
    figures, missing = plots.make_all(results, out_dir)
    path = os.path.join(out_dir, "report.md")
    with open(path, "w") as f:
        f.write(render(results, figures, missing))
    return path


def main(argv):
    if argv[1:] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    if len(argv) not in (2, 3):
        print("usage: report.py RESULTS.json [OUT_DIR]", file=sys.stderr)
        return 2
    try:
        results = load(argv[1])
    except ResultsError as e:
        print("report: %s" % e, file=sys.stderr)
        return 2
    if not results.points:
        print("report: %s: no net_bench grid benchmark in the file" % argv[1], file=sys.stderr)
        return 2
    out_dir = argv[2] if len(argv) == 3 else os.path.dirname(os.path.abspath(argv[1]))
    print(write(results, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
