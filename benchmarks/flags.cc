// The project's flags: one table (kFlags) gives each flag's name, value,
// help, who takes it and how it is applied; parsing, --help, the defaults
// shown and the "not a flag of serve" errors all come from it.

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "base/resolve.h"
#include "base/sys_error.h"
#include "benchmarks/config.h"
#include "benchmarks/flag_values.h"
#include "lib/datagram.h"

namespace netbench {
namespace {

// Who takes a flag.
enum class Scope { kBenchmark, kServe, kBoth };

struct FlagSpec {
  std::string_view name;
  // The value's placeholder in --help ("A,B,..."); empty for a switch,
  // whose value (true/false) may be left out.
  std::string_view value;
  Scope scope;
  std::string_view help;
  void (*apply)(Config& c, const std::string& name, const std::string& value);
  // The default as --help shows it, read off a default Config (null: none
  // worth showing).
  std::string (*shown_default)(const Config& c);
};

template <typename T>
void SortUnique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

template <typename T>
std::string Join(const std::vector<T>& items, std::string (*text)(const T&)) {
  std::string out;
  for (const T& item : items) out += (out.empty() ? "" : ",") + text(item);
  return out;
}

std::string SizeText(const size_t& size) { return BytesText(size); }

const FlagSpec kFlags[] = {
    {"modes", "A,B,...", Scope::kBenchmark,
     "modes to run: @MODES@ (default: every mode the kernel supports)",
     [](Config& c, const std::string& name, const std::string& value) {
       c.modes.clear();
       for (const auto& m : SplitList(name, value)) {
         auto mode = ParseMode(m);
         if (!mode)
           throw FlagError("--modes: unknown mode '" + m + "' (" + ModeNames() +
                           ")");
         if (std::find(c.modes.begin(), c.modes.end(), *mode) == c.modes.end())
           c.modes.push_back(*mode);
       }
       c.modes_explicit = true;
     },
     nullptr},
    {"sizes", "1K,64K,...", Scope::kBenchmark,
     "message sizes in bytes, K/M suffixes, 1 byte .. 16M",
     [](Config& c, const std::string& name, const std::string& value) {
       c.sizes.clear();
       for (const auto& s : SplitList(name, value))
         c.sizes.push_back(ParseSize(s));
       SortUnique(c.sizes);
     },
     [](const Config& c) { return Join<size_t>(c.sizes, SizeText); }},
    {"threads", "1,2,...", Scope::kBenchmark,
     "connections in parallel, one thread each",
     [](Config& c, const std::string& name, const std::string& value) {
       c.threads.clear();
       for (const auto& t : SplitList(name, value))
         c.threads.push_back(
             ParseInteger<int>(name, t, 1, Config::kMaxThreads));
       SortUnique(c.threads);
     },
     [](const Config& c) {
       return Join<int>(c.threads,
                        [](const int& t) { return std::to_string(t); });
     }},
    {"patterns", "A,B", Scope::kBenchmark, "benchmark patterns: @PATTERNS@",
     [](Config& c, const std::string& name, const std::string& value) {
       c.patterns.clear();
       for (const auto& p : SplitList(name, value)) {
         auto pattern = ParsePattern(p);
         if (!pattern)
           throw FlagError("--patterns: unknown pattern '" + p + "' (" +
                           PatternNames() + ")");
         if (std::find(c.patterns.begin(), c.patterns.end(), *pattern) ==
             c.patterns.end())
           c.patterns.push_back(*pattern);
       }
       c.patterns_explicit = true;
     },
     [](const Config& c) {
       return Join<Pattern>(c.patterns, [](const Pattern& p) {
         return std::string(PatternName(p));
       });
     }},
    {"mtu", "N", Scope::kBenchmark, "veth MTU, 68..65535",
     [](Config& c, const std::string& name, const std::string& value) {
       c.topology_options.mtu = ParseInteger<int>(name, value, 68, 65535);
     },
     [](const Config& c) { return std::to_string(c.topology_options.mtu); }},
    {"nodelay", "", Scope::kBenchmark, "TCP_NODELAY on every connection",
     [](Config& c, const std::string& name, const std::string& value) {
       c.nodelay = ParseBool(name, value);
     },
     [](const Config& c) { return std::string(c.nodelay ? "true" : "false"); }},
    {"rx", "MODE", Scope::kBenchmark, "receiver: @RXMODES@",
     [](Config& c, const std::string&, const std::string& value) {
       auto rx = ParseRxMode(value);
       if (!rx)
         throw FlagError("--rx: unknown receive mode '" + value + "' (" +
                         RxModeNames() + ")");
       c.rx = *rx;
     },
     [](const Config& c) { return std::string(RxModeName(c.rx)); }},
    {"udp_rx", "A,B", Scope::kBenchmark,
     "UDP receive modes, each a point of the grid (rx:<name> in the "
     "benchmark name): @UDPRX@",
     [](Config& c, const std::string& name, const std::string& value) {
       c.udp_rx.clear();
       for (const auto& r : SplitList(name, value)) {
         auto rx = ParseUdpRx(r);
         if (!rx)
           throw FlagError("--udp_rx: unknown UDP receive mode '" + r + "' (" +
                           UdpRxNames() + ")");
         if (std::find(c.udp_rx.begin(), c.udp_rx.end(), *rx) == c.udp_rx.end())
           c.udp_rx.push_back(*rx);
       }
     },
     [](const Config& c) {
       return Join<UdpRx>(
           c.udp_rx, [](const UdpRx& r) { return std::string(UdpRxName(r)); });
     }},
    {"datagram", "BYTES", Scope::kBenchmark,
     "UDP: the datagram size a message is cut into, 16..65507 and at most "
     "the path MTU less 28 (IP and UDP headers)",
     [](Config& c, const std::string& name, const std::string& value) {
       c.datagram =
           ParseInteger<size_t>(name, value, kDatagramHeader, kMaxUdpPayload);
     },
     [](const Config&) {
       return std::string("the path MTU less 28: 1472 at MTU 1500");
     }},
    {"batch", "N", Scope::kBenchmark,
     "UDP: datagrams per sendmmsg() (UdpSendmmsg) and recvmmsg() "
     "(--udp_rx=recvmmsg), 1..1024",
     [](Config& c, const std::string& name, const std::string& value) {
       c.batch = ParseInteger<size_t>(name, value, 1, kMaxBatch);
     },
     [](const Config& c) { return std::to_string(c.batch); }},
    {"rate", "BITS/S,...", Scope::kBenchmark,
     "UdpStream: pace each connection's sender to this many bits/s, K/M/G "
     "suffixes (decimal, as iperf3 -b), 0 for as fast as it can; several "
     "rates are points of the grid (rate:<bits/s> in the name), e.g. "
     "0,500M,1G,2G to find where loss begins",
     [](Config& c, const std::string& name, const std::string& value) {
       c.rates.clear();
       for (const auto& r : SplitList(name, value))
         c.rates.push_back(
             ParseRate(name, r, 1000, uint64_t{400} * 1000 * 1000 * 1000));
       SortUnique(c.rates);
       c.rates_named = true;
     },
     [](const Config& c) {
       return Join<uint64_t>(c.rates,
                             [](const uint64_t& r) { return RateText(r); });
     }},
    {"veth_gro", "", Scope::kBenchmark,
     "turn GRO on on both veth ends (ethtool -K gro on): the veth runs "
     "NAPI, so that --udp_rx=gro can coalesce datagrams sent one by one; "
     "off by default, as a new veth is (it changes TCP's receive path too)",
     [](Config& c, const std::string& name, const std::string& value) {
       c.topology_options.gro = ParseBool(name, value);
     },
     nullptr},
    {"optmem", "N", Scope::kBenchmark,
     "net.core.optmem_max in both namespaces (Linux 6.8 and later)",
     [](Config& c, const std::string& name, const std::string& value) {
       c.topology_options.optmem_max =
           ParseInteger<long>(name, value, 1024, long{1} << 30);
     },
     [](const Config& c) {
       return std::to_string(c.topology_options.optmem_max);
     }},
    {"verify", "", Scope::kBenchmark,
     "stamp every message and check every received byte",
     [](Config& c, const std::string& name, const std::string& value) {
       c.verify = ParseBool(name, value);
     },
     nullptr},
    {"topology", "T", Scope::kBenchmark,
     "veth, loopback, or peer:HOST[:PORT] (a host running `net_bench serve`)",
     [](Config& c, const std::string& name, const std::string& value) {
       if (value == "veth") {
         c.topology = TopologyKind::kVeth;
       } else if (value == "loopback") {
         c.topology = TopologyKind::kLoopback;
       } else if (value.rfind("peer:", 0) == 0) {
         c.topology = TopologyKind::kPeer;
         c.peer_port = Config::kDefaultPort;
         ParseHostPort(name, value.substr(5), &c.peer_host, &c.peer_port);
       } else {
         throw FlagError("--topology: '" + value +
                         "' is not veth, loopback or peer:HOST[:PORT]");
       }
     },
     [](const Config&) { return std::string("veth"); }},
    {"subnet", "A.B.C.D/P", Scope::kBenchmark,
     "veth subnet: server .1, client .2",
     [](Config& c, const std::string&, const std::string& value) {
       c.topology_options.subnet = value;
     },
     [](const Config& c) { return c.topology_options.subnet; }},
    {"timeout_ms", "N", Scope::kBoth,
     "bound on every blocking wait. serve: bounds the handshake once the key "
     "is proven (--handshake_timeout_ms bounds it until then) and caps the "
     "waits a client asks for",
     [](Config& c, const std::string& name, const std::string& value) {
       c.timeout = std::chrono::milliseconds(
           ParseInteger<int>(name, value, 10, 3600 * 1000));
     },
     [](const Config& c) { return std::to_string(c.timeout.count()); }},
    {"warmup", "DURATION", Scope::kBenchmark,
     "how long each run's connections move data before the window opens "
     "(no counter sees it), e.g. 100ms; the window's length is "
     "--benchmark_min_time",
     [](Config& c, const std::string& name, const std::string& value) {
       c.warmup = ParseDuration(name, value, std::chrono::nanoseconds(0),
                                std::chrono::seconds(60));
     },
     [](const Config& c) {
       return std::to_string(
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      c.warmup)
                      .count()) +
              "ms";
     }},
    {"working_set", "BYTES", Scope::kBenchmark,
     "the messages every sender goes round, in bytes with K/M/G suffixes "
     "(4K..1G); the same for every mode (SpliceZeroCopy takes fresh pages "
     "for every message instead)",
     [](Config& c, const std::string& name, const std::string& value) {
       c.working_set = ParseBytes(name, value, size_t{4} << 10, kMaxWorkingSet);
     },
     [](const Config&) {
       return std::string(
           "what a socket can hold unacknowledged: tcp_wmem[2] of its "
           "namespace");
     }},
    {"payload", "P", Scope::kBenchmark,
     "written (every byte of a message written before each send, as an "
     "application producing it would) or unwritten (sent as it lies, to "
     "isolate the kernel's cost)",
     [](Config& c, const std::string&, const std::string& value) {
       const auto p = ParsePayload(value);
       if (!p)
         throw FlagError("--payload: '" + value +
                         "' is not written or unwritten");
       c.payload = *p;
     },
     [](const Config& c) { return std::string(PayloadName(c.payload)); }},
    {"rounds", "N", Scope::kBenchmark,
     "run each grid point (pattern, size, threads) as N blocked rounds: "
     "every mode of the point once per round, in a random order, so that "
     "modes are compared within a round (tools/run samples this way); not "
     "with --benchmark_repetitions",
     [](Config& c, const std::string& name, const std::string& value) {
       c.rounds = ParseInteger<int>(name, value, 1, 10000);
     },
     nullptr},
    {"seed", "N", Scope::kBenchmark,
     "the seed of the rounds' random order (default: drawn at random; the "
     "context records it)",
     [](Config& c, const std::string& name, const std::string& value) {
       c.seed = ParseInteger<uint64_t>(name, value, 0, UINT64_MAX);
     },
     nullptr},
    {"affinity", "A", Scope::kBoth,
     "where each connection's two threads run: same (both on CPU i mod "
     "--cpus for connection i), split (client threads on the first half of "
     "--cpus, server threads on the second), none (the scheduler decides). "
     "serve: pins connection i's thread to CPU i mod the list unless none",
     [](Config& c, const std::string&, const std::string& value) {
       auto a = ParseAffinity(value);
       if (!a)
         throw FlagError("--affinity: '" + value +
                         "' is not split, same or none");
       c.affinity = *a;
     },
     [](const Config& c) { return std::string(AffinityName(c.affinity)); }},
    {"cpus", "LIST", Scope::kBoth, "CPUs to place threads on, e.g. 0-3,6",
     [](Config& c, const std::string&, const std::string& value) {
       try {
         c.cpus = ParseCpuList(value);
       } catch (const std::invalid_argument& e) {
         throw FlagError(std::string("--cpus: ") + e.what());
       }
     },
     [](const Config&) {
       return std::string("every CPU this process may use");
     }},
    {"wait", "W", Scope::kBoth,
     "how a thread waits for its peer's data, fixed for the whole run: "
     "block (sleep), spin (poll without sleeping, SO_BUSY_POLL where "
     "honoured), auto (spin for RR where every waiting thread has a CPU of "
     "its own, else block; each benchmark's label says which). serve: "
     "block refuses clients' requests to spin",
     [](Config& c, const std::string&, const std::string& value) {
       if (value == "auto") {
         c.wait.reset();
       } else if (auto w = ParseWaitPolicy(value)) {
         c.wait = *w;
       } else {
         throw FlagError("--wait: '" + value + "' is not auto, block or spin");
       }
     },
     [](const Config& c) {
       return c.wait ? std::string(WaitPolicyName(*c.wait)) : "auto";
     }},
    {"netns_bind_mount", "", Scope::kBenchmark,
     "debug: also mount the namespaces under /var/run/netns; not "
     "crash-safe: a killed run leaves its two mounts, which the next "
     "--netns_bind_mount run removes",
     [](Config& c, const std::string& name, const std::string& value) {
       c.topology_options.bind_mount = ParseBool(name, value);
     },
     nullptr},
    {"baselines", "", Scope::kBenchmark,
     "also run Baseline/Iperf3 (iperf3 -l 64K on the same veth) and "
     "Baseline/PlainRR (a bare request/response loop)",
     [](Config& c, const std::string& name, const std::string& value) {
       c.baselines = ParseBool(name, value);
     },
     nullptr},
    {"calibrate", "", Scope::kBenchmark,
     "also run Calibration/Copy/cpu:N (memcpy within the cache) and "
     "Calibration/Alu/cpu:N (multiplications) on each CPU of --cpus: fixed "
     "work without I/O, whose spread is the machine's own (tools/run and "
     "tools/stability add it)",
     [](Config& c, const std::string& name, const std::string& value) {
       c.calibrate = ParseBool(name, value);
     },
     nullptr},
    {"profile", "", Scope::kBenchmark,
     "sample every CPU of --cpus during each window (perf cpu-clock, and "
     "cycles and LLC misses where a PMU exists), with kernel and user call "
     "chains, and break each benchmark's CPU time into categories "
     "(profile_*_share counters) and folded stacks; needs root or "
     "CAP_PERFMON, or kernel.perf_event_paranoid <= 0",
     [](Config& c, const std::string& name, const std::string& value) {
       c.profile = ParseBool(name, value);
     },
     nullptr},
    {"profile_hz", "N", Scope::kBenchmark,
     "--profile's samples per second of each CPU's time, 10..10000",
     [](Config& c, const std::string& name, const std::string& value) {
       c.profile_hz = ParseInteger<int>(name, value, 10, 10000);
     },
     [](const Config& c) { return std::to_string(c.profile_hz); }},
    {"profile_out", "DIR", Scope::kBenchmark,
     "--profile's folded stacks (flame-graph input), one file per "
     "benchmark, named after it with '/' as '-'",
     [](Config& c, const std::string&, const std::string& value) {
       c.profile_out = value;
     },
     [](const Config&) {
       return std::string("the folder profile beside --benchmark_out");
     }},
    {"profile_alternate", "", Scope::kBenchmark,
     "--profile on every other run of each benchmark only (the first, "
     "third, ...): with --benchmark_repetitions=10, 5 runs with the profile "
     "and 5 without, alternated, measure its cost in one run",
     [](Config& c, const std::string& name, const std::string& value) {
       c.profile_alternate = ParseBool(name, value);
       if (c.profile_alternate) c.profile = true;
     },
     nullptr},
    {"auth_key_file", "FILE", Scope::kBoth,
     "serve and --topology=peer: the shared key (16 to 4096 bytes, mode "
     "0600) both sides prove by HMAC-SHA256 challenge-response; it never "
     "crosses the wire. Make one: head -c 32 /dev/urandom > FILE; chmod 600 "
     "FILE",
     [](Config& c, const std::string&, const std::string& value) {
       c.auth_key_file = value;
     },
     nullptr},
    {"listen", "HOST:PORT", Scope::kServe,
     "address or host name to listen on. Off loopback it needs "
     "--auth_key_file or --insecure_no_auth",
     [](Config& c, const std::string& name, const std::string& value) {
       ParseHostPort(name, value, &c.listen_host, &c.listen_port);
     },
     [](const Config& c) {
       return c.listen_host + ":" + std::to_string(c.listen_port);
     }},
    {"insecure_no_auth", "", Scope::kServe,
     "listen off loopback without a key: anyone who reaches the port may "
     "use it",
     [](Config& c, const std::string& name, const std::string& value) {
       c.insecure_no_auth = ParseBool(name, value);
     },
     nullptr},
    {"max_memory", "BYTES", Scope::kServe,
     "memory for all connections' buffers, K/M/G suffixes; a connection "
     "that would exceed it is refused with the reason",
     [](Config& c, const std::string& name, const std::string& value) {
       c.max_memory = ParseBytes(name, value, size_t{1} << 20, size_t{1} << 40);
     },
     [](const Config& c) { return SizeText(c.max_memory); }},
    {"max_connections", "N", Scope::kServe, "authenticated connections at once",
     [](Config& c, const std::string& name, const std::string& value) {
       c.max_connections = ParseInteger<int>(name, value, 1, 65536);
     },
     [](const Config& c) { return std::to_string(c.max_connections); }},
    {"max_per_address", "N", Scope::kServe,
     "authenticated connections at once from one address",
     [](Config& c, const std::string& name, const std::string& value) {
       c.max_per_address = ParseInteger<int>(name, value, 1, 65536);
     },
     [](const Config& c) { return std::to_string(c.max_per_address); }},
    {"max_startups", "START:RATE:FULL", Scope::kServe,
     "connections still in their handshake (the key not yet proven), a "
     "budget apart from --max_connections, as OpenSSH's MaxStartups: from "
     "START on, RATE% of new ones are refused, rising to all at FULL; the "
     "refusals fall on the addresses holding the most handshakes, and at "
     "FULL a connection from an address holding fewer takes the place of "
     "the oldest of those",
     [](Config& c, const std::string& name, const std::string& value) {
       if (std::string why = StartupLimits::Parse(value, &c.max_startups);
           !why.empty())
         throw FlagError("--" + name + ": " + why);
     },
     [](const Config& c) { return c.max_startups.ToString(); }},
    {"max_udp_rate", "BITS/S", Scope::kServe,
     "the fastest one connection's UDP answers go, K/M/G suffixes "
     "(decimal); a client's --rate above it is capped to it",
     [](Config& c, const std::string& name, const std::string& value) {
       c.max_udp_rate =
           ParseRate(name, value, 1000, uint64_t{400} * 1000 * 1000 * 1000);
       if (c.max_udp_rate == 0)
         throw FlagError(
             "--max_udp_rate: 0 would leave serve's UDP answers "
             "unbounded");
     },
     [](const Config& c) { return RateText(c.max_udp_rate); }},
    {"handshake_timeout_ms", "N", Scope::kServe,
     "how long a connection may take from accept to its proof of the key",
     [](Config& c, const std::string& name, const std::string& value) {
       c.handshake_timeout = std::chrono::milliseconds(
           ParseInteger<int>(name, value, 10, 3600 * 1000));
     },
     [](const Config& c) {
       return std::to_string(c.handshake_timeout.count());
     }},
};

const FlagSpec* FindFlag(std::string_view name) {
  for (const FlagSpec& f : kFlags)
    if (f.name == name) return &f;
  return nullptr;
}

void Apply(Config& c, const FlagSpec& flag, const std::string& value,
           bool has_value) {
  const std::string name(flag.name);
  if (!flag.value.empty() && (!has_value || value.empty()))
    throw FlagError("--" + name + " needs a value (--" + name + "=" +
                    std::string(flag.value) + ")");
  flag.apply(c, name, value);
}

// What to say of an argument that is not a flag.
std::string UnexpectedArgument(std::string_view arg) {
  if (arg == "serve")
    return "unexpected argument 'serve': the command comes first "
           "(net_bench serve [flags])";
  return "unexpected argument '" + std::string(arg) +
         "': flags start with -- (net_bench --help lists them)";
}

// Loads --auth_key_file, and settles serve's rule: off loopback, a key or
// --insecure_no_auth.
void SettleAuthentication(Config& c) {
  if (!c.auth_key_file.empty()) {
    try {
      c.auth_key =
          std::make_shared<const AuthKey>(AuthKey::FromFile(c.auth_key_file));
    } catch (const AuthKeyError& e) {
      throw FlagError(e.what());
    }
  }
  if (!c.serve) return;
  if (c.insecure_no_auth && c.auth_key)
    throw FlagError(
        "--insecure_no_auth and --auth_key_file contradict each other");
  const sockaddr_in a = ResolveIpv4(c.listen_host, c.listen_port);
  const bool loopback = (ntohl(a.sin_addr.s_addr) >> 24) == 127;
  if (!loopback && !c.auth_key && !c.insecure_no_auth)
    throw FlagError("serve: --listen=" + c.listen_host + ":" +
                    std::to_string(c.listen_port) +
                    " is reachable from other hosts: give it a key "
                    "(--auth_key_file=FILE; make one with: head -c 32 "
                    "/dev/urandom > FILE; chmod 600 FILE) or say "
                    "--insecure_no_auth");
}

// Checks --cpus against the CPUs this process may use (default: all of
// them) and that the affinity can be applied to them.
void SettlePlacement(Config& c) {
  const std::vector<int> allowed = AllowedCpus();
  if (c.cpus.empty()) {
    c.cpus = allowed;
  } else {
    for (int cpu : c.cpus)
      if (!std::binary_search(allowed.begin(), allowed.end(), cpu))
        throw FlagError("--cpus: CPU " + std::to_string(cpu) +
                        " is not available (this process may use " +
                        FormatCpuList(allowed) + ")");
  }
  if (const std::string why = Placement::Validate(c.affinity, c.cpus);
      !why.empty())
    throw FlagError(why);
}

// `text` with @MODES@, @RXMODES@ and @PATTERNS@ replaced by the tables'
// names.
std::string WithVocabularies(std::string_view text) {
  std::string out(text);
  const std::pair<std::string_view, std::string> names[] = {
      {"@MODES@", ModeNames()},
      {"@RXMODES@", RxModeNames()},
      {"@UDPRX@", UdpRxNames()},
      {"@PATTERNS@", PatternNames()}};
  for (const auto& [key, value] : names)
    for (size_t at; (at = out.find(key)) != std::string::npos;)
      out.replace(at, key.size(), value);
  return out;
}

// "  --name=VALUE        help, wrapped to 80 columns (default X)".
std::string HelpEntry(const FlagSpec& f) {
  constexpr size_t kIndent = 23, kWidth = 80;
  std::string head = "  --" + std::string(f.name);
  if (!f.value.empty()) head += "=" + std::string(f.value);
  std::string text = WithVocabularies(f.help);
  if (f.shown_default) text += " (default " + f.shown_default(Config{}) + ")";
  std::string out = head;
  size_t column = head.size();
  if (column + 1 >= kIndent) {
    out += "\n" + std::string(kIndent, ' ');
    column = kIndent;
  } else {
    out += std::string(kIndent - column, ' ');
    column = kIndent;
  }
  size_t start = 0;
  bool first = true;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!first && column + 1 + word.size() > kWidth) {
      out += "\n" + std::string(kIndent, ' ');
      column = kIndent;
      first = true;
    }
    if (!first) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    first = false;
    start = end + 1;
  }
  return out + "\n";
}

std::string BuildHelp() {
  std::string serve_usage = "       net_bench serve";
  size_t column = serve_usage.size();
  for (const FlagSpec& f : kFlags) {
    if (f.scope == Scope::kBenchmark) continue;
    std::string item = " [--" + std::string(f.name) +
                       (f.value.empty() ? "" : "=" + std::string(f.value)) +
                       "]";
    if (column + item.size() > 80) {
      serve_usage += "\n" + std::string(22, ' ');
      column = 22;
    }
    serve_usage += item;
    column += item.size();
  }
  std::string out =
      "net_bench: what it costs to move a message across the Linux network "
      "stack.\n\nusage: net_bench [project flags] [Google Benchmark flags]\n" +
      serve_usage +
      "\n\nProject flags (parsed before Google Benchmark's; `net_bench serve`\n"
      "takes the ones its usage line names):\n";
  for (const FlagSpec& f : kFlags) out += HelpEntry(f);
  out += "\n" + std::string(R"EXIT(Exit status:
  0        every selected benchmark ran without error
  1        at least one failed (stderr ends with "net_bench: N of M benchmarks
           failed; first: CAUSE"; the JSON is still written), the topology
           could not be built, or the results could not be written (one line
           says why; --benchmark_out is written to a temporary file renamed
           at the end, so it holds a complete file or what it held before)
  2        bad input: a flag (ours or Google Benchmark's), a stray argument,
           or a --benchmark_filter that selects no benchmark
  128+SIG  interrupted: 130 for SIGINT, 143 for SIGTERM
  `net_bench serve` exits 0 when stopped by SIGINT or SIGTERM (within a
  second, its connections cut; a second signal kills it), 1 when it cannot
  listen, 2 on bad input (a key file that is unreadable, not a regular
  file, too short or readable by others included).

)EXIT") + "Google Benchmark's flags follow.\n";
  return out;
}

}  // namespace

Config ParseFlags(int* argc, char** argv) {
  Config c;
  int out = 1;
  int i = 1;
  if (*argc > 1 && std::strcmp(argv[1], "serve") == 0) {
    c.serve = true;
    i = 2;
  }
  for (; i < *argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      c.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) throw FlagError(UnexpectedArgument(arg));
    arg.remove_prefix(2);
    const size_t eq = arg.find('=');
    const std::string name(arg.substr(0, eq));
    const FlagSpec* flag = FindFlag(name);
    if (!flag) {
      argv[out++] = argv[i];  // Google Benchmark's, or unknown: its call
      continue;
    }
    if (c.serve && flag->scope == Scope::kBenchmark)
      throw FlagError("--" + name + " is not a flag of `net_bench serve`");
    if (!c.serve && flag->scope == Scope::kServe)
      throw FlagError("--" + name + " is a flag of `net_bench serve` only");
    const bool has_value = eq != std::string_view::npos;
    Apply(c, *flag, has_value ? std::string(arg.substr(eq + 1)) : "",
          has_value);
  }
  *argc = out;
  argv[out] = nullptr;
  // serve never hands its arguments to Google Benchmark: what is left
  // would be ignored without a word.
  if (c.serve && out > 1)
    throw FlagError(std::string(argv[1]) +
                    " is not a flag of `net_bench serve` (net_bench --help "
                    "lists them)");
  SettlePlacement(c);
  if (c.verify && c.rx == RxMode::kTrunc)
    throw FlagError("--verify cannot check bytes that --rx=trunc discards");
  if (c.topology == TopologyKind::kVeth) try {
      netns::ValidateTopologyOptions(c.topology_options);
    } catch (const std::invalid_argument& e) {
      throw FlagError(e.what());
    }
  // Last: it reads a file, which --help or bad input elsewhere should not.
  if (!c.help) SettleAuthentication(c);
  return c;
}

const std::string& ProjectFlagsHelp() {
  static const std::string help = BuildHelp();
  return help;
}

}  // namespace netbench
