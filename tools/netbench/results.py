"""Loads net_bench's Google Benchmark JSON and groups it into grid points.

A grid point is one (pattern, mode, size, threads) benchmark; it holds the
counters of every run of it: the rounds of blocked sampling (tools/run), or
plain repetitions. Aggregates (_mean, _median, ...) written by Google
Benchmark are not used: every statistic here is recomputed from the runs, so
a file written with or without aggregates reads the same. A file holding
only aggregates (--benchmark_report_aggregates_only) falls back to its
median, as a single run.

The vocabularies (modes, patterns, counters with their labels and
directions) are read only from the run's own context, as net_bench writes
them: the tools keep no copy.
"""
import json
import re
import statistics
import sys

# The reference study's figure is at 8 threads.
REFERENCE_THREADS = 8
REFERENCE_SIZE = 65536
# The counter that ranks modes and measures a point's spread, per pattern
# (UDP's: delivered throughput, and the round trip as for TCP).
MAIN_COUNTER = {"Stream": "Gbps", "RR": "rtt_p50_us", "UdpStream": "Gbps",
                "UdpRR": "rtt_p50_us"}

# Pattern/Mode/size:N, then the grid's own further dimensions if any (UDP's
# receive mode, rx:NAME), then Google Benchmark's time suffix if any (the
# window as manual time, or real time), then threads:N.
_NAME = re.compile(r"^(?P<pattern>[^/]+)/(?P<mode>[^/]+)/size:(?P<size>\d+)"
                   r"(?P<dimensions>(?:/(?!threads:)[a-z_]+:[^/]+)*)"
                   r"(?:/manual_time|/real_time)?/threads:(?P<threads>\d+)$")
_DIMENSION = re.compile(r"/([a-z_]+):([^/]+)")

# --profile's counters: profile_<category>_<measure>, and the profile's own
# (profile_samples, profile_left_out_share, ...).
PROFILE_PREFIX = "profile_"
_PROFILE_SHARE = re.compile(r"^profile_(?P<category>.+)_share$")
# The profile's own counters of that shape, which are not categories.
_PROFILE_OWN_SHARES = {"profile_kernel_named_share", "profile_left_out_share"}

# Google Benchmark's own numeric fields of a run: not net_bench's counters.
_BENCHMARK_FIELDS = {"family_index", "per_family_instance_index", "repetitions",
                     "repetition_index", "threads", "iterations", "real_time", "cpu_time"}


class ResultsError(Exception):
    """Bad input: the message is one line, fit for the user."""


def parse_name(run_name):
    """Returns (pattern, mode, size, threads) or None for other benchmarks.

    A further dimension of the grid (UDP's receive mode) is folded into the
    pattern: `UdpStream/UdpGso/size:65536/rx:gro/manual_time/threads:1` is
    the pattern "UdpStream rx=gro". The modes of one such pattern are then
    one point, compared with each other as every point's modes are, and
    every tool keyed by (pattern, mode, size, threads) reads UDP unchanged.
    """
    m = _NAME.match(run_name)
    if not m:
        return None
    pattern = m["pattern"] + "".join(" %s=%s" % d for d in
                                     _DIMENSION.findall(m["dimensions"]))
    return (pattern, m["mode"], int(m["size"]), int(m["threads"]))


def split_pattern(pattern):
    """'UdpStream rx=gro' -> ('UdpStream', {'rx': 'gro'}); 'Stream' ->
    ('Stream', {})."""
    base, *dimensions = pattern.split(" ")
    return base, dict(d.split("=", 1) for d in dimensions)


def base_pattern(pattern):
    """The pattern as net_bench names it: 'UdpStream rx=gro' -> 'UdpStream'."""
    return split_pattern(pattern)[0]


def grid_name(pattern, size, threads):
    """A point's name as the benchmarks' names spell it, without the mode:
    'Stream/size:4096/threads:1', 'UdpStream/size:1472/rx:gro/threads:1'."""
    base, dimensions = split_pattern(pattern)
    return "%s/size:%d%s/threads:%d" % (
        base, size, "".join("/%s:%s" % d for d in dimensions.items()), threads)


def main_counter_of(pattern):
    """The pattern's main counter as named (Results.main_counter falls back
    to Gbps where it was not measured)."""
    return MAIN_COUNTER.get(base_pattern(pattern), "Gbps")


def format_size(size):
    """1024 -> '1 KiB', 65536 -> '64 KiB', 1000 -> '1000 B'."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return "%d %s" % (size // scale, unit)
    return "%d B" % size


def format_number(value, digits=3):
    """Three significant digits, no exponent for ordinary magnitudes."""
    if value is None:
        return "–"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 10 ** digits:
        return "%.0f" % value
    if magnitude < 1e-3:
        return "%.2e" % value
    return "%.*g" % (digits, value)


def format_duration(seconds):
    """90 -> '1m30s', 600 -> '10m', 42.4 -> '42s', 3600 -> '1h'."""
    seconds = int(round(seconds))
    if seconds < 60:
        return "%ds" % seconds
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = ("%dh" % hours if hours else "") + ("%dm" % minutes if minutes else "")
    return text + ("%ds" % rest if rest else "")


def median(values):
    return statistics.median(values) if values else None


def cv(values):
    """Coefficient of variation (sample stdev / mean) of repetitions.

    None with fewer than two values or a zero mean: no spread can be said.
    A ratio rather than a stdev so that points of any magnitude compare.
    """
    if len(values) < 2:
        return None
    mean = statistics.mean(values)
    return statistics.stdev(values) / mean if mean else None


def plural(n, word):
    """'1 thread', '2 threads'."""
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def _cpus_of(label):
    """The CPUs part of a benchmark's label: 'wait=block cpus tx=0,1 rx=0,1'
    (or the older 'cpus tx=0 rx=1') -> 'tx=0,1 rx=0,1'."""
    return " ".join(w for w in label.split() if w.startswith(("tx=", "rx=")))


class Point:
    """One grid point: the counters of each of its runs (rounds or
    repetitions)."""

    def __init__(self, pattern, mode, size, threads, run_name):
        self.pattern = pattern
        self.mode = mode
        self.size = size
        self.threads = threads
        self.name = run_name
        self.repetitions = []  # one dict per run: counter -> value
        self.labels = []       # Google Benchmark's label of each run that has one

    def samples(self, counter):
        return [r[counter] for r in self.repetitions if counter in r]

    def rounds(self, counter):
        """{round: value}: the run's repetition_index, which with blocked
        rounds is the round the run belongs to (the same index at every mode
        of the point); its position where the file has none."""
        return {int(r.get("repetition_index", i)): r[counter]
                for i, r in enumerate(self.repetitions) if counter in r}

    def value(self, counter):
        """Median over runs, None when the counter was not measured."""
        return median(self.samples(counter))

    def spread(self, counter):
        """(min, max) over runs, None when not measured."""
        s = self.samples(counter)
        return (min(s), max(s)) if s else None

    def cv(self, counter):
        """Coefficient of variation of a counter over runs, or None."""
        return cv(self.samples(counter))

    def cpus(self):
        """The CPUs its threads ran on, from the labels ('tx=0 rx=1'), each
        distinct value once in order of appearance; [] when net_bench did not
        say (older runs)."""
        seen = []
        for label in self.labels:
            text = _cpus_of(label)
            if text and text not in seen:
                seen.append(text)
        return seen

    @property
    def moved(self):
        """True when a thread was seen on more than one CPU ('tx=0|1')."""
        return any("|" in c for c in self.cpus())


def _context_table(context, key):
    """One of the run's own JSON tables in its context, or None."""
    try:
        return json.loads(context[key])
    except (KeyError, TypeError, ValueError):
        return None


class Results:
    """A net_bench run: its context, grid points and errors."""

    def __init__(self, data, path="<data>"):
        if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
            raise ResultsError("%s: not Google Benchmark JSON (no 'benchmarks' list)" % path)
        self.path = path
        self.context = data.get("context", {})
        self.points = {}       # (pattern, mode, size, threads) -> Point
        self.runs = {}         # run_name -> list of run dicts (every benchmark)
        self.errors = []       # (name, message)
        self.other = {}        # run_name -> list of run dicts (e.g. Topology)
        medians = {}           # run_name -> median aggregate, for aggregates-only files
        self.has_aggregates = False
        self.time_units = {}   # run_name -> unit of real_time and cpu_time
        labels = {}            # run_name -> labels of its runs
        for b in data["benchmarks"]:
            if not isinstance(b, dict) or "name" not in b:
                raise ResultsError("%s: a benchmark entry has no name" % path)
            run_name = b.get("run_name", b["name"])
            if b.get("error_occurred"):
                self.errors.append((b["name"], b.get("error_message", "")))
                continue
            self.time_units[run_name] = b.get("time_unit", "ns")
            entry = {k: v for k, v in b.items()
                     if isinstance(v, (int, float)) and not isinstance(v, bool)}
            if b.get("run_type") == "aggregate":
                self.has_aggregates = True
                if b.get("aggregate_name") == "median":
                    medians[run_name] = entry
                continue
            self.runs.setdefault(run_name, []).append(entry)
            if isinstance(b.get("label"), str) and b["label"]:
                labels.setdefault(run_name, []).append(b["label"])
        for run_name, entry in medians.items():
            if run_name not in self.runs:
                self.runs[run_name] = [entry]
        for run_name, reps in self.runs.items():
            key = parse_name(run_name)
            if key is None:
                self.other[run_name] = reps
                continue
            point = self.points.setdefault(key, Point(*key, run_name))
            point.repetitions.extend(reps)
            point.labels.extend(labels.get(run_name, []))
        self._read_vocabularies()

    def _read_vocabularies(self):
        """The run's own tables of modes, patterns and counters (net_bench's
        JSON context). A file written before net_bench described itself
        has none: its modes and patterns are then taken in the order they
        appear, no mode is known to be notified, and its counters have no
        label and no direction (so no verdict can rank by them)."""
        modes = _context_table(self.context, "modes")
        patterns = _context_table(self.context, "patterns")
        counters = _context_table(self.context, "counters")
        if isinstance(modes, list) and all(isinstance(m, dict) and "name" in m for m in modes):
            self.known_modes = [m["name"] for m in modes]
            self.notified_modes = [m["name"] for m in modes if m.get("notified")]
            self.transports = {m["name"]: m["transport"] for m in modes if m.get("transport")}
        else:
            self.known_modes = list(dict.fromkeys(k[1] for k in self.points))
            self.notified_modes = []
            self.transports = {}
        if isinstance(patterns, list) and all(isinstance(p, dict) and "name" in p
                                              for p in patterns):
            self.known_patterns = [p["name"] for p in patterns]
        else:
            self.known_patterns = list(dict.fromkeys(base_pattern(k[0]) for k in self.points))
        self.counters = {}     # name -> (label, "higher" | "lower" | None)
        if isinstance(counters, dict):
            for name, c in counters.items():
                if isinstance(c, dict) and "label" in c:
                    self.counters[name] = (c["label"], c.get("better") or None)

    def transport(self, mode):
        """"udp" or "tcp": the mode's row in the run's table says; a file
        written before the rows said (all TCP then) gives "tcp", unless the
        mode ran in a UDP pattern."""
        if mode in self.transports:
            return self.transports[mode]
        udp = any(k[1] == mode and base_pattern(k[0]).startswith("Udp") for k in self.points)
        return "udp" if udp else "tcp"

    @property
    def has_udp(self):
        """Some point of the run is a UDP benchmark."""
        return any(self.transport(m) == "udp" for m in self.modes)

    @property
    def cpu_categories(self):
        """--profile's categories, [(name, label, markers)] in the run's table
        order (its context's `cpu_categories`), markers being the kernel
        functions (then user ones) that mark the category. A run without the
        table but with profile counters gives the names its counters carry,
        each its own label, so that a profile is never unreadable."""
        table = _context_table(self.context, "cpu_categories")
        if isinstance(table, list) and all(isinstance(c, dict) and "name" in c for c in table):
            return [(c["name"], c.get("label") or c["name"],
                     list(c.get("kernel") or []) + list(c.get("user") or []))
                    for c in table]
        names = [m["category"] for m in map(_PROFILE_SHARE.match, self._carried())
                 if m and m.group(0) not in _PROFILE_OWN_SHARES]
        return [(n, n, []) for n in names]

    def counter_label(self, counter):
        return self.counters.get(counter, (counter, None))[0]

    def better(self, counter):
        """"higher" or "lower" as the run's counter table says, None when it
        does not say (a counter without a direction, or an older file)."""
        return self.counters.get(counter, (None, None))[1]

    def counter_names(self):
        """The counters in the run's table order; for an older file, those
        its runs carry, in the order they appear."""
        if self.counters:
            return list(self.counters)
        return [k for k in self._carried() if k not in _BENCHMARK_FIELDS]

    def _carried(self):
        """Every numeric field the grid's runs carry, in the order they appear."""
        return list({k: None for p in self.points.values() for r in p.repetitions for k in r})

    # The grid's axes, as present in this run.
    @property
    def patterns(self):
        """The patterns present in the run's vocabulary order, the others
        after them by name; a pattern with a further dimension (UDP's
        receive mode) with its base, in the order the run lists them."""
        present = list(dict.fromkeys(k[0] for k in self.points))

        def rank(pattern):
            base = base_pattern(pattern)
            if base in self.known_patterns:
                return (0, self.known_patterns.index(base), "", present.index(pattern))
            return (1, 0, pattern, 0)
        return sorted(present, key=rank)

    @property
    def modes(self):
        present = {k[1] for k in self.points}
        return ([m for m in self.known_modes if m in present] +
                sorted(present - set(self.known_modes)))

    def sizes(self, pattern=None):
        return sorted({k[2] for k in self.points if pattern in (None, k[0])})

    def threads(self, pattern=None):
        return sorted({k[3] for k in self.points if pattern in (None, k[0])})

    def point(self, pattern, mode, size, threads):
        return self.points.get((pattern, mode, size, threads))

    def value(self, pattern, mode, size, threads, counter):
        p = self.point(pattern, mode, size, threads)
        return p.value(counter) if p else None

    def has_counter(self, counter, pattern=None):
        return any(p.samples(counter) for k, p in self.points.items()
                   if pattern in (None, k[0]))

    def repetitions(self):
        """(min, max) number of runs (rounds or repetitions) over the grid's
        points."""
        counts = [len(p.repetitions) for p in self.points.values()]
        return (min(counts), max(counts)) if counts else (0, 0)

    @property
    def blocked(self):
        """Every point ran in blocked rounds (net_bench --rounds): runs of
        one point with the same repetition_index are one block, compared by
        pairing. Anything else (plain repetitions, older files) is compared
        unpaired."""
        return self.context.get("rounds") == "blocked"

    @property
    def unit(self):
        """What one run of a point is called: 'round' or 'repetition'."""
        return "round" if self.blocked else "repetition"

    @property
    def sampling(self):
        """The sampler's record (tools/run: budget, margin, schedule, K and
        each point's rounds and why it stopped), or None for a run made
        without it."""
        s = _context_table(self.context, "sampling")
        return s if isinstance(s, dict) else None

    @property
    def looks(self):
        """K: the most looks the sampler could take at a point, by which
        every p-value is multiplied; 1 without the sampler."""
        s = self.sampling
        return int(s.get("K", 1)) if s else 1

    def main_counter(self, pattern):
        """The counter that ranks modes and gives a point's spread (Stream:
        Gbps, RR: rtt_p50_us); Gbps where the pattern's own is not measured."""
        counter = main_counter_of(pattern)
        return counter if self.has_counter(counter, pattern) else "Gbps"

    def reference_threads(self, pattern="Stream"):
        """The thread count the reference study uses, else the largest run."""
        threads = self.threads(pattern)
        if not threads:
            return None
        return REFERENCE_THREADS if REFERENCE_THREADS in threads else threads[-1]

    def reference_size(self, pattern=None):
        sizes = self.sizes(pattern)
        if not sizes:
            return None
        return REFERENCE_SIZE if REFERENCE_SIZE in sizes else sizes[-1]

    def hardware_counters(self):
        """The context's verdict on hardware counters, or None if unsaid."""
        return self.context.get("hardware_counters")

    def caption(self):
        """The run's context in one line, for every figure and table."""
        c = self.context
        parts = ["kernel %s" % c.get("kernel", "?"),
                 "topology %s" % c.get("topology", "?"),
                 "MTU %s" % c.get("mtu", "?")]
        if c.get("rx") and c.get("rx") != "copy":
            parts.append("rx %s" % c["rx"])
        if c.get("num_cpus"):
            parts.append("%s CPUs" % c["num_cpus"])
        for key, word in (("affinity", "placement"), ("wait", "wait")):
            if c.get(key):
                parts.append("%s %s" % (word, str(c[key]).split(":")[0]))
        lo, hi = self.repetitions()
        if hi:
            parts.append("median of %s %ss" % (lo if lo == hi else "%d-%d" % (lo, hi),
                                               self.unit))
        return ", ".join(parts)


def load(path):
    """Reads a net_bench JSON file. Raises ResultsError with one line."""
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        raise ResultsError("%s: no such file" % path) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ResultsError("%s: %s" % (path, e)) from None
    except json.JSONDecodeError as e:
        raise ResultsError("%s: not JSON (%s)" % (path, e)) from None
    return Results(data, path)


def slim(src, dst):
    """Copies a JSON file without its aggregate entries, compactly.

    Aggregates are derived from the repetitions (every tool here recomputes
    them), so the copy holds the same measurements in a fraction of the
    bytes: this is how committed fixtures and baselines are stored. Every
    other entry and field is net_bench's output unchanged.
    """
    with open(src) as f:
        data = json.load(f)
    data["benchmarks"] = [b for b in data["benchmarks"] if b.get("run_type") != "aggregate"]
    with open(dst, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")


def slim_main(argv):
    """tools/slim IN.json OUT.json."""
    if len(argv) != 3:
        print("usage: tools/slim IN.json OUT.json", file=sys.stderr)
        return 2
    slim(argv[1], argv[2])
    return 0
