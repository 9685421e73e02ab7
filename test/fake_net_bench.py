#!/usr/bin/python3
"""A stand-in for net_bench that keeps the contract the tools are written
against, so that tools/run's sampler can be tested without building or
running the real thing (and in a second, with numbers known in advance).

What it honours, as net_bench does:
- names `<Pattern>/<Mode>/size:<bytes>/manual_time/threads:<n>`, and for
  the UDP patterns (UdpStream, UdpRR, in the default --patterns as in
  net_bench's) `<Pattern>/<Mode>/size:<bytes>/rx:<rx>/manual_time/threads:<n>`
  for each receive mode of --udp_rx; each pattern runs the modes of
  --modes of its own transport (TCP's or UDP's); plus
  `Calibration/<Kind>/cpu:N/real_time` (--calibrate) and
  `Topology/SetupTeardown/real_time`; --benchmark_list_tests=true lists
  them, --benchmark_filter selects (a filter selecting nothing, or a bad
  flag value, is bad input: one line, exit 2);
- --rounds=N --seed=S: each point (pattern, size, threads) as N blocked
  rounds, the modes of a round in an order drawn from the seed; every run
  has repetition_index = its round, repetitions = N, iterations = 1 and
  real_time = the window (--benchmark_min_time); the context has
  "rounds": "blocked" and "seed", and "warmup", "window", "working_set",
  "payload", "wait"; --rounds with --benchmark_repetitions > 1 is bad input;
- otherwise Google Benchmark's repetitions, with its aggregates;
- the label 'wait=block cpus tx=0 rx=1'; the vocabularies in the context
  (each mode's row with its transport), and with a UDP benchmark
  udp_datagram, udp_batch and udp_rate;
- UDP runs carry UDP's counters, made up from the UDP_* tables below so
  that the report's answers are known: what batching, GSO and GRO save per
  delivered byte, zero-copy costing more than GSO alone (copied ratio 1,
  as on veth), loss beginning at a known size per mode;
- --profile (or --profile_alternate): the context's profile keys and
  category table, each grid run's profile counters (made-up shares, with a
  fallback copy for ZeroCopy) and one folded-stack file per benchmark in
  --profile_out (default: the folder profile beside --benchmark_out), each
  run adding PROFILE_STACK with FOLDED_PER_RUN samples.

What it makes up (flags the real one does not have):
  --fake_speed=Mode:F,...  a mode's speed relative to 1 (default 1)
  --fake_noise=SD          per-run log-normal noise (default 0.01)
  --fake_noise_at=SIZE:SD,...  that noise at those message sizes instead
  --fake_fail=Mode         that mode's runs fail ('peer closed'), exit 1
  --fake_sleep=S           seconds each run takes (default 0)
"""
import json
import math
import os
import random
import re
import sys
import time

# (name, notified, transport), in net_bench's order.
MODES = [("TwoCopy", False, "tcp"), ("OneCopy", False, "tcp"), ("ZeroCopy", True, "tcp"),
         ("UdpSendmsg", False, "udp"), ("UdpSendmmsg", False, "udp"), ("UdpGso", False, "udp"),
         ("UdpGsoZeroCopy", True, "udp"), ("UdpUringGso", False, "udp"),
         ("UdpUringGsoZeroCopy", True, "udp")]
PATTERNS = [("Stream", "tcp"), ("RR", "tcp"), ("UdpStream", "udp"), ("UdpRR", "udp")]
UDP_RX = ("recvmsg", "recvmmsg", "gro")
COUNTERS = {"Gbps": ("throughput (Gbit/s)", "higher"),
            "rtt_p50_us": ("RR round trip, p50 (µs)", "lower"),
            "tx_cpu_ns_per_byte": ("sender CPU (ns/byte)", "lower"),
            "rx_cpu_ns_per_byte": ("receiver CPU (ns/byte)", "lower"),
            "zc_copied_ratio": ("zero-copy notifications saying copied (share)", "lower"),
            "zc_enobufs_per_msg": ("zero-copy ENOBUFS per message", "lower"),
            "datagrams_per_second": ("datagrams delivered per second", "higher"),
            "udp_loss_share": ("UDP datagrams lost (share)", "lower"),
            "udp_reorder_share": ("UDP datagrams reordered (share)", "lower"),
            "cpu_ns_per_delivered_byte": ("sender and receiver CPU per delivered byte (ns)",
                                          "lower"),
            "tx_datagrams_per_call": ("datagrams per send call", ""),
            "rx_datagrams_per_call": ("datagrams per receive call", ""),
            "syscalls_per_msg": ("syscalls per message", "lower")}

# UDP's made-up numbers. A message travels as ceil(size / UDP_DATAGRAM)
# datagrams; UdpSendmmsg sends UDP_BATCH of them per call, a GSO send up to
# UDP_GSO_MAX.
UDP_DATAGRAM = 1472
UDP_BATCH = 16
UDP_GSO_MAX = 44
# Sender and receiver CPU per delivered byte (ns) of each send mode with
# recvmsg, and the factor each receive mode applies: against UdpSendmsg with
# recvmsg, sendmmsg saves 20%, GSO 50%, recvmmsg 10%, GRO 40%; zero-copy
# costs 10% more than GSO alone (the kernel copies at local delivery).
UDP_COST = {"UdpSendmsg": 4.0, "UdpSendmmsg": 3.2, "UdpGso": 2.0, "UdpGsoZeroCopy": 2.2,
            "UdpUringGso": 2.1, "UdpUringGsoZeroCopy": 2.31}
UDP_RX_COST = {"recvmsg": 1.0, "recvmmsg": 0.9, "gro": 0.6}
# Delivered Gbps = UDP_GBPS_NS / cost: the cheaper, the faster.
UDP_GBPS_NS = 40.0
# Where a mode's loss begins: from this size on, loss is LOSS_AT_START x
# threads x size / that size (above 0.1%); from a quarter of it, a trace
# (LOSS_TRACE, below 0.1%); below that none. UdpSendmsg never loses.
UDP_LOSS_BEGINS = {"UdpSendmmsg": 64512, "UdpGso": 16384, "UdpGsoZeroCopy": 16384,
                   "UdpUringGso": 16384, "UdpUringGsoZeroCopy": 16384}
LOSS_AT_START = 0.005
LOSS_TRACE = 0.0002


# --profile: a few categories of the real table (the tools read the table
# from the context), each grid run's share of them, and the stack each run
# adds to its benchmark's folded file.
CATEGORIES = [("copy_in", "copying into the kernel on send"),
              ("copy_out", "copying out to the user on receive"),
              ("fallback_copy", "the zero-copy fallback copy at local delivery"),
              ("tcpip", "the TCP/IP stack"), ("idle", "idle or spinning")]
SHARES = {"copy_in": 0.1, "copy_out": 0.2, "fallback_copy": 0.0, "tcpip": 0.3, "idle": 0.4}
PROFILE_STACK = "net_bench;entry_SYSCALL_64_[k];tcp_sendmsg_[k];_copy_from_iter_[k]"
FOLDED_PER_RUN = 7


def bad_input(message):
    print("net_bench: " + message, file=sys.stderr)
    sys.exit(2)


def parse(argv):
    flags = {"modes": ",".join(m for m, _, _ in MODES), "sizes": "4096", "threads": "1",
             "patterns": ",".join(p for p, _ in PATTERNS), "udp_rx": "recvmsg",
             "benchmark_min_time": "0.5", "fake_noise": "0.01", "fake_noise_at": "",
             "fake_sleep": "0", "fake_speed": "", "benchmark_repetitions": "1"}
    for a in argv:
        m = re.match(r"^--([a-z_]+)(?:=(.*))?$", a)
        if not m:
            bad_input("unexpected argument '%s'" % a)
        flags[m[1]] = m[2] if m[2] is not None else "true"
    return flags


def sizes(text):
    out = []
    for s in text.split(","):
        n = int(s[:-1]) * 1024 if s.endswith("K") else int(s)
        if n <= 0:
            bad_input("--sizes: %s is out of range" % s)
        out.append(n)
    return out


def names(flags):
    threads = [int(t) for t in flags["threads"].split(",")]
    if min(threads) <= 0:
        bad_input("--threads: %d is out of range" % min(threads))
    out = []
    if flags.get("topology", "veth") == "veth":
        out.append("Topology/SetupTeardown/real_time")
    for pattern in flags["patterns"].split(","):
        for mode in modes_of(pattern, flags):
            for size in sizes(flags["sizes"]):
                for rx in receive_dimensions(pattern, flags):
                    for t in threads:
                        out.append("%s/%s/size:%d%s/manual_time/threads:%d" % (
                            pattern, mode, size, rx, t))
    if flags.get("calibrate") == "true":
        out += ["Calibration/%s/cpu:%d/real_time" % (k, c) for k in ("Copy", "Alu")
                for c in (0, 1)]
    return out


def transport(pattern):
    t = dict(PATTERNS).get(pattern)
    if t is None:
        bad_input("--patterns: unknown pattern '%s'" % pattern)
    return t


def modes_of(pattern, flags):
    """The modes of --modes that run in the pattern: those of its transport."""
    known = {m: t for m, _, t in MODES}
    for m in flags["modes"].split(","):
        if m not in known:
            bad_input("--modes: unknown mode '%s'" % m)
    return [m for m in flags["modes"].split(",") if known[m] == transport(pattern)]


def receive_dimensions(pattern, flags):
    """The names' receive-mode part: '/rx:<rx>' per --udp_rx for a UDP
    pattern, '' (no such part) for TCP's."""
    if transport(pattern) != "udp":
        return [""]
    rx = flags["udp_rx"].split(",")
    for r in rx:
        if r not in UDP_RX:
            bad_input("--udp_rx: unknown receive mode '%s'" % r)
    # --rate, as net_bench: UdpStream's points at each rate, named once given.
    rates = [""]
    if pattern == "UdpStream" and "rate" in flags:
        rates = ["/rate:" + r for r in flags["rate"].split(",")]
    return ["/rx:" + r + rate for r in rx for rate in rates]


RATE_UNITS = {"K": 1000, "M": 1000 ** 2, "G": 1000 ** 3}


def rate_bits(text):
    """'1G' -> 1000000000, '0' -> 0: --rate's items as net_bench reads them."""
    return int(text[:-1]) * RATE_UNITS[text[-1]] if text[-1] in RATE_UNITS else int(text)


def context(flags, selected, blocked, seed):
    c = {"executable": sys.argv[0], "kernel": "fake", "mtu": "1500", "num_cpus": 2,
         "wait": "block", "warmup": "100ms", "window": "%s s" % flags["benchmark_min_time"],
         "working_set": "8 MiB", "payload": "written before each send",
         "modes": json.dumps([{"name": m, "mechanism": m, "notified": n, "transport": t}
                              for m, n, t in MODES]),
         "patterns": json.dumps([{"name": p, "description": ""} for p, _ in PATTERNS]),
         "counters": json.dumps({k: {"label": l, "better": b} for k, (l, b) in
                                 COUNTERS.items()})}
    if any("/rx:" in n for n in selected):
        c.update(udp_datagram=str(UDP_DATAGRAM), udp_batch=str(UDP_BATCH),
                 udp_rate=",".join(str(rate_bits(r)) for r in flags.get("rate", "0").split(",")))
    # As net_bench: calibration alone builds no topology.
    if flags.get("topology", "veth") == "veth" and \
            any(not n.startswith("Calibration/") for n in selected):
        c["topology"] = "veth fake"
    if blocked:
        c.update(rounds="blocked", seed=str(seed))
    if profiling(flags):
        c.update(profile="cpu-clock (fake)", profile_hz="500",
                 profile_out=profile_out(flags),
                 cpu_categories=json.dumps([{"name": n, "label": l, "kernel": [], "user": []}
                                            for n, l in CATEGORIES]))
    return c


def profiling(flags):
    return "true" in (flags.get("profile"), flags.get("profile_alternate"))


def profile_out(flags):
    """--profile_out, else the folder profile beside --benchmark_out."""
    out = flags.get("benchmark_out", "")
    return flags.get("profile_out") or os.path.join(os.path.dirname(out) or ".", "profile")


def profile_counters(mode):
    """A run's profile counters: SHARES, ZeroCopy's copy in a fallback copy."""
    shares = dict(SHARES)
    if mode == "ZeroCopy":
        shares.update(copy_in=0.0, fallback_copy=shares["copy_in"])
    out = {"profile_%s_share" % n: v for n, v in shares.items()}
    out.update(profile_samples=100, profile_left_out_share=0.0)
    return out


def write_folded(runs, flags):
    """One folded file per grid benchmark that ran (as net_bench, which
    profiles flows only): FOLDED_PER_RUN samples of PROFILE_STACK per run,
    every run of the benchmark in one file."""
    counts = {}
    for b in runs:
        if not b.get("error_occurred") and "/size:" in b["name"]:
            counts[b["name"]] = counts.get(b["name"], 0) + FOLDED_PER_RUN
    os.makedirs(profile_out(flags), exist_ok=True)
    for name, count in counts.items():
        path = os.path.join(profile_out(flags), name.replace("/", "-") + ".folded")
        with open(path, "w") as f:
            f.write("%s %d\n" % (PROFILE_STACK, count))


def run_entry(name, flags, rng, drift, index, repetitions):
    """One run of one benchmark, its counters made up from the flags."""
    window = float(flags["benchmark_min_time"])
    time.sleep(float(flags["fake_sleep"]))
    entry = dict(name=name, run_name=name, run_type="iteration", repetitions=repetitions,
                 repetition_index=index, threads=1, iterations=1, real_time=window * 1e9,
                 cpu_time=window * 1e8, time_unit="ns")
    parts = name.split("/")
    if parts[0] in ("Topology", "Calibration"):
        return dict(entry, real_time=1000.0 * math.exp(rng.gauss(0, 0.01)), time_unit="us")
    pattern, mode = parts[0], parts[1]
    if mode == flags.get("fake_fail"):
        return dict(name=name, run_name=name, run_type="iteration", error_occurred=True,
                    error_message="peer closed", repetitions=repetitions,
                    repetition_index=index)
    speed = dict(s.split(":") for s in flags["fake_speed"].split(",") if s).get(mode, 1)
    size = name.split("size:")[1].split("/")[0]
    noise = dict(s.split(":") for s in flags["fake_noise_at"].split(",") if s).get(
        size, flags["fake_noise"])
    factor = float(speed) * math.exp(drift + rng.gauss(0, float(noise)))
    entry["label"] = "wait=block cpus tx=0 rx=1"
    if "/rx:" in name:
        return dict(entry, **udp_counters(pattern, mode, int(size), name, factor, rng,
                                          float(noise)))
    entry.update(tx_cpu_ns_per_byte=0.5 / factor, rx_cpu_ns_per_byte=0.3 / factor)
    if pattern == "Stream":
        entry["Gbps"] = 10.0 * factor
    else:
        entry["Gbps"] = 2.0 * factor
        entry["rtt_p50_us"] = 30.0 / factor
    if mode == "ZeroCopy":
        entry.update(zc_copied_ratio=1.0, zc_enobufs_per_msg=0.0)
    if profiling(flags):
        entry.update(profile_counters(mode))
    return entry


def udp_loss_share(mode, size, threads):
    """The loss a UDP mode shows at a size and thread count (UDP_LOSS_BEGINS)."""
    begins = UDP_LOSS_BEGINS.get(mode)
    if begins is None or size < begins / 4:
        return 0.0
    if size < begins:
        return LOSS_TRACE
    return min(0.5, LOSS_AT_START * threads * size / begins)


def datagrams_per_call(mode, rx, datagrams):
    """(sent, received) datagrams per syscall for a message of `datagrams`."""
    if mode == "UdpSendmmsg":
        sent = UDP_BATCH
    elif "Gso" in mode:
        sent = min(datagrams, UDP_GSO_MAX)
    else:
        sent = 1
    received = {"recvmsg": 1, "recvmmsg": min(UDP_BATCH, 8)}.get(rx, max(1.0, 0.8 * sent))
    return float(sent), float(received)


def udp_counters(pattern, mode, size, name, factor, rng, noise):
    """A UDP run's counters from the UDP_* tables, `factor` its speed (with
    noise and the round's drift)."""
    rx = name.split("/rx:")[1].split("/")[0]
    threads = int(name.split("threads:")[1])
    cost = UDP_COST[mode] * UDP_RX_COST[rx] / factor
    datagrams = -(-size // UDP_DATAGRAM)
    sent, received = datagrams_per_call(mode, rx, datagrams)
    gbps = UDP_GBPS_NS / cost * (1 if pattern == "UdpStream" else 0.2)
    loss = udp_loss_share(mode, size, threads) * math.exp(rng.gauss(0, noise))
    # Paced at 1 Gbit/s or less, nothing is lost.
    rate = name.split("/rate:")[1].split("/")[0] if "/rate:" in name else "0"
    if 0 < rate_bits(rate) <= 1000 ** 3:
        loss = 0.0
    out = dict(Gbps=gbps, datagrams_per_second=gbps * 1e9 / 8 / size * datagrams,
               udp_loss_share=loss if pattern == "UdpStream" else loss / 2,
               udp_reorder_share=0.0, cpu_ns_per_delivered_byte=cost,
               tx_cpu_ns_per_byte=0.6 * cost, rx_cpu_ns_per_byte=0.4 * cost,
               tx_datagrams_per_call=sent, rx_datagrams_per_call=received,
               syscalls_per_msg=datagrams / sent + datagrams / received)
    if pattern == "UdpRR":
        out["rtt_p50_us"] = 20.0 * cost / UDP_COST["UdpSendmsg"]
    if "ZeroCopy" in mode:
        out.update(zc_copied_ratio=1.0, zc_enobufs_per_msg=0.0)
    return out


def blocked_rounds(selected, flags, rounds, seed):
    """Each point's runs as blocked rounds, a seeded order per round and a
    drift shared by the round (what pairing removes)."""
    rng = random.Random(seed)
    points = {}
    for name in selected:
        parts = name.split("/")
        points.setdefault(tuple(parts[:1] + parts[2:]), []).append(name)
    out = []
    for benchmarks in points.values():
        for r in range(rounds):
            drift = rng.gauss(0, 0.05)
            for name in rng.sample(benchmarks, len(benchmarks)):
                out.append(run_entry(name, flags, rng, drift, r, rounds))
    return out


def repetitions(selected, flags, count):
    """Google Benchmark's own repetitions, with its aggregates."""
    rng = random.Random(1)
    out = []
    for name in selected:
        runs = [run_entry(name, flags, rng, 0.0, i, count) for i in range(count)]
        out += runs
        if count > 1:
            out += [dict(runs[0], name=name + "_" + a, run_type="aggregate",
                         aggregate_name=a) for a in ("mean", "median")]
    return out


def main():
    flags = parse(sys.argv[1:])
    listed = names(flags)
    pattern = flags.get("benchmark_filter", ".")
    selected = [n for n in listed if re.search(pattern, n)]
    if not selected:
        bad_input("--benchmark_filter=%s selects no benchmark" % pattern)
    if flags.get("benchmark_list_tests") == "true":
        print("\n".join(selected))
        return 0
    rounds = int(flags.get("rounds", 0))
    count = int(flags["benchmark_repetitions"])
    if rounds and count > 1:
        bad_input("--rounds cannot be combined with --benchmark_repetitions")
    seed = int(flags.get("seed", 0))
    runs = (blocked_rounds(selected, flags, rounds, seed) if rounds
            else repetitions(selected, flags, count))
    data = {"context": context(flags, selected, bool(rounds), seed), "benchmarks": runs}
    if "benchmark_out" in flags:
        with open(flags["benchmark_out"], "w") as f:
            json.dump(data, f)
    if profiling(flags):
        write_folded(runs, flags)
    for b in runs:
        print(b["name"], b.get("error_message", ""))
    return 1 if any(b.get("error_occurred") for b in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
