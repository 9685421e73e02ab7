"""The report's figures (matplotlib, Agg backend, PNG).

Every figure carries its units on the axes, a legend, and the run's context
(kernel, topology, MTU, rounds) in a caption under the plot. Points are
medians over a point's runs (rounds or repetitions); error bars span their
min to max. A
figure whose counters the run did not measure is not drawn: make_all()
returns a note saying why instead, for the report to print.
"""
import os
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)
from matplotlib.ticker import FixedLocator, NullLocator

from . import answers
from . import udp
from .results import base_pattern, format_size, median, plural


@dataclass
class Figure:
    filename: str
    title: str
    caption: str      # what the figure shows, in one sentence, with units


@dataclass
class Missing:
    title: str
    reason: str


_STYLE = {}
# The order that fixes each mode's color: the run's vocabulary (make_all).
_MODE_ORDER = []


def _style(mode):
    """A fixed color and marker per mode, the same in every figure."""
    if mode not in _STYLE:
        i = (_MODE_ORDER.index(mode) if mode in _MODE_ORDER
             else len(_MODE_ORDER) + len(_STYLE))
        cmap = plt.get_cmap("tab10")
        _STYLE[mode] = dict(color=cmap(i % 10), marker="osD^v<>ph*"[i % 10])
    return _STYLE[mode]


def _new_figure(results, title, panels=1, note=None):
    fig, axes = _new_grid(results, title, panels, note=note)
    return fig, list(axes[0])


def _new_grid(results, title, panels, rows=1, note=None, heights=None, figsize=None):
    """A figure of rows x panels axes (a 2-D array), titled and captioned."""
    fig, axes = plt.subplots(rows, panels, squeeze=False, sharex="col" if rows > 1 else False,
                             figsize=figsize or (7.5 if panels == 1 else 11, 5),
                             gridspec_kw={"height_ratios": heights} if heights else None)
    fig.suptitle(title, fontsize=12)
    caption = "\n".join(textwrap.wrap(results.caption(), 180 if panels > 1 else 125))
    caption += "\n" + (note or "points: median; bars: min-max over %ss" % results.unit)
    fig.text(0.01, 0.01, caption, fontsize=7, va="bottom", ha="left", color="0.3")
    return fig, axes


def _save(fig, out_dir, filename):
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(os.path.join(out_dir, filename), dpi=110)
    plt.close(fig)


def _size_axis(ax, sizes):
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(FixedLocator(sizes))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticks(sizes)
    ax.set_xticklabels([format_size(s) for s in sizes])
    ax.set_xlabel("message size")


def _threads_axis(ax, threads):
    ax.set_xscale("log", base=2)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticks(threads)
    ax.set_xticklabels([str(t) for t in threads])
    ax.set_xlabel("threads (one connection each)")


def _line(ax, xs, points, counter, label, scale=1.0, **style):
    """Plots a counter's median with min-max bars; skips unmeasured points."""
    x, y, lo, hi = [], [], [], []
    for xv, p in zip(xs, points):
        if p is None or p.value(counter) is None:
            continue
        v = p.value(counter) * scale
        a, b = p.spread(counter)
        x.append(xv)
        y.append(v)
        lo.append(v - a * scale)
        hi.append(b * scale - v)
    if not x:
        return False
    style = {**style}
    ax.errorbar(x, y, yerr=[lo, hi], label=label, capsize=3, linewidth=1.5,
                markersize=5, **style)
    return True


def _finish(ax, ylabel, ymin=0):
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=ymin)
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:   # a panel with no line has no legend
        ax.legend(fontsize=8)


def throughput(results, out_dir):
    """Stream Gbps vs size, one line per mode, one figure per thread count."""
    figures = []
    sizes = results.sizes("Stream")
    for threads in results.threads("Stream"):
        fig, (ax,) = _new_figure(results, "Stream throughput vs message size, %s"
                                 % plural(threads, "thread"))
        for mode in results.modes:
            pts = [results.point("Stream", mode, s, threads) for s in sizes]
            _line(ax, sizes, pts, "Gbps", mode, **_style(mode))
        _size_axis(ax, sizes)
        _finish(ax, "throughput (Gbit/s, payload)")
        name = "throughput_threads_%d.png" % threads
        _save(fig, out_dir, name)
        figures.append(Figure(name, "Throughput, %s" % plural(threads, "thread"),
                              "Stream payload throughput (Gbit/s) against message size "
                              "at %s, one line per mode." % plural(threads, "thread")))
    return figures


def time_per_message(results, out_dir):
    size = results.reference_size("Stream")
    threads = results.threads("Stream")
    if size is None:
        return []
    fig, (ax,) = _new_figure(results, "Stream time per message vs threads, %s messages"
                             % format_size(size))
    for mode in results.modes:
        pts = [results.point("Stream", mode, size, t) for t in threads]
        _line(ax, threads, pts, "ns_per_msg", mode, scale=1e-3, **_style(mode))
    _threads_axis(ax, threads)
    _finish(ax, "time per message, each thread (µs)")
    name = "time_per_message.png"
    _save(fig, out_dir, name)
    return [Figure(name, "Time per message, %s" % format_size(size),
                   "Stream time per message (µs, each thread's own messages) against "
                   "the number of threads, %s messages, one line per mode." % format_size(size))]


def rr_latency(results, out_dir):
    size = results.reference_size("RR")
    threads = results.threads("RR")
    if size is None or not results.has_counter("rtt_p50_us", "RR"):
        return []
    fig, axes = _new_figure(results, "RR round-trip time vs threads, %s responses"
                            % format_size(size), panels=2)
    for ax, counter, label in ((axes[0], "rtt_p50_us", "p50"), (axes[1], "rtt_p99_us", "p99")):
        for mode in results.modes:
            pts = [results.point("RR", mode, size, t) for t in threads]
            _line(ax, threads, pts, counter, mode, **_style(mode))
        ax.set_title("%s round trip" % label, fontsize=10)
        _threads_axis(ax, threads)
        if counter == "rtt_p99_us":
            # Tails spread over decades under contention.
            ax.set_yscale("log")
        _finish(ax, "round-trip time, %s (µs%s)" % (label, ", log scale" if
                                                    counter == "rtt_p99_us" else ""),
                ymin=None if counter == "rtt_p99_us" else 0)
    name = "rr_latency.png"
    _save(fig, out_dir, name)
    return [Figure(name, "RR round trip, %s" % format_size(size),
                   "Request/response round-trip time (µs), p50 (left) and p99 (right), "
                   "against the number of threads, %s responses, one line per mode."
                   % format_size(size))]


def cpu_per_byte(results, out_dir):
    """Sender and receiver CPU cost per byte vs size, one figure per thread count."""
    if results.has_counter("tx_cycles_per_byte", "Stream"):
        counters = ("tx_cycles_per_byte", "rx_cycles_per_byte")
        unit, what = "CPU cycles per byte", "cycles per byte (hardware counters)"
    else:
        counters = ("tx_cpu_ns_per_byte", "rx_cpu_ns_per_byte")
        unit = "CPU ns per byte (thread CPU time; no hardware counters)"
        what = "CPU time per byte (ns; thread CPU clocks, hardware counters not available)"
    if not results.has_counter(counters[0], "Stream"):
        return []
    sizes = results.sizes("Stream")
    figures = []
    for threads in results.threads("Stream"):
        fig, axes = _new_figure(results, "Stream CPU cost per byte vs message size, %s"
                                % plural(threads, "thread"), panels=2)
        for ax, counter, side in ((axes[0], counters[0], "sender"),
                                  (axes[1], counters[1], "receiver")):
            for mode in results.modes:
                pts = [results.point("Stream", mode, s, threads) for s in sizes]
                _line(ax, sizes, pts, counter, mode, **_style(mode))
            ax.set_yscale("log")
            ax.set_title(side, fontsize=10)
            _size_axis(ax, sizes)
            _finish(ax, unit, ymin=None)
        name = "cpu_per_byte_threads_%d.png" % threads
        _save(fig, out_dir, name)
        figures.append(Figure(name, "CPU per byte, %s" % plural(threads, "thread"),
                              "Sender (left) and receiver (right) %s against message size "
                              "at %s, log scale, one line per mode."
                              % (what, plural(threads, "thread"))))
    return figures


def llc_misses(results, out_dir):
    if not results.has_counter("tx_llc_misses_per_kb", "Stream"):
        return []
    threads = results.reference_threads("Stream")
    sizes = results.sizes("Stream")
    fig, axes = _new_figure(results, "Stream LLC load misses per KiB vs message size, "
                            "%d threads" % threads, panels=2)
    for ax, counter, side in ((axes[0], "tx_llc_misses_per_kb", "sender"),
                              (axes[1], "rx_llc_misses_per_kb", "receiver")):
        for mode in results.modes:
            pts = [results.point("Stream", mode, s, threads) for s in sizes]
            _line(ax, sizes, pts, counter, mode, **_style(mode))
        ax.set_title(side, fontsize=10)
        _size_axis(ax, sizes)
        _finish(ax, "LLC load misses per KiB moved")
    name = "llc_misses.png"
    _save(fig, out_dir, name)
    return [Figure(name, "LLC misses per KiB",
                   "Last-level-cache load misses per KiB moved, sender (left) and receiver "
                   "(right), against message size at %d threads, one line per mode." % threads)]


def copied_ratio(results, out_dir):
    """Grouped bars: zc_copied_ratio per zero-copy mode and size."""
    modes = [m for m in results.modes
             if any(p.samples("zc_copied_ratio") for k, p in results.points.items() if k[1] == m)]
    if not modes:
        return []
    sizes = sorted({k[2] for k, p in results.points.items()
                    if k[1] in modes and p.samples("zc_copied_ratio")})
    fig, (ax,) = _new_figure(results, "Zero-copy sends the kernel copied anyway",
                             note="bars: median; whiskers: min-max over thread counts, "
                             "patterns and %ss" % results.unit)
    width = 0.8 / len(modes)
    for i, mode in enumerate(modes):
        xs, ys, lo, hi = [], [], [], []
        for j, size in enumerate(sizes):
            s = [v for k, p in results.points.items() if k[1] == mode and k[2] == size
                 for v in p.samples("zc_copied_ratio")]
            if not s:
                continue
            m = median(s)
            xs.append(j + (i - (len(modes) - 1) / 2) * width)
            ys.append(m)
            lo.append(m - min(s))
            hi.append(max(s) - m)
        ax.bar(xs, ys, width * 0.9, yerr=[lo, hi], capsize=3, label=mode,
               color=_style(mode)["color"])
    ax.set_xticks(range(len(sizes)))
    ax.set_xticklabels([format_size(s) for s in sizes])
    ax.set_xlabel("message size")
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("share of zero-copy notifications saying copied (0 = none, 1 = all)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    name = "zc_copied_ratio.png"
    _save(fig, out_dir, name)
    return [Figure(name, "Zero-copy copied ratio",
                   "Share of zero-copy sends whose completion said the kernel copied the data "
                   "(SO_EE_CODE_ZEROCOPY_COPIED), per mode and message size; bars: median over "
                   "thread counts, patterns and %ss, whiskers: min-max." % results.unit)]


def _category_colors(profile):
    """A fixed color per busy category, in the run's table order: the ten
    dark hues of tab20 first, then the light ones, so that neighbours in the
    stack never share a hue."""
    cmap = plt.get_cmap("tab20")
    return {c: cmap((2 * i + i // 10) % 20) for i, c in enumerate(profile.busy_categories)}


def _profile_bars(profile, modes, pattern):
    """[(x, size, mode, CpuPoint)] of a pattern's panel at its shown thread
    count: sizes in groups, modes in the run's order within each, a gap
    between groups."""
    threads = profile.threads[pattern]
    bars, x = [], 0
    for size in profile.sizes(pattern, threads):
        for mode in modes:
            cpu = profile.at(pattern, mode, size, threads)
            if cpu is not None:
                bars.append((x, size, mode, cpu))
                x += 1
        x += 1
    return bars


def _profile_panel(busy_ax, idle_ax, profile, pattern, bars, colors):
    """Stacked busy shares above, idle share below, size labels over groups."""
    xs = [b[0] for b in bars]
    bottom = [0.0] * len(bars)
    for c, color in colors.items():
        heights = [100 * b[3].busy.get(c, 0.0) for b in bars]
        if any(heights):
            busy_ax.bar(xs, heights, 0.8, bottom=bottom, color=color, label=c)
            bottom = [a + h for a, h in zip(bottom, heights)]
    idle_ax.bar(xs, [100 * b[3].idle for b in bars], 0.8, color="0.75")
    for size in dict.fromkeys(b[1] for b in bars):
        group = [b[0] for b in bars if b[1] == size]
        busy_ax.text((group[0] + group[-1]) / 2, 102, format_size(size), ha="center",
                     va="bottom", fontsize=8)
    busy_ax.set_ylim(0, 110)
    busy_ax.set_yticks(range(0, 101, 20))
    busy_ax.set_ylabel("share of busy CPU time (%)")
    busy_ax.set_title("%s, %s" % (pattern, plural(profile.threads[pattern], "thread")),
                      fontsize=10, pad=14)
    idle_ax.set_ylim(0, 100)
    idle_ax.set_ylabel("%s (%% of all)" % profile.label(answers.IDLE_CATEGORY), fontsize=8)
    idle_ax.set_xticks(xs)
    idle_ax.set_xticklabels([b[2] for b in bars], rotation=90, fontsize=7)
    for ax in (busy_ax, idle_ax):
        ax.grid(True, axis="y", alpha=0.3)


def where_the_cpu_went(results, out_dir):
    """Stacked bars of the profile's category shares per mode and size, one
    panel per profiled pattern at its shown thread count: the busy time
    renormalised to 100%, idle set apart below."""
    profile = answers.cpu_profile(results)
    patterns = [p for p in results.patterns if p in profile.threads]
    if not patterns:
        return []
    colors = _category_colors(profile)
    bars = {p: _profile_bars(profile, results.modes, p) for p in patterns}
    width = max(7.5, 2.5 + 0.28 * sum(len(b) + 2 for b in bars.values()))
    fig, axes = _new_grid(results, "Where the CPU went", len(patterns), rows=2,
                          heights=[4, 1], figsize=(width, 7), note=(
                              "bars: shares of the busy sampled CPU time (%s set apart, below, "
                              "as its share of all the sampled time; the rest renormalised to "
                              "100%%), the samples of a point's %ss pooled" % (
                                  profile.label(answers.IDLE_CATEGORY), results.unit)))
    for i, pattern in enumerate(patterns):
        _profile_panel(axes[0][i], axes[1][i], profile, pattern, bars[pattern], colors)
    handles = {}
    for ax in axes[0]:
        for h, c in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(c, h)
    shown = [c for c in colors if c in handles]
    axes[0][-1].legend([handles[c] for c in reversed(shown)],
                       [profile.label(c) for c in reversed(shown)], fontsize=7,
                       loc="upper left", bbox_to_anchor=(1.01, 1))
    name = "where_the_cpu_went.png"
    _save(fig, out_dir, name)
    where = ", ".join("%s at %s" % (p, plural(profile.threads[p], "thread")) for p in patterns)
    return [Figure(name, "Where the CPU went",
                   "Where each mode's busy CPU time went (--profile), per message size, "
                   "%s: stacked shares of the busy sampled CPU time by category, with %s "
                   "set apart below (its share of all the sampled time) and the rest "
                   "renormalised to 100%%" % (where, profile.label(answers.IDLE_CATEGORY)))]


def udp_stream(results, out_dir):
    """UdpStream's CPU per delivered byte (above) and loss share (below)
    against size, one column per receive mode, one line per send mode, one
    figure per thread count."""
    patterns = [p for p in udp.udp_patterns(results) if base_pattern(p) == udp.STREAM]
    if not patterns or not results.has_counter(udp.COST):
        return []
    figures = []
    for threads in sorted({t for p in patterns for t in results.threads(p)}):
        fig, axes = _new_grid(results, "UdpStream: CPU per delivered byte and loss, %s"
                              % plural(threads, "thread"), len(patterns), rows=2,
                              heights=[3, 2], figsize=(4 + 3.5 * len(patterns), 7))
        for i, pattern in enumerate(patterns):
            sizes = results.sizes(pattern)
            for row, counter in enumerate((udp.COST, udp.LOSS)):
                ax = axes[row][i]
                for mode in results.modes:
                    pts = [results.point(pattern, mode, s, threads) for s in sizes]
                    _line(ax, sizes, pts, counter, mode, scale=100 if row else 1,
                          **_style(mode))
                _size_axis(ax, sizes)
                _finish(ax, "loss (% of datagrams)" if row else "CPU ns per delivered byte")
            axes[0][i].set_title("rx=%s" % udp.receive_mode(pattern), fontsize=10)
        for ax in [a for row in axes for a in row][1:]:   # the same modes: one legend
            if ax.get_legend():
                ax.get_legend().remove()
        name = "udp_stream_threads_%d.png" % threads
        _save(fig, out_dir, name)
        figures.append(Figure(name, "UdpStream, %s" % plural(threads, "thread"),
                              "UdpStream's sender and receiver CPU per delivered byte (ns, "
                              "above) and datagrams lost (%%, below) against message size at "
                              "%s, one column per receive mode, one line per send mode."
                              % plural(threads, "thread")))
    return figures


def make_all(results, out_dir):
    """Draws every figure the run's data supports: (figures, missing)."""
    _MODE_ORDER[:] = results.known_modes
    _STYLE.clear()
    figures, missing = [], []
    figures += throughput(results, out_dir)
    if not results.threads("Stream"):
        missing.append(Missing("Throughput", "no Stream benchmark in this run"))
    figures += time_per_message(results, out_dir)
    rr = rr_latency(results, out_dir)
    figures += rr
    if not rr:
        missing.append(Missing("RR round trip", "no RR benchmark with round-trip "
                               "percentiles in this run"))
    figures += cpu_per_byte(results, out_dir)
    llc = llc_misses(results, out_dir)
    figures += llc
    if not llc:
        hw = results.hardware_counters()
        missing.append(Missing("LLC misses per KiB", "not measured on this machine" +
                               (" (hardware counters: %s)" % hw if hw else "")))
    zc = copied_ratio(results, out_dir)
    figures += zc
    if not zc:
        missing.append(Missing("Zero-copy copied ratio",
                               "not in this run (no ZeroCopy or UringZeroCopy benchmark)"))
    figures += udp_stream(results, out_dir)
    cpu = where_the_cpu_went(results, out_dir)
    figures += cpu
    if not cpu:
        missing.append(Missing("Where the CPU went", "this run was not profiled "
                               "(`tools/run --profile` profiles the sweep)"))
    return figures, missing
