#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <set>
#include <string_view>

#include "benchmarks/config.h"
#include "base/resolve.h"
#include "base/sys_error.h"

namespace netbench {
namespace {

std::vector<std::string> SplitList(const std::string& flag,
                                   const std::string& value) {
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    const size_t comma = value.find(',', start);
    std::string item = value.substr(start, comma - start);
    if (item.empty())
      throw FlagError("--" + flag + ": empty item in '" + value + "'");
    items.push_back(std::move(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

template <typename T>
T ParseInteger(const std::string& flag, std::string_view text, T lo, T hi) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const bool too_big = ec == std::errc::result_out_of_range;
  if ((ec != std::errc() && !too_big) || end != text.data() + text.size() ||
      text.empty())
    throw FlagError("--" + flag + ": '" + std::string(text) +
                    "' is not a number");
  if (too_big || v < lo || v > hi)
    throw FlagError("--" + flag + ": " + std::string(text) + " is out of range " +
                    std::to_string(lo) + ".." + std::to_string(hi));
  return v;
}

bool ParseBool(const std::string& flag, const std::string& value) {
  if (value == "" || value == "true" || value == "1" || value == "yes")
    return true;
  if (value == "false" || value == "0" || value == "no") return false;
  throw FlagError("--" + flag + ": '" + value + "' is not true/false");
}

// "1G", "512M", "65536K", "1073741824": bytes for --max_memory, 1 MiB..1 TiB.
size_t ParseBytes(const std::string& flag, const std::string& text) {
  std::string_view digits = text;
  size_t unit = 1;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K':
      case 'k':
        unit = size_t{1} << 10;
        break;
      case 'M':
      case 'm':
        unit = size_t{1} << 20;
        break;
      case 'G':
      case 'g':
        unit = size_t{1} << 30;
        break;
      default:
        break;
    }
    if (unit != 1) digits.remove_suffix(1);
  }
  constexpr size_t kMin = size_t{1} << 20, kMax = size_t{1} << 40;
  const size_t n = ParseInteger<size_t>(flag, digits, 0, kMax);
  if (n > kMax / unit || n * unit < kMin)
    throw FlagError("--" + flag + ": " + text + " is out of range 1M..1024G");
  return n * unit;
}

template <typename T>
void SortUnique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// "HOST[:PORT]" for --topology=peer: and --listen.
void ParseHostPort(const std::string& flag, const std::string& text,
                   std::string* host, uint16_t* port) {
  const size_t colon = text.rfind(':');
  *host = text.substr(0, colon);
  if (colon != std::string::npos)
    *port = ParseInteger<uint16_t>(flag, std::string_view(text).substr(colon + 1),
                                   1, 65535);
  if (host->empty()) throw FlagError("--" + flag + ": missing host in '" + text + "'");
  // A name that does not resolve is bad input, found before anything is
  // built; the server and the client resolve it again, the same way, where
  // they use it.
  try {
    ResolveIpv4(*host, *port);
  } catch (const SysError& e) {
    throw FlagError("--" + flag + ": " + e.what());
  }
}

void Apply(Config& c, const std::string& name, const std::string& value,
           bool has_value) {
  const auto need_value = [&] {
    if (!has_value || value.empty())
      throw FlagError("--" + name + " needs a value (--" + name + "=...)");
  };
  if (name == "modes") {
    need_value();
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
  } else if (name == "sizes") {
    need_value();
    c.sizes.clear();
    for (const auto& s : SplitList(name, value)) c.sizes.push_back(ParseSize(s));
    SortUnique(c.sizes);
  } else if (name == "threads") {
    need_value();
    c.threads.clear();
    for (const auto& t : SplitList(name, value))
      c.threads.push_back(ParseInteger<int>(name, t, 1, Config::kMaxThreads));
    SortUnique(c.threads);
  } else if (name == "patterns") {
    need_value();
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
  } else if (name == "mtu") {
    need_value();
    c.topology_options.mtu = ParseInteger<int>(name, value, 68, 65535);
  } else if (name == "nodelay") {
    c.nodelay = ParseBool(name, value);
  } else if (name == "rx") {
    need_value();
    auto rx = ParseRxMode(value);
    if (!rx)
      throw FlagError("--rx: unknown receive mode '" + value + "' (" +
                      RxModeNames() + ")");
    c.rx = *rx;
  } else if (name == "optmem") {
    need_value();
    c.topology_options.optmem_max =
        ParseInteger<long>(name, value, 1024, long{1} << 30);
  } else if (name == "verify") {
    c.verify = ParseBool(name, value);
  } else if (name == "topology") {
    need_value();
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
  } else if (name == "subnet") {
    need_value();
    c.topology_options.subnet = value;
  } else if (name == "timeout_ms") {
    need_value();
    c.timeout = std::chrono::milliseconds(
        ParseInteger<int>(name, value, 10, 3600 * 1000));
  } else if (name == "netns_bind_mount") {
    c.topology_options.bind_mount = ParseBool(name, value);
  } else if (name == "baselines") {
    c.baselines = ParseBool(name, value);
  } else if (name == "calibrate") {
    c.calibrate = ParseBool(name, value);
  } else if (name == "affinity") {
    need_value();
    auto a = ParseAffinity(value);
    if (!a)
      throw FlagError("--affinity: '" + value + "' is not split, same or none");
    c.affinity = *a;
  } else if (name == "cpus") {
    need_value();
    try {
      c.cpus = ParseCpuList(value);
    } catch (const std::invalid_argument& e) {
      throw FlagError(std::string("--cpus: ") + e.what());
    }
  } else if (name == "wait") {
    need_value();
    if (value == "auto") {
      c.wait.reset();
    } else if (auto w = ParseWaitPolicy(value)) {
      c.wait = *w;
    } else {
      throw FlagError("--wait: '" + value + "' is not auto, block or spin");
    }
  } else if (name == "listen") {
    need_value();
    ParseHostPort(name, value, &c.listen_host, &c.listen_port);
  } else if (name == "auth_key_file") {
    need_value();
    c.auth_key_file = value;
  } else if (name == "insecure_no_auth") {
    c.insecure_no_auth = ParseBool(name, value);
  } else if (name == "max_memory") {
    need_value();
    c.max_memory = ParseBytes(name, value);
  } else if (name == "max_connections") {
    need_value();
    c.max_connections = ParseInteger<int>(name, value, 1, 65536);
  } else if (name == "max_per_address") {
    need_value();
    c.max_per_address = ParseInteger<int>(name, value, 1, 65536);
  } else {
    throw std::logic_error("unhandled flag " + name);
  }
}

// What to say of an argument that is not a flag.
std::string UnexpectedArgument(std::string_view arg) {
  if (arg == "serve")
    return "unexpected argument 'serve': the command comes first "
           "(net_bench serve [flags])";
  return "unexpected argument '" + std::string(arg) +
         "': flags start with -- (net_bench --help lists them)";
}

constexpr const char* kFlags[] = {"modes",
                                  "sizes",
                                  "threads",
                                  "patterns",
                                  "mtu",
                                  "nodelay",
                                  "rx",
                                  "optmem",
                                  "verify",
                                  "topology",
                                  "subnet",
                                  "timeout_ms",
                                  "netns_bind_mount",
                                  "listen",
                                  "baselines",
                                  "affinity",
                                  "cpus",
                                  "wait",
                                  "calibrate",
                                  "auth_key_file",
                                  "insecure_no_auth",
                                  "max_memory",
                                  "max_connections",
                                  "max_per_address"};

// Flags that only `net_bench serve` takes: given to a benchmark run they
// would do nothing, silently.
constexpr const char* kServeOnlyFlags[] = {
    "insecure_no_auth", "max_memory", "max_connections", "max_per_address"};

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

}  // namespace

size_t ParseSize(const std::string& text) {
  std::string_view digits = text;
  size_t unit = 1;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K': case 'k': unit = size_t{1} << 10; break;
      case 'M': case 'm': unit = size_t{1} << 20; break;
      default: break;
    }
    if (unit != 1) digits.remove_suffix(1);
  }
  // The messages quote the whole item: "1KK" is what the user wrote, not
  // the "1K" left once the suffix is taken off.
  size_t n = 0;
  auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), n);
  const bool too_big = ec == std::errc::result_out_of_range;
  if (digits.empty() || end != digits.data() + digits.size() ||
      (ec != std::errc() && !too_big))
    throw FlagError("--sizes: '" + text +
                    "' is not a number (digits with an optional K or M "
                    "suffix, e.g. 64K)");
  if (too_big || n > kMaxMessageSize / unit || n * unit < kMinMessageSize ||
      n * unit > kMaxMessageSize)
    throw FlagError("--sizes: " + text + " is out of range " +
                    std::to_string(kMinMessageSize) + ".." +
                    std::to_string(kMaxMessageSize) + " bytes");
  return n * unit;
}

Config ParseFlags(int* argc, char** argv) {
  Config c;
  std::set<std::string> given;  // the project's flags on the command line
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
    if (std::find(std::begin(kFlags), std::end(kFlags), name) ==
        std::end(kFlags)) {
      argv[out++] = argv[i];  // Google Benchmark's, or unknown: its call
      continue;
    }
    const bool has_value = eq != std::string_view::npos;
    Apply(c, name, has_value ? std::string(arg.substr(eq + 1)) : "", has_value);
    given.insert(name);
  }
  *argc = out;
  argv[out] = nullptr;
  if (!c.serve)
    for (const char* flag : kServeOnlyFlags)
      if (given.count(flag))
        throw FlagError(std::string("--") + flag +
                        " is a flag of `net_bench serve` only");
  // serve never hands its arguments to Google Benchmark: what is left
  // would be ignored without a word.
  if (c.serve && out > 1)
    throw FlagError(std::string(argv[1]) +
                    " is not a flag of `net_bench serve` (net_bench --help "
                    "lists them)");
  SettlePlacement(c);
  if (c.verify && c.rx == RxMode::kTrunc)
    throw FlagError("--verify cannot check bytes that --rx=trunc discards");
  if (c.topology == TopologyKind::kVeth)
    try {
      netns::ValidateTopologyOptions(c.topology_options);
    } catch (const std::invalid_argument& e) {
      throw FlagError(e.what());
    }
  // Last: it reads a file, which --help or bad input elsewhere should not.
  if (!c.help) SettleAuthentication(c);
  return c;
}

const char* ProjectFlagsHelp() {
  return R"(net_bench: what it costs to move a message across the Linux network stack.

usage: net_bench [project flags] [Google Benchmark flags]
       net_bench serve [--listen=HOST:PORT] [--auth_key_file=FILE]
                       [--timeout_ms=N] [--max_memory=BYTES]
                       [--max_connections=N] [--max_per_address=N]
                       [--affinity=A] [--cpus=LIST] [--wait=W]

Project flags (parsed before Google Benchmark's):
  --modes=A,B,...      modes to run (default: every mode the kernel supports):
                       TwoCopy, TwoCopyPacked, OneCopy, ZeroCopy, UringOneCopy,
                       UringZeroCopy, SpliceZeroCopy
  --sizes=1K,64K,...   message sizes in bytes, K/M suffixes (default 1K,4K,16K,64K;
                       1 byte .. 16M)
  --threads=1,2,...    connections in parallel, one thread each (default 1,2,4,8)
  --patterns=Stream,RR benchmark patterns (default both)
  --mtu=N              veth MTU, 68..65535 (default 1500)
  --nodelay=BOOL       TCP_NODELAY on every connection (default true)
  --rx=MODE            receiver: copy (recv), zerocopy (TCP_ZEROCOPY_RECEIVE),
                       trunc (MSG_TRUNC, discard) (default copy)
  --optmem=N           net.core.optmem_max in both namespaces (default 131072)
  --verify             stamp every message and check every received byte
  --topology=T         veth (default), loopback, or peer:HOST[:PORT] (a host
                       running `net_bench serve`)
  --subnet=A.B.C.D/P   veth subnet (default 198.18.0.0/24: server .1, client .2)
  --timeout_ms=N       bound on every blocking wait (default 5000)
  --affinity=A         where each connection's two threads run: same (both on
                       CPU i mod --cpus for connection i; default), split
                       (client threads on the first half of --cpus, server
                       threads on the second), none (the scheduler decides).
                       serve: pins connection i's thread to CPU i mod the list
                       unless none
  --cpus=LIST          CPUs to place threads on, e.g. 0-3,6 (default: every
                       CPU this process may use)
  --wait=W             how a thread waits for its peer's data: block (sleep),
                       spin (poll without sleeping, SO_BUSY_POLL where
                       honoured), auto (default: spin for RR where every
                       waiting thread has a CPU of its own, else block).
                       serve: block refuses clients' requests to spin
  --netns_bind_mount   debug: also mount the namespaces under /var/run/netns;
                       not crash-safe: a killed run leaves its two mounts, which
                       the next --netns_bind_mount run removes
  --baselines          also run Baseline/Iperf3 (iperf3 -l 64K on the same veth)
                       and Baseline/PlainRR (a bare request/response loop)
  --calibrate          also run Calibration/Copy/cpu:N (memcpy within the cache)
                       and Calibration/Alu/cpu:N (multiplications) on each
                       CPU of --cpus: fixed work without I/O, whose spread is
                       the machine's own (tools/run and tools/stability add it)
  --listen=HOST:PORT   serve: address or host name to listen on (default
                       0.0.0.0:5301). Off loopback it needs --auth_key_file
                       or --insecure_no_auth
  --auth_key_file=FILE serve and --topology=peer: the shared key (16 to 4096
                       bytes, mode 0600) both sides prove by HMAC-SHA256
                       challenge-response; it never crosses the wire. Make one:
                       head -c 32 /dev/urandom > FILE; chmod 600 FILE
  --insecure_no_auth   serve: listen off loopback without a key: anyone who
                       reaches the port may use it
  --max_memory=BYTES   serve: memory for all connections' buffers, K/M/G
                       suffixes (default 1G); a connection that would exceed
                       it is refused with the reason
  --max_connections=N  serve: connections at once (default 512)
  --max_per_address=N  serve: connections at once from one address (default
                       64). serve's --timeout_ms bounds the whole handshake
                       and caps the waits a client asks for

Exit status:
  0        every selected benchmark ran without error
  1        at least one failed (stderr ends with "net_bench: N of M benchmarks
           failed; first: CAUSE"; the JSON is still written), or the topology
           could not be built
  2        bad input: a flag (ours or Google Benchmark's), a stray argument,
           or a --benchmark_filter that selects no benchmark
  128+SIG  interrupted: 130 for SIGINT, 143 for SIGTERM
  `net_bench serve` exits 0 when stopped by SIGINT or SIGTERM (within a
  second, its connections cut; a second signal kills it), 1 when it cannot
  listen, 2 on bad input (a key file that is unreadable, too short or
  readable by others included).

Google Benchmark's flags follow.
)";
}

}  // namespace netbench
