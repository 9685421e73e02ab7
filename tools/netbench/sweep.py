"""Runs net_bench's grid as sequential blocked sampling within a budget, then
draws the plots and writes the report.

usage: sweep.py NET_BENCH RESULTS_ROOT [--udp] [--budget=DURATION]
                [--margin=DELTA] [--seed=S] [net_bench flags...]

Writes RESULTS_ROOT/<timestamp>/ with net_bench.json (Google Benchmark's
JSON, readable by its compare.py), net_bench.txt (net_bench's console
output), the PNG figures and report.md. Every other argument goes to
net_bench (--modes, --sizes, --threads, --patterns, --benchmark_filter,
--mtu, ...); unless given, the window is --benchmark_min_time=DEFAULT_WINDOW
and --calibrate is added. The grid is TCP's (TCP_GRID: --patterns=Stream,RR,
unless --patterns or --benchmark_filter is given), or with --udp UDP's
(UDP_GRID: its patterns, receive modes, sizes and threads, each unless
given; budget UDP_BUDGET unless --budget is given).

How it samples. The benchmarks net_bench lists are grouped into points
(pattern, size, threads). Each point runs in stages, `net_bench
--rounds=n`: n blocked rounds, each running every mode of the point once in
a seeded random order. After each stage the sampler looks at the point:
the leader against every other mode and, for Stream, every mode against
TwoCopy (answers.Analysis), decided at the provisional threshold q/4 with
K = len(SCHEDULE) looks. The point stops when all are decided or at the
schedule's end, and the sampling when no point's next stage (its time
estimated from the stages so far) fits in the budget left; a point whose
benchmark failed stops at once. The points are sampled in passes over the
grid (Sampler.passes): the first gives every point its first look, each
next one every undecided point its next stage, nearest to decided first as
projected from its intervals (verdicts.rounds_to_decide), so that a point's
rounds spread over the whole run and the budget goes where it decides
questions. Every point gets its first stage, even over budget. Calibration (--calibrate) runs before the first point and after the
last, the other non-grid benchmarks (Topology/, Baseline/) once.

With net_bench's --profile (or --profile_alternate), every stage is
profiled and writes its folded stacks to a folder of its own; after each
stage they are added into RESULTS_ROOT/<timestamp>/profile/ (one file per
benchmark, each stack's count summed over the stages), so that a point's
file holds the samples of all its rounds, not only its last stage's.

Interrupted (Ctrl-C, SIGTERM, SIGHUP), it stops net_bench, waits for it (the
kernel frees net_bench's namespaces with the process), removes the unfinished
results folder and exits 130.

Exit status: 0 every benchmark ran without error; 1 at least one failed (the
report is still written); 2 bad input (nothing is kept); 128+N net_bench was
killed by signal N (what was measured is kept).
"""
import ctypes
import datetime
import hashlib
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

from . import answers
from . import report
from .results import (Results, ResultsError, format_duration, format_size, grid_name, load,
                      parse_name, plural)
from .verdicts import (DEFAULT_MARGIN, LOOKS, Q, SCHEDULE, next_rounds, parse_margin,
                       provisional_threshold, rounds_to_decide, stop_reason)

# The one place for the run's window and warm-up (the engineer tunes them):
# --benchmark_min_time is each run's measured window, in seconds; --warmup
# the warm-up before it (None: net_bench's own default).
DEFAULT_WINDOW = "0.2"
DEFAULT_WARMUP = None
DEFAULT_BUDGET = "10m"
# The grid tools/run samples by default: TCP's patterns. net_bench's own
# default runs the UDP patterns too, so the preset names TCP's, unless the
# user chose patterns (--patterns) or benchmarks (--benchmark_filter).
TCP_GRID = ["--patterns=Stream,RR"]
# tools/run --udp: the UDP grid instead. 1472 bytes is one datagram at MTU
# 1500; 63K (64512 bytes) is ~44 of them, just under one GSO send's 64 KiB.
# UdpStream runs unpaced (what each mode delivers at most, and loses) and
# paced at 1 Gbit/s (what each costs per delivered byte at the same
# lossless rate, and whether loss begins below it). Each flag applies unless
# the user gives it.
UDP_GRID = ["--patterns=UdpStream,UdpRR", "--udp_rx=recvmsg,recvmmsg,gro",
            "--sizes=1472,16K,63K", "--threads=1,2", "--rate=0,1G"]
UDP_BUDGET = "10m"
# The machine's own spread (Calibration/) goes into every report.
DEFAULT_FLAGS = ["--calibrate"]
# Repetitions of each calibration row before the first and after the last point.
CALIBRATION_REPETITIONS = 3
# Flags the sampler sets itself, refused from the user with the reason.
_OWN_FLAGS = {
    "rounds": "the sampler chooses each stage's rounds (see --budget)",
    "benchmark_repetitions": "the sampler runs blocked rounds, not repetitions (see --budget)",
    "benchmark_out": "the results go to RESULTS_ROOT/<timestamp>/net_bench.json",
    "benchmark_out_format": "the results are written as JSON",
    "profile_out": "--profile's folded stacks go to RESULTS_ROOT/<timestamp>/profile",
}
# What net_bench reads as true in a boolean flag ("--profile" alone included).
_TRUE = {"", "true", "1", "yes"}


class Interrupted(Exception):
    pass


class BadInput(Exception):
    """The message is one line, fit for the user."""


_signalled = False


def _on_signal(signum, frame):
    # Raised wherever the script is; a few places swallow exceptions (the
    # at-fork handlers subprocess runs, __del__ methods), so the signal is
    # also remembered and checked after each of them.
    global _signalled
    _signalled = True
    raise Interrupted()


def handle_signals():
    """Ctrl-C, SIGTERM and SIGHUP raise Interrupted from here on."""
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)


def _check_interrupted():
    """Raises Interrupted when a signal came while its exception was lost."""
    if _signalled:
        raise Interrupted()


def _die_with_parent():
    """In the child: SIGKILL net_bench if this script dies without cleaning up."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


def _flag_name(arg):
    """'--name=value' or '--name' -> 'name'; None for anything else."""
    return arg[2:].split("=", 1)[0] if arg.startswith("--") else None


def flag_value(args, name):
    """The last --name=value among args, or None."""
    value = None
    for a in args:
        if a.startswith("--%s=" % name):
            value = a.split("=", 1)[1]
    return value


def with_defaults(args, defaults):
    """args plus every default flag ('--name=value' or '--name') whose name
    args do not already give."""
    given = {_flag_name(a) for a in args}
    return list(args) + [d for d in defaults if _flag_name(d) not in given]


def profiling(args):
    """net_bench's flags turn --profile on, read as net_bench reads them:
    in order, --profile_alternate turning it on too."""
    on = False
    for a in args:
        name = _flag_name(a)
        value = a.split("=", 1)[1] if "=" in a else ""
        if name == "profile":
            on = value in _TRUE
        elif name == "profile_alternate" and value in _TRUE:
            on = True
    return on


def _add_folded(path, counts):
    """Adds a folded-stack file's counts ('stack count' lines) into counts;
    a missing file adds nothing."""
    try:
        with open(path, errors="replace") as f:
            for line in f:
                stack, _, count = line.rstrip("\n").rpartition(" ")
                if stack and count.isdigit():
                    counts[stack] = counts.get(stack, 0) + int(count)
    except FileNotFoundError:
        pass


def merge_folded(src, dst):
    """Adds every folded-stack file of a stage's folder (src) into the run's
    (dst), stack by stack, each written under a temporary name and renamed
    (sorted by stack, as net_bench writes them). A stage that wrote none
    (not profiled, or not permitted) adds nothing."""
    if not os.path.isdir(src):
        return
    for name in sorted(n for n in os.listdir(src) if n.endswith(".folded")):
        os.makedirs(dst, exist_ok=True)
        counts = {}
        for path in (os.path.join(dst, name), os.path.join(src, name)):
            _add_folded(path, counts)
        target = os.path.join(dst, name)
        with open(target + ".tmp", "w") as f:
            f.writelines("%s %d\n" % kv for kv in sorted(counts.items()))
        os.rename(target + ".tmp", target)


def sampling_defaults():
    """The flags the sampler adds unless the user gives them."""
    warmup = ["--warmup=" + DEFAULT_WARMUP] if DEFAULT_WARMUP else []
    return ["--benchmark_min_time=" + DEFAULT_WINDOW] + warmup + DEFAULT_FLAGS


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


def parse_duration(text):
    """'90s', '10m', '1h', '1h30m', '2.5m' -> seconds. Raises ValueError."""
    m = _DURATION.match(text)
    if not text or not m:
        raise ValueError("--budget=%s: not a duration (e.g. 90s, 10m, 1h30m)" % text)
    h, mi, s = (float(x) if x else 0.0 for x in m.groups())
    seconds = 3600 * h + 60 * mi + s
    if seconds <= 0:
        raise ValueError("--budget=%s: the budget must be above zero" % text)
    return seconds


@dataclass
class Options:
    budget: float                     # seconds
    margin: float
    seed: int                         # the base seed every stage's seed derives from
    args: list                        # net_bench's flags, defaults added
    grid: list = field(default_factory=list)   # the preset's flags (TCP_GRID, UDP_GRID)

    @property
    def net_bench_args(self):
        """Every flag net_bench is run with."""
        return self.args + self.grid


def grid_preset(args, udp):
    """The preset's flags the user's args leave to it: UDP_GRID's not given
    (--udp), else TCP_GRID unless the user chose patterns or benchmarks."""
    if udp:
        return with_defaults(args, UDP_GRID)[len(args):]
    given = {_flag_name(a) for a in args}
    return [] if given & {"patterns", "benchmark_filter"} else list(TCP_GRID)


def _udp_flag(a):
    """--udp or --udp=BOOL: True or False. Raises BadInput."""
    value = a.split("=", 1)[1].lower() if "=" in a else ""
    if value in _TRUE:
        return True
    if value in ("false", "0", "no"):
        return False
    raise BadInput("%s: --udp takes no value, or true or false" % a)


def parse_options(argv):
    """tools/run's own flags (--budget, --margin, --seed, --udp) and
    net_bench's. Raises BadInput."""
    own = {"budget": None, "margin": None, "seed": None}
    udp = False
    args = []
    for a in argv:
        name = _flag_name(a)
        if name in own and "=" in a:
            own[name] = a.split("=", 1)[1]
        elif name == "udp":
            udp = _udp_flag(a)
        elif name in _OWN_FLAGS:
            raise BadInput("--%s: %s" % (name, _OWN_FLAGS[name]))
        else:
            args.append(a)
    try:
        budget = parse_duration(own["budget"] or (UDP_BUDGET if udp else DEFAULT_BUDGET))
        margin = DEFAULT_MARGIN if own["margin"] is None else parse_margin(own["margin"])
    except ValueError as e:
        raise BadInput(str(e)) from None
    seed = own["seed"]
    if seed is not None and not seed.isdigit():
        raise BadInput("--seed=%s: not a non-negative integer" % seed)
    base = int(seed) if seed is not None else random.SystemRandom().randrange(1 << 31)
    return Options(budget, margin, base, with_defaults(args, sampling_defaults()),
                   grid_preset(args, udp))


def derive_seed(base, *parts):
    """A stage's seed: a hash of the base seed and where the stage is, so
    that a run is reproducible from its base seed alone."""
    text = ":".join(str(p) for p in (base, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") >> 1


@dataclass
class PointPlan:
    """One point to sample: (pattern, size, threads) and its benchmarks, one
    per mode."""
    pattern: str
    size: int
    threads: int
    names: list = field(default_factory=list)

    @property
    def title(self):
        return "%s %s %d thr" % (self.pattern, format_size(self.size), self.threads)

    @property
    def key(self):
        return grid_name(self.pattern, self.size, self.threads)


@dataclass
class Plan:
    """What net_bench listed: grid points in the order listed, calibration
    rows, and every other benchmark."""
    points: list
    calibration: list
    others: list


def make_plan(names):
    """Groups the listed names: grid benchmarks into points, in the order
    net_bench lists them, then calibration rows and the rest."""
    points, calibration, others = {}, [], []
    for name in names:
        key = parse_name(name)
        if key is not None:
            pattern, _, size, threads = key
            points.setdefault((pattern, size, threads),
                              PointPlan(pattern, size, threads)).names.append(name)
        elif name.startswith("Calibration/"):
            calibration.append(name)
        else:
            others.append(name)
    return Plan(list(points.values()), calibration, others)


def name_filter(names):
    """--benchmark_filter selecting exactly these benchmarks."""
    return "--benchmark_filter=^(%s)$" % "|".join(re.escape(n) for n in names)


@dataclass
class Stage:
    """One net_bench invocation: its rounds, wall time, exit status, JSON
    (None when unusable) and, when it failed, why in one line."""
    rounds: int
    seconds: float
    status: int
    data: dict = None
    why: str = ""

    @property
    def errors(self):
        """(name, error_message) of the benchmarks that failed."""
        return [(b.get("name", "?"), b.get("error_message", "")) for b in
                (self.data or {}).get("benchmarks", []) if b.get("error_occurred")]


def renumbered(stages):
    """The runs of successive stages of one group (a point, or the
    calibration rows), aggregates dropped, as one sample: repetition_index
    becomes the global round (or repetition) and repetitions the total."""
    total = sum(s.rounds for s in stages)
    runs, offset = [], 0
    for s in stages:
        for b in (s.data or {}).get("benchmarks", []):
            if b.get("run_type") == "aggregate":
                continue
            runs.append(dict(b, repetition_index=offset + int(b.get("repetition_index", 0)),
                             repetitions=total))
        offset += s.rounds
    return runs


class StageTimes:
    """How long a stage takes, from the stages so far: a fixed cost per
    invocation (starting net_bench, building the topology) plus a cost per
    run, fitted by least squares once stages of two sizes were seen, else
    proportional to the runs."""

    def __init__(self):
        self.runs, self.seconds = [], []

    def add(self, runs, seconds):
        self.runs.append(runs)
        self.seconds.append(seconds)

    def estimate(self, runs):
        if len(set(self.runs)) >= 2:
            slope, intercept = statistics.linear_regression(self.runs, self.seconds)
            if slope > 0:
                return max(0.0, intercept) + slope * runs
        return sum(self.seconds) / max(1, sum(self.runs)) * runs


@dataclass
class PointRun:
    """A point being sampled: its stages and how it ended."""
    plan: PointPlan
    stages: list = field(default_factory=list)
    seeds: list = field(default_factory=list)
    stopped: str = None
    index: int = 0
    # The rounds its undecided questions would need in all, as projected
    # from its last look (verdicts.rounds_to_decide).
    rounds_needed: float = 0.0

    @property
    def rounds(self):
        return sum(s.rounds for s in self.stages)

    @property
    def seconds(self):
        return sum(s.seconds for s in self.stages)

    def results(self):
        """The point's stages so far as one blocked run."""
        context = next((s.data.get("context", {}) for s in self.stages if s.data), {})
        return Results({"context": context, "benchmarks": renumbered(self.stages)},
                       self.plan.key)

    def record(self):
        """The point's line of the sampling record."""
        return {"point": self.plan.key, "modes": len(self.plan.names), "rounds": self.rounds,
                "looks": len(self.stages), "stopped": self.stopped,
                "seconds": round(self.seconds, 2), "seeds": self.seeds}


def exit_status(returncode):
    """A child's status as a shell reports it: 128+N when killed by signal N."""
    return 128 - returncode if returncode < 0 else returncode


def _last_line(path):
    try:
        with open(path, errors="replace") as f:
            lines = f.read().strip().splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""


def _read_json(path):
    """(data, None), or (None, why) for a missing or unreadable file."""
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        return None, "no JSON written"
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, "unreadable JSON (%s)" % e
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        return None, "not Google Benchmark JSON"
    return data, None


def stop(proc):
    """SIGINT, then SIGKILL after 5 s: net_bench's namespaces go with it."""
    if proc.poll() is None:
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Sampler:
    """Runs the plan's stages in `folder` within the budget and merges them."""

    def __init__(self, net_bench, options, folder, plan, out=sys.stdout,
                 clock=time.monotonic):
        self.net_bench = net_bench
        self.options = options
        self.folder = folder
        self.plan = plan
        self.out = out
        self.clock = clock
        self.start = clock()
        self.times = StageTimes()
        self.stages_dir = os.path.join(folder, "stages")
        self.invocations = 0
        self.threshold = provisional_threshold()
        self.fatal = None      # the stage that ended the sampling early, if any
        # net_bench's arguments for every stage: the user's, less the filter
        # (each stage selects its own benchmarks).
        self.args = [a for a in options.net_bench_args if _flag_name(a) != "benchmark_filter"]
        # --profile's folded stacks, all stages' summed (merge_folded).
        self.profile_dir = (os.path.join(folder, "profile")
                            if profiling(options.net_bench_args) else None)

    def left(self):
        return self.options.budget - (self.clock() - self.start)

    def invoke(self, names, rounds, extra):
        """Runs net_bench on exactly `names`; returns the Stage. Raises
        Interrupted on a signal (net_bench stopped first)."""
        os.makedirs(self.stages_dir, exist_ok=True)
        self.invocations += 1
        out = os.path.join(self.stages_dir, "%d.json" % self.invocations)
        err = os.path.join(self.stages_dir, "%d.err" % self.invocations)
        stage_profile = os.path.join(self.stages_dir, "%d.profile" % self.invocations)
        command = [self.net_bench, *self.args, name_filter(names), *extra,
                   "--benchmark_out=" + out, "--benchmark_out_format=json"]
        if self.profile_dir:
            command.append("--profile_out=" + stage_profile)
        began = self.clock()
        proc = None
        try:
            with open(os.path.join(self.folder, "net_bench.txt"), "a") as log, \
                    open(err, "w") as errors:
                log.write("$ %s\n" % " ".join(command))
                log.flush()
                # Its own process group: Ctrl-C reaches this script, which
                # stops net_bench itself and then cleans up.
                proc = subprocess.Popen(command, stdout=log, stderr=errors,
                                        start_new_session=True, preexec_fn=_die_with_parent)
                _check_interrupted()
                status = exit_status(proc.wait())
                _check_interrupted()
        finally:
            if proc:
                stop(proc)
        with open(err, errors="replace") as e, \
                open(os.path.join(self.folder, "net_bench.txt"), "a") as log:
            log.write(e.read())
        if self.profile_dir:
            merge_folded(stage_profile, self.profile_dir)
        data, why = _read_json(out)
        return Stage(rounds, self.clock() - began, status, data,
                     why or (_last_line(err) if status else ""))

    def calibrate(self):
        """One pass over the calibration rows (before the first point and
        after the last)."""
        return self.invoke_others(self.plan.calibration, CALIBRATION_REPETITIONS,
                                  ["--benchmark_repetitions=%d" % CALIBRATION_REPETITIONS])

    def invoke_others(self, names, repetitions, extra):
        """A stage of non-grid benchmarks: no progress line, so a failure is
        said here."""
        stage = self._checked(self.invoke(names, repetitions, extra))
        for name, message in stage.errors:
            self._print("net_bench: %s failed: %s" % (name, message))
        return stage

    def sample(self):
        """Runs everything; returns (status, merged JSON or None)."""
        plan = self.plan
        calibration, others, points = [], [], []
        if plan.calibration:
            calibration.append(self.calibrate())
        if plan.others and not self.fatal:
            others.append(self.invoke_others(plan.others, 1, []))
        reserve = calibration[0].seconds if calibration else 0.0
        points = [PointRun(p, index=i) for i, p in enumerate(plan.points)]
        self.passes(points, reserve)
        if plan.calibration and not self.fatal:
            calibration.append(self.calibrate())
        stages = calibration + others + [s for p in points for s in p.stages]
        merged = self.merge(calibration, others, points)
        failed = any(s.status == 1 or s.errors for s in stages)
        status = self.fatal.status if self.fatal else (1 if failed else 0)
        return status, merged

    def _checked(self, stage):
        """A stage's outcome: bad input (2) ends the run at once; no usable
        JSON or a signal ends the sampling, keeping what was measured."""
        if stage.status == 2:
            raise BadInput("net_bench: %s" % (stage.why or "bad input (exit status 2)"))
        if stage.data is None or stage.status >= 128:
            self.fatal = stage
            print("net_bench: exited with status %d%s; sampling stopped" % (
                stage.status, ": " + stage.why if stage.why else ""), file=sys.stderr)
        return stage

    def _stage(self, point):
        """Runs the point's next stage; returns why it stopped ("failed",
        "decided" or "schedule end") or None. Keeps the point's projection
        (rounds_needed) up to date."""
        plan = point.plan
        rounds = next_rounds(point.rounds) - point.rounds
        seed = derive_seed(self.options.seed, plan.key, len(point.stages))
        stage = self._checked(self.invoke(plan.names, rounds,
                                          ["--rounds=%d" % rounds, "--seed=%d" % seed]))
        point.stages.append(stage)
        point.seeds.append(seed)
        self.times.add(rounds * len(plan.names), stage.seconds)
        if self.fatal:
            point.stopped = "failed"
            return point.stopped
        analysis = answers.Analysis(point.results(), self.options.margin,
                                    threshold=self.threshold, looks=LOOKS)
        decided, asked = analysis.tally()
        point.rounds_needed = max(
            (rounds_to_decide(c.verdict, point.rounds, self.options.margin)
             for c in analysis.family.comparisons.values()), default=point.rounds)
        point.stopped = stop_reason(point.rounds, decided == asked, bool(stage.errors))
        self._print(self._progress(point.index, point, analysis, (decided, asked), stage))
        return point.stopped

    def next_stage_seconds(self, point):
        """The estimated time of the point's next stage (0 at the schedule's end)."""
        upcoming = next_rounds(point.rounds)
        if upcoming is None:
            return 0.0
        return self.times.estimate((upcoming - point.rounds) * len(point.plan.names))

    def passes(self, points, reserve):
        """Samples the points in passes over the grid: the first gives every
        point its first look; each next one gives every point still
        undecided its next stage, nearest to decided first (the rounds its
        questions need, projected from its intervals by
        verdicts.rounds_to_decide), the points that would need more than
        the schedule's rounds last. So each point's rounds are spread over
        the whole run, as the machine's state drifts, instead of taken in
        one block, and the budget goes where it decides questions. A pass
        skips a stage that would not end within the budget; the sampling
        ends when none fits, or when no point is left undecided. Every
        stage is one of the schedule's looks, so the verdicts' adjustment
        (K) holds."""
        for point in points:
            if self.fatal:
                return
            self._stage(point)
            if point.index == 0:
                self._warn_if_short(point)
        while not self.fatal:
            waiting = sorted((p for p in points if p.stopped is None),
                             key=lambda p: (p.rounds_needed > SCHEDULE[-1],
                                            p.rounds_needed - p.rounds))
            ran = False
            for point in waiting:
                if self.fatal:
                    return
                if self.next_stage_seconds(point) > self.left() - reserve:
                    continue
                self._stage(point)
                ran = True
            if not ran:
                break
        for point in points:
            if point.stopped is None:
                point.stopped = "budget"

    def _progress(self, index, point, analysis, tally, stage):
        """'[5/32] Stream 16 KiB 2 thr  rounds 8  decided 11/12  best OneCopy
        (tier OneCopy, UringOneCopy)  1m50s left', from the stage's JSON."""
        text = "[%d/%d] %s  rounds %d  decided %d/%d" % (
            index + 1, len(self.plan.points), point.plan.title, point.rounds, *tally)
        best = analysis.best.get(point.plan.pattern, {}).get((point.plan.size,
                                                              point.plan.threads))
        if best:
            text += "  best %s" % best.leader
            if len(best.tier) > 1:
                text += " (tier %s)" % ", ".join(best.tier)
        for name, message in stage.errors[:1]:
            text += "  FAILED %s: %s" % (name, message)
        text += "  %s left" % format_duration(max(0.0, self.left()))
        return text + ("  -> %s" % point.stopped if point.stopped else "")

    def _warn_if_short(self, first):
        """Says early when the budget cannot give every point its first look."""
        per_point = first.stages[0].seconds
        needed = per_point * len(self.plan.points)
        if needed > self.options.budget:
            self._print("net_bench: the budget (%s) is below what a first look at every "
                        "point takes (about %s): every point still gets %s" % (
                            format_duration(self.options.budget), format_duration(needed),
                            plural(SCHEDULE[0], "round")))

    def merge(self, calibration, others, points):
        """One Google Benchmark JSON: the first point's context (else the
        first stage's) plus the sampling record, and every run renumbered."""
        stages = [s for p in points for s in p.stages] + calibration + others
        context = next((s.data.get("context", {}) for s in stages if s.data), None)
        if context is None:
            return None
        record = {"budget_s": self.options.budget, "margin": self.options.margin, "q": Q,
                  "schedule": list(SCHEDULE), "K": LOOKS,
                  "provisional_threshold": self.threshold, "seed": self.options.seed,
                  "seed_derivation": "sha256('<seed>:<point>:<stage>'), first 31 bits",
                  "elapsed_s": round(self.clock() - self.start, 1),
                  "points": [p.record() for p in points]}
        benchmarks = renumbered(calibration) + renumbered(others)
        for p in points:
            benchmarks += renumbered(p.stages)
        context = dict(context, seed=str(self.options.seed), sampling=json.dumps(record))
        if self.profile_dir and "profile_out" in context:
            context["profile_out"] = self.profile_dir   # the stages' folders are gone
        return {"context": context, "benchmarks": benchmarks}

    def _print(self, text):
        self.out.write(text + "\n")
        self.out.flush()


def list_benchmarks(net_bench, args):
    """The benchmark names the run selects, from --benchmark_list_tests:
    (names, 0), or (None, net_bench's status) with its error printed."""
    r = subprocess.run([net_bench, *args, "--benchmark_list_tests=true"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       preexec_fn=_die_with_parent)
    _check_interrupted()
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        return None, exit_status(r.returncode)
    return [l.strip() for l in r.stdout.splitlines() if l.strip()], 0


def collect(net_bench, options, folder, out=sys.stdout):
    """Lists, samples and merges into folder/net_bench.json: (status, path),
    path None when nothing usable was measured. Raises BadInput or
    Interrupted."""
    names, status = list_benchmarks(net_bench, options.net_bench_args)
    if status == 2:
        raise BadInput("")   # net_bench said why
    if names is None:
        return status, None
    if not names:
        hint = ("; UDP's modes run in UDP's patterns (tools/run --udp)"
                if options.grid == TCP_GRID else "")
        raise BadInput("net_bench: no benchmark matches %s%s" % (
            " ".join(options.net_bench_args), hint))
    plan = make_plan(names)
    out.write("net_bench: %s of %s modes, %s, budget %s, rounds %d to %d "
              "(K = %d looks), into %s\n" % (
                  plural(len(plan.points), "point"),
                  "/".join(str(n) for n in sorted({len(p.names) for p in plan.points})) or "0",
                  plural(len(plan.calibration) + len(plan.others), "other benchmark"),
                  format_duration(options.budget), SCHEDULE[0], SCHEDULE[-1], LOOKS, folder))
    out.flush()
    sampler = Sampler(net_bench, options, folder, plan, out)
    status, merged = sampler.sample()
    shutil.rmtree(sampler.stages_dir, ignore_errors=True)
    if merged is None:
        return status or 1, None
    path = os.path.join(folder, "net_bench.json")
    with open(path + ".tmp", "w") as f:
        json.dump(merged, f, indent=1)
        f.write("\n")
    os.rename(path + ".tmp", path)
    return status, path


def new_results_dir(root):
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(root, stamp)
    n = 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(root, "%s-%d" % (stamp, n))
    os.makedirs(path)
    return path


USAGE = """usage: tools/run [--udp] [--budget=DURATION] [--margin=DELTA] [--seed=S]
                 [net_bench flags...]

Builds the release preset, samples net_bench's grid point by point in
blocked rounds until every question of a point is decided or its share of
the budget is spent, and writes results/<timestamp>/ with net_bench.json,
net_bench.txt, the plots and report.md.
  --udp              the UDP grid instead of TCP's: %s
                     (each unless given), default budget %s
  --budget=DURATION  the whole run's time (default %s; e.g. 90s, 10m, 1h30m)
  --margin=DELTA     modes within ±DELTA are equivalent (default %g)
  --seed=S           the base of every stage's seed (default: random, recorded)
Other flags go to net_bench; unless given, %s; without --udp,
%s unless --patterns or --benchmark_filter is given. With --profile
(net_bench's), every stage is profiled, the report says where the CPU went,
and the folded stacks of all stages are summed into <timestamp>/profile/.
Examples:
  tools/run --modes=OneCopy,TwoCopy --sizes=4K,64K --threads=1,8
  tools/run --benchmark_filter=^Stream/ --budget=3m
  tools/run --profile --sizes=64K
  tools/run --udp --threads=1 --budget=5m
net_bench's own flags follow.
""" % (" ".join(UDP_GRID), UDP_BUDGET, DEFAULT_BUDGET, DEFAULT_MARGIN,
       " ".join(sampling_defaults()), " ".join(TCP_GRID))


def noise_line(results):
    """The run's last word on noise: one line when more than a tenth of its
    points are unstable, naming the likely cause, else None. Printed so that
    whoever ran the sweep learns it without opening the report."""
    warning = report.noise_warning(answers.noise(results))
    return "net_bench: " + warning if warning else None


def run(net_bench, results_root, argv):
    if any(a in ("--help", "-h", "--helpfull") for a in argv):
        print(USAGE, flush=True)
        return subprocess.run([net_bench, "--help"]).returncode
    try:
        options = parse_options(argv)
    except BadInput as e:
        print("tools/run: %s" % e, file=sys.stderr)
        return 2
    out_dir = new_results_dir(results_root)
    try:
        status, path = collect(net_bench, options, out_dir)
    except Interrupted:
        shutil.rmtree(out_dir, ignore_errors=True)
        print("\nnet_bench: interrupted; nothing kept", file=sys.stderr)
        return 130
    except BadInput as e:
        shutil.rmtree(out_dir, ignore_errors=True)
        if str(e):
            print(e, file=sys.stderr)
        return 2
    if path is None:
        shutil.rmtree(out_dir, ignore_errors=True)
        return status
    return finish(path, out_dir, options, status)


def finish(path, out_dir, options, status):
    """The report, and the run's last lines: noise, failures, where."""
    try:
        results = load(path)
    except ResultsError as e:
        print("net_bench: the merged JSON is unusable (%s)" % e, file=sys.stderr)
        return status or 1
    print("net_bench: drawing plots and writing the report", flush=True)
    written = report.write(results, out_dir, options.margin)
    line = noise_line(results)
    if line:
        print(line, flush=True)
    if results.errors:
        print("net_bench: %s failed (see the report)" % plural(len(results.errors), "benchmark"),
              file=sys.stderr)
    shown = os.path.relpath(written)
    print("net_bench: report in %s" % (written if shown.startswith("..") else shown))
    return status


def main(argv):
    if argv[1:] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    if len(argv) < 3:
        print("usage: sweep.py NET_BENCH RESULTS_ROOT [net_bench flags...]", file=sys.stderr)
        return 2
    handle_signals()
    try:
        return run(argv[1], argv[2], argv[3:])
    except Interrupted:
        print("\nnet_bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv))
