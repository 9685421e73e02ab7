#!/usr/bin/python3
"""report.md for a net_bench run: context, answers, figures, tables.

Every finding in the report is a sentence built from the numbers of the run
(answers.py computes them); the only fixed text is headings, definitions and
the kernel's documented reason for copies on local delivery.

usage: report.py RESULTS.json [OUT_DIR]   (writes OUT_DIR/report.md and the PNGs;
                                           OUT_DIR defaults to the JSON's folder)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import answers  # noqa: E402
import plots  # noqa: E402
from netbench_results import (COUNTERS, MODES, ResultsError,  # noqa: E402
                              format_number as num, format_size, load, median)

ZEROCOPY_DOC = ("Documentation/networking/msg_zerocopy.rst, \"Loopback\": packets "
                "generated with MSG_ZEROCOPY that are looped to a local socket incur a "
                "deferred copy (skb_orphan_frags_rx on the receive path); veth between "
                "namespaces is local delivery, so the test \"will not show any improvement\"")


def _x(ratio):
    """A ratio with two decimals: 1.00×, 3.16×."""
    return "%.2f×" % ratio if ratio < 100 else "%.0f×" % ratio


def _plural(n, word):
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def _threads_phrase(results, threads, pattern="Stream"):
    ref = results.reference_threads(pattern)
    if threads == ref and threads != 8:
        return "at %d threads (the most in this run; the reference study uses 8)" % threads
    return "at " + _plural(threads, "thread")


def _range_phrase(sizes):
    return "%s–%s" % (format_size(sizes[0]), format_size(sizes[-1])) if sizes else "no sizes"


def _ratio_list(comparisons, mode, baseline):
    parts = []
    for c in comparisons:
        noise = "" if c.separated else ", within noise"
        parts.append("%s %s (%s vs %s Gbps%s)" % (format_size(c.size), _x(c.ratio),
                                                    num(c.a), num(c.b), noise))
    return "%s/%s throughput: " % (mode, baseline) + "; ".join(parts)


def crossover_sentence(results, x):
    """One answer: where x.mode starts beating x.baseline."""
    where = _threads_phrase(results, x.threads)
    if x.missing:
        return "**%s vs %s: not in this run** (%s not measured)." % (
            x.mode, x.baseline, " and ".join(x.missing))
    if not x.comparisons:
        return "**%s vs %s: not in this run** (no size with both measured %s)." % (
            x.mode, x.baseline, where)
    sizes = x.sizes
    if x.size is None:
        head = "**%s never beats %s in this range (%s)** %s" % (
            x.mode, x.baseline, _range_phrase(sizes), where)
    elif x.size == sizes[0] and not x.noisy_losses:
        head = "**%s beats %s at every size measured, from %s** %s" % (
            x.mode, x.baseline, format_size(x.size), where)
    elif x.size == sizes[0]:
        head = "**%s beats %s from %s, the smallest size measured,** %s" % (
            x.mode, x.baseline, format_size(x.size), where)
    else:
        head = "**%s beats %s from %s on** %s" % (x.mode, x.baseline,
                                                  format_size(x.size), where)
    if x.noisy_losses:
        head += " (behind at %s, but within noise)" % _sizes(x.noisy_losses)
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
    if x.size is None:
        return "never (%s)" % _range_phrase(x.sizes)
    if x.noisy_losses:
        return "%s (behind within noise at %s)" % (format_size(x.size), _sizes(x.noisy_losses))
    return format_size(x.size)


def crossover_section(results):
    lines = ["## When does a mechanism beat two-copy?", ""]
    threads = results.threads("Stream")
    if not threads:
        return lines + ["No Stream benchmark in this run.", ""]
    lines += ["A mode *beats* `TwoCopy` at a size when its median Stream throughput is "
              "higher; the crossover is the smallest size at which it beats `TwoCopy` and "
              "is not clearly behind (every repetition slower) at any larger size. "
              "\"Within noise\" marks sizes where the two modes' repetitions overlap.", ""]
    ref = results.reference_threads("Stream")
    for mode in ("OneCopy", "ZeroCopy"):
        lines += ["- " + crossover_sentence(results, answers.crossover(
            results, mode, "TwoCopy", ref)), ""]
    others = [m for m in results.modes if m != "TwoCopy"]
    absent = [m for m in MODES if m not in results.modes and m != "TwoCopy"]
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


def best_section(results):
    lines = ["## Best mode per size and thread count", ""]
    for pattern in results.patterns:
        best = answers.best_modes(results, pattern)
        if not best:
            continue
        counter = next(iter(best.values())).counter
        label = COUNTERS[counter][0]
        sizes = results.sizes(pattern)
        threads = results.threads(pattern)
        lines += ["%s, ranked by %s median%s. Each cell: the best mode, its value, "
                  "and its margin over the runner-up (\"~\" when their repetitions "
                  "overlap)." % (pattern, label,
                                 " (higher is better)" if counter == "Gbps"
                                 else " (lower is better)"), ""]
        lines += ["| size | " + " | ".join("%d thr" % t for t in threads) + " |",
                  "|---|" + "---|" * len(threads)]
        wins = {}
        for size in sizes:
            cells = []
            for t in threads:
                b = best.get((size, t))
                if not b:
                    cells.append("–")
                    continue
                wins[b.mode] = wins.get(b.mode, 0) + 1
                cell = "%s %s" % (b.mode, num(b.value))
                if b.margin is not None:
                    cell += " (%s%s %s)" % ("~" if not b.separated else "", _x(b.margin),
                                              b.runner_up)
                cells.append(cell)
            lines.append("| %s | %s |" % (format_size(size), " | ".join(cells)))
        lines.append("")
        total = sum(wins.values())
        lines += ["%s: best at %s of %d grid points." % (
            pattern, ", ".join("`%s` %d" % (m, n) for m, n in
                               sorted(wins.items(), key=lambda kv: -kv[1])), total), ""]
    return lines


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
                  s.high, _plural(s.low, "thread"), _x(s.median_ratio()),
                  _x(lo[0]), lo_key[0], format_size(lo_key[1]), num(lo[1]), num(lo[2]),
                  _x(hi[0]), hi_key[0], format_size(hi_key[1]), num(hi[1]), num(hi[2]),
                  "; the machine has %s CPUs" % cpus if cpus else ""), ""]
    sizes = results.sizes("Stream")
    lines += ["Per mode and size: ratio (Gbps at %s → Gbps at %d threads)." % (
        _plural(s.low, "thread"), s.high), ""]
    lines += ["| mode | " + " | ".join(format_size(z) for z in sizes) + " | median |",
              "|---|" + "---|" * (len(sizes) + 1)]
    for mode in results.modes:
        cells = []
        for size in sizes:
            r = s.ratios.get((mode, size))
            cells.append("%s (%s → %s)" % (_x(r[0]), num(r[1]), num(r[2])) if r else "–")
        m = s.mode_median(mode)
        cells.append(_x(m) if m is not None else "–")
        lines.append("| %s | %s |" % (mode, " | ".join(cells)))
    lines.append("")
    return lines


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


def context_section(results):
    c = results.context
    lines = ["## Run context", "", "| key | value |", "|---|---|"]
    keys = ["date", "host_name", "kernel", "topology", "privilege", "mtu", "nodelay",
            "rx", "verify", "optmem_max", "hardware_counters", "num_cpus", "mhz_per_cpu",
            "load_avg", "library_build_type", "executable"]
    for k in keys + sorted(set(c) - set(keys) - {"caches"}):
        if k in c:
            v = c[k]
            if isinstance(v, list):
                v = ", ".join(num(x) for x in v)
            lines.append("| %s | %s |" % (k, v))
    lines.append("")
    lo, hi = results.repetitions()
    grid = ["- Patterns: %s." % (", ".join(results.patterns) or "none"),
            "- Modes: %s." % (", ".join(results.modes) or "none")]
    absent = [m for m in MODES if m not in results.modes]
    if absent:
        grid.append("- Modes not in this run: %s." % ", ".join(absent))
    grid += ["- Sizes: %s." % ", ".join(format_size(s) for s in results.sizes()),
             "- Threads: %s." % ", ".join(str(t) for t in results.threads()),
             "- Repetitions per benchmark: %s." % (lo if lo == hi else "%d–%d" % (lo, hi))]
    topo = results.other.get("Topology/SetupTeardown/real_time")
    if topo:
        times = [r.get("real_time") for r in topo if "real_time" in r]
        unit = results.time_units.get("Topology/SetupTeardown/real_time", "ns")
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


def _table_counters(results, pattern):
    wanted = ["Gbps", "ns_per_msg", "rtt_p50_us", "rtt_p99_us", "rtt_p999_us",
              "tx_cpu_ns_per_byte", "rx_cpu_ns_per_byte", "tx_cycles_per_byte",
              "rx_cycles_per_byte", "tx_llc_misses_per_kb", "rx_llc_misses_per_kb",
              "sys_cpu_ns_per_byte", "softirq_share", "syscalls_per_msg",
              "ctx_switches_per_msg", "zc_copied_ratio", "zc_completions_per_msg",
              "zc_enobufs", "rx_mapped_share"]
    return [c for c in wanted if results.has_counter(c, pattern)]


def _scaled(value, counter):
    if value is None:
        return "–"
    return num(value * _TABLE_UNITS.get(counter, (1, None))[0])


def tables_section(results):
    lines = ["## Tables", "",
             "Medians over repetitions. Counters absent from a table were not measured "
             "in this run.", ""]
    for pattern in results.patterns:
        counters = _table_counters(results, pattern)
        lines += ["### %s" % pattern, "",
                  "| mode | size | threads | " + " | ".join(
                      _TABLE_UNITS.get(c, (1, COUNTERS[c][0]))[1] for c in counters) + " |",
                  "|---|---|---|" + "---|" * len(counters)]
        for mode in results.modes:
            for size in results.sizes(pattern):
                for t in results.threads(pattern):
                    p = results.point(pattern, mode, size, t)
                    if not p:
                        continue
                    lines.append("| %s | %s | %d | %s |" % (
                        mode, format_size(size), t,
                        " | ".join(_scaled(p.value(c), c) for c in counters)))
        lines.append("")
    return lines


def render(results, figures, missing):
    """The whole report as Markdown text."""
    lines = ["# net_bench report", "",
             "From `%s`. %s." % (os.path.basename(results.path), results.caption()), ""]
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
