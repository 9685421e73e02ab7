"""Runs net_bench's sweep with progress, then draws the plots and the report.

usage: sweep.py NET_BENCH RESULTS_ROOT [net_bench flags...]

Writes RESULTS_ROOT/<timestamp>/ with net_bench.json (Google Benchmark's
JSON), net_bench.txt (its console output), the PNG figures and report.md.
Every argument after RESULTS_ROOT goes to net_bench (a --benchmark_filter,
--modes, --sizes, --threads, --patterns, --mtu, ...). Unless given, the
sweep uses --benchmark_min_time=DEFAULT_MIN_TIME,
--benchmark_repetitions=DEFAULT_REPETITIONS,
--benchmark_enable_random_interleaving=true and --calibrate.

When more than a tenth of the points are unstable (their main metric's CV
over repetitions above 5%), it ends with one line naming the likely cause
(threads not pinned, CPU steal, too few repetitions; see answers.Noise).

Interrupted (Ctrl-C, SIGTERM, SIGHUP), it stops net_bench, waits for it (the
kernel frees net_bench's namespaces with the process), removes the unfinished
results folder and exits 130.

Exit status: net_bench's (0 every benchmark ran without error, 1 at least one
failed, with the report still written, 2 bad input, 128+signal interrupted);
1 when net_bench said 0 but its JSON holds a failed benchmark.
"""
import ctypes
import datetime
import os
import re
import signal
import subprocess
import sys

from . import answers
from . import report
from .results import ResultsError, format_number, load, median

# On a VM the speed of a virtual CPU changes for seconds at a time (a fixed
# CPU loop, Calibration/CpuLoop, varies by up to 1.6x over minutes here):
# repetitions that follow each other all see one such state. Many short
# repetitions in random order spread each point over the whole run, so that
# two modes compared in one run see the same mix of states, and the U test
# of the answers has 10 against 10 to decide on. The default grid (7 modes
# x 4 sizes x 4 thread counts x 2 patterns) takes about 6 minutes with these
# on a 2-CPU VM. --calibrate adds the machine's own spread to the report.
DEFAULT_MIN_TIME = "0.1"
DEFAULT_REPETITIONS = "10"
DEFAULT_FLAGS = ["--benchmark_enable_random_interleaving=true", "--calibrate"]

_AGGREGATE = re.compile(r"_(mean|median|stddev|cv)$")
_SI = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "m": 1e-3, "u": 1e-6, "n": 1e-9}
_COUNTER = re.compile(r"(\w+)=([-+0-9.eE]+)([kMGTmun]?)(?:/s|%)?(?=\s|$)")


class Interrupted(Exception):
    pass


_signalled = False


def _on_signal(signum, frame):
    # Raised wherever the script is; a few places swallow exceptions (the
    # at-fork handlers subprocess runs, __del__ methods), so the signal is
    # also remembered and checked after each of them.
    global _signalled
    _signalled = True
    raise Interrupted()


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


def flag_value(args, name):
    """The last --name=value among args, or None."""
    value = None
    for a in args:
        if a.startswith("--%s=" % name):
            value = a.split("=", 1)[1]
    return value


def with_defaults(args):
    args = list(args)
    if flag_value(args, "benchmark_min_time") is None:
        args.append("--benchmark_min_time=" + DEFAULT_MIN_TIME)
    if flag_value(args, "benchmark_repetitions") is None:
        args.append("--benchmark_repetitions=" + DEFAULT_REPETITIONS)
    for flag in DEFAULT_FLAGS:
        name = flag[2:].split("=", 1)[0]
        if flag_value(args, name) is None and "--" + name not in args:
            args.append(flag)
    return args


def parse_counters(line):
    """{name: value} from a console result line ('Gbps=1.23/s rtt_p99_us=45.6k')."""
    return {m[1]: float(m[2]) * _SI[m[3]] for m in _COUNTER.finditer(line)}


class Progress:
    """Turns net_bench's console lines into '[i/N] name  value' lines."""

    def __init__(self, names, repetitions, out=sys.stdout, interleaved=False):
        self.names = set(names)
        self.total = len(names)
        self.repetitions = max(1, repetitions)
        # Interleaved repetitions arrive in random order: count each one.
        self.interleaved = interleaved and self.repetitions > 1
        self.lines = 0
        self.seen = {}       # name -> [index, repetitions seen, {counter: [values]}]
        self.out = out
        self.tty = out.isatty()
        self.errors = 0

    @staticmethod
    def _summary(values, final):
        """'1.23 Gbps' (one value) or '1.23 Gbps (1.1-1.3)' (median, range)."""
        parts = []
        for counter, unit in (("Gbps", " Gbps"), ("rtt_p99_us", " us p99"), ("time", "")):
            v = values.get(counter)
            if not v:
                continue
            if not isinstance(v, list):
                v = [v]
            if counter == "time":
                parts.append(v[-1])
                continue
            text = format_number(median(v) if final else v[-1]) + unit
            if final and len(v) > 1:
                text += " (%s-%s)" % (format_number(min(v)), format_number(max(v)))
            parts.append(text)
        return ", ".join(parts)

    def line(self, text):
        fields = text.split()
        if not fields:
            return
        name = fields[0]
        if name not in self.names:
            return  # an aggregate line, a header or a separator
        entry = self.seen.setdefault(name, [len(self.seen) + 1, 0, {}])
        entry[1] += 1
        index, count, values = entry
        if "ERROR OCCURRED" in text:
            self.errors += 1
            message = text.split("ERROR OCCURRED:", 1)[1].strip()
            self._print("[%d/%d] %s  ERROR: %s" % (index, self.total, name, message), True)
            entry[1] = self.repetitions + 1  # print nothing more for it
            return
        if count > self.repetitions:
            return
        if self.interleaved:
            self.lines += 1
            self._print("[%d/%d] %s  rep %d/%d  %s" % (
                self.lines, self.total * self.repetitions, name, count, self.repetitions,
                self._summary(parse_counters(text), False)), True)
            return
        for counter, value in parse_counters(text).items():
            values.setdefault(counter, []).append(value)
        if "Gbps" not in values and len(fields) >= 3:
            values.setdefault("time", []).append("%s %s" % (fields[1], fields[2]))
        final = count == self.repetitions
        if final:
            reps = "" if self.repetitions == 1 else "  %d reps" % count
        else:
            reps = "  rep %d/%d" % (count, self.repetitions)
        self._print("[%d/%d] %s%s  %s" % (index, self.total, name, reps,
                                          self._summary(values, final)), final)

    def _print(self, text, final):
        if self.tty:
            # One line per benchmark, updated in place as repetitions arrive.
            self.out.write("\r\033[K" + text + ("\n" if final else ""))
            self.out.flush()
        elif final:
            self.out.write(text + "\n")
            self.out.flush()


def exit_status(returncode):
    """A child's status as a shell reports it: 128+N when killed by signal N."""
    return 128 - returncode if returncode < 0 else returncode


def list_benchmarks(net_bench, args):
    """The benchmark names the sweep will run, from --benchmark_list_tests."""
    r = subprocess.run([net_bench, *args, "--benchmark_list_tests=true"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       preexec_fn=_die_with_parent)
    _check_interrupted()
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        return None, exit_status(r.returncode)
    return [l.strip() for l in r.stdout.splitlines() if l.strip()], 0


def new_results_dir(root):
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(root, stamp)
    n = 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(root, "%s-%d" % (stamp, n))
    os.makedirs(path)
    return path


def remove_dir(path):
    if not os.path.isdir(path):
        return
    for name in os.listdir(path):
        os.unlink(os.path.join(path, name))
    os.rmdir(path)


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


USAGE = """usage: tools/run [net_bench flags...]

Builds the release preset, runs net_bench's sweep with progress, and writes
results/<timestamp>/ with net_bench.json, net_bench.txt, the plots and
report.md. Flags go to net_bench; unless given, --benchmark_min_time=%s
--benchmark_repetitions=%s %s. Examples:
  tools/run --modes=OneCopy,TwoCopy --sizes=4K,64K --threads=1,8
  tools/run --benchmark_filter=^Stream/ --benchmark_repetitions=10
net_bench's own flags follow.
""" % (DEFAULT_MIN_TIME, DEFAULT_REPETITIONS, " ".join(DEFAULT_FLAGS))


def run(net_bench, results_root, user_args):
    if any(a in ("--help", "-h", "--helpfull") for a in user_args):
        print(USAGE, flush=True)
        return subprocess.run([net_bench, "--help"]).returncode
    args = with_defaults(user_args)
    names, status = list_benchmarks(net_bench, args)
    if names is None:
        return status
    if not names:
        print("net_bench: no benchmark matches %s" % " ".join(user_args), file=sys.stderr)
        return 2
    repetitions = int(flag_value(args, "benchmark_repetitions") or 1)
    out_dir = new_results_dir(results_root)
    print("net_bench: %d benchmarks, %d repetition%s each, into %s" % (
        len(names), repetitions, "" if repetitions == 1 else "s", out_dir), flush=True)
    if interleaved(args) and repetitions > 1:
        # Google Benchmark reports a benchmark when its last repetition is
        # done: in random order, most of them near the end.
        print("net_bench: repetitions in random order: results arrive mostly near the "
              "end, in about %s" % eta(names, repetitions, args), flush=True)
    try:
        return sweep(net_bench, args, names, repetitions, out_dir)
    except Interrupted:
        remove_dir(out_dir)
        print("\nnet_bench: interrupted; nothing kept", file=sys.stderr)
        return 130


def noise_line(results):
    """The run's last word on noise: one line when more than a tenth of its
    points are unstable, naming the likely cause, else None. Printed so that
    whoever ran the sweep learns it without opening the report."""
    warning = report.noise_warning(answers.noise(results))
    return "net_bench: " + warning if warning else None


def interleaved(args):
    return (flag_value(args, "benchmark_enable_random_interleaving") or "false") in (
        "true", "1", "yes")


def eta(names, repetitions, args):
    """A rough duration: min_time plus a connection's setup per repetition,
    and one more repetition each to size the iteration count."""
    try:
        min_time = float(flag_value(args, "benchmark_min_time") or 0.5)
    except ValueError:
        min_time = 0.5
    seconds = len(names) * (repetitions + 1) * (min_time * 1.1 + 0.02)
    return "%d min" % max(1, round(seconds / 60)) if seconds >= 90 else "%d s" % seconds


def sweep(net_bench, args, names, repetitions, out_dir):
    json_path = os.path.join(out_dir, "net_bench.json")
    progress = Progress(names, repetitions, interleaved=interleaved(args))
    proc = None
    try:
        with open(os.path.join(out_dir, "net_bench.txt"), "w") as log:
            # Its own process group: Ctrl-C reaches this script, which stops
            # net_bench itself and then cleans up.
            proc = subprocess.Popen(
                [net_bench, *args, "--benchmark_out=" + json_path,
                 "--benchmark_out_format=json", "--benchmark_format=console",
                 "--benchmark_color=false", "--benchmark_counters_tabular=false"],
                stdout=subprocess.PIPE, text=True, bufsize=1,
                start_new_session=True, preexec_fn=_die_with_parent)
            _check_interrupted()
            for text in proc.stdout:
                log.write(text)
                progress.line(text)
            status = exit_status(proc.wait())
            _check_interrupted()
    finally:
        if proc:
            stop(proc)
    try:
        results = load(json_path)
    except ResultsError as e:
        print("net_bench: exited with status %d and no usable JSON (%s)" % (status, e),
              file=sys.stderr)
        remove_dir(out_dir)
        return status or 1
    print("net_bench: drawing plots and writing the report", flush=True)
    path = report.write(results, out_dir)
    line = noise_line(results)
    if line:
        print(line, flush=True)
    if results.errors:
        print("net_bench: %d benchmark%s failed (see the report)" % (
            len(results.errors), "" if len(results.errors) == 1 else "s"), file=sys.stderr)
    shown = os.path.relpath(path)
    print("net_bench: report in %s" % (path if shown.startswith("..") else shown))
    return status or (1 if results.errors else 0)


def main(argv):
    if argv[1:] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    if len(argv) < 3:
        print("usage: sweep.py NET_BENCH RESULTS_ROOT [net_bench flags...]", file=sys.stderr)
        return 2
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)
    try:
        return run(argv[1], argv[2], argv[3:])
    except Interrupted:
        print("\nnet_bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv))
