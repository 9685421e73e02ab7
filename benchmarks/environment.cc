#include "benchmarks/environment.h"

#include <arpa/inet.h>
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "base/resolve.h"
#include "base/sys_error.h"
#include "benchmarks/vocabulary.h"
#include "harness/server_limits.h"
#include "harness/udp_socket.h"
#include "lib/cpu_sampler.h"
#include "lib/datagram.h"
#include "lib/message_pool.h"
#include "lib/perf_counters.h"
#include "netns/namespace.h"

namespace netbench {
namespace {

std::string KernelRelease() {
  utsname u{};
  return ::uname(&u) == 0 ? u.release : "unknown";
}

long HostOptmemMax() {
  std::ifstream f("/proc/sys/net/core/optmem_max");
  long v = -1;
  f >> v;
  return v;
}

// What a TCP socket of the run can hold unacknowledged: the larger
// tcp_wmem[2] of the namespaces its senders live in (the client's for
// Stream, the server's for RR; the calling thread's outside veth).
size_t SocketCapacity(const netns::Topology* topology) {
  if (!topology) return static_cast<size_t>(netns::ReadTcpWmemMax(-1));
  return static_cast<size_t>(
      std::max(netns::ReadTcpWmemMax(topology->ns_fd(netns::Side::kClient)),
               netns::ReadTcpWmemMax(topology->ns_fd(netns::Side::kServer))));
}

std::string DescribeDuration(std::chrono::nanoseconds d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d);
  if (us.count() % 1000 != 0) return std::to_string(us.count()) + " us";
  return std::to_string(us.count() / 1000) + " ms";
}

std::string DescribeWorkingSet(const Config& config) {
  if (config.working_set == 0)
    return "what a socket can hold unacknowledged (tcp_wmem[2])";
  return FormatBytes(config.working_set) +
         ", gone round in order by every mode but SpliceZeroCopy (fresh "
         "pages for every message); at most " +
         std::to_string(MessagePool::kMaxMessages) + " messages";
}

// --profile's cost at its default rate, as measured (README, "Where the
// CPU goes"); `--profile_alternate` measures it again in any run.
constexpr const char* kProfileOverhead =
    "measured at the default 500 Hz on a 2-CPU VM without a PMU: throughput "
    "-0.7% [-4.9%, +3.5%] (Stream/OneCopy/size:65536/threads:1, 20 runs "
    "with the profile and 20 without, alternated in one run: "
    "--profile_alternate --benchmark_repetitions=40); each sample costs "
    "the sampled CPU about 27 us there (a timer interrupt through the "
    "hypervisor): 1.4% of a busy CPU at 500 Hz, 2.7% at 1000 Hz";

std::string DescribeProfile(const Config& config) {
  if (!config.profile) return "off";
  const SamplingSupport& support = CpuSamplingSupport(config.cpus.front());
  if (!support.permitted) return "not permitted: " + support.reason;
  std::string text =
      "cpu-clock every " + std::to_string(1'000'000 / config.profile_hz) +
      " us (" + std::to_string(config.profile_hz) + " Hz) on each CPU of " +
      FormatCpuList(config.cpus) +
      ", kernel and user call chains, during each window" +
      (config.profile_alternate ? ", every other run of each benchmark" : "") +
      "; cycles and LLC misses: ";
  return text + (support.hardware
                     ? "sampled at the same rate"
                     : "not sampled (" + support.hardware_reason + ")");
}

}  // namespace

Environment::Environment(const Config& config, netns::Privilege privilege)
    : config_(config),
      placement_(config.affinity, config.cpus),
      privilege_(privilege) {
  ServerOptions so;
  // Its clients are this process's: the handshake has the run's timeout,
  // and the handshake budget (ServerOptions' default) no random drop.
  so.handshake_timeout = config.timeout;
  so.control_timeout = config.timeout;
  so.max_timeout = config.timeout;
  so.placement = placement_;
  // The in-process server proves and checks a key like `net_bench serve`:
  // a random one for this process unless --auth_key_file names one, so that
  // every benchmark runs the same handshake as two hosts do.
  if (config.topology != TopologyKind::kPeer)
    so.key = config.auth_key
                 ? config.auth_key
                 : std::make_shared<const AuthKey>(AuthKey::Random());
  target_.key =
      config.topology == TopologyKind::kPeer ? config.auth_key : so.key;
  switch (config.topology) {
    case TopologyKind::kVeth: {
      topology_ = std::make_unique<netns::Topology>(config.topology_options);
      so.ns_fd = topology_->ns_fd(netns::Side::kServer);
      UniqueFd listener;
      {
        netns::ScopedNetns in(topology_->ns_fd(netns::Side::kServer));
        listener = ListenTcp(topology_->AddressString(netns::Side::kServer), 0);
      }
      server_ = std::make_unique<Server>(std::move(listener), so);
      target_.ns_fd = topology_->ns_fd(netns::Side::kClient);
      target_.server_in_process = true;
      target_.server =
          topology_->Address(netns::Side::kServer, server_->port());
      break;
    }
    case TopologyKind::kLoopback:
      server_ = std::make_unique<Server>(ListenTcp("127.0.0.1", 0), so);
      target_.server.sin_family = AF_INET;
      target_.server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      target_.server.sin_port = htons(server_->port());
      target_.server_in_process = true;
      break;
    case TopologyKind::kPeer:
      target_.server = ResolveIpv4(config.peer_host, config.peer_port);
      break;
  }
  if (config_.working_set == 0)
    config_.working_set = SocketCapacity(topology_.get());
  datagram_ = SettleDatagram(config_, target_);
}

namespace {

bool RunsUdp(const Config& config) {
  for (Pattern p : config.patterns)
    if (TransportOf(p) == Transport::kUdp) return true;
  return false;
}

}  // namespace

size_t SettleDatagram(const Config& config, const ClientTarget& target) {
  if (!RunsUdp(config)) return 0;
  // IP and UDP headers (RFC 791, RFC 768).
  constexpr size_t kHeaders = 28;
  const int mtu = PathMtu(target.ns_fd, target.server);
  const size_t fits =
      std::min(kMaxUdpPayload, static_cast<size_t>(mtu) - kHeaders);
  if (config.datagram > fits)
    throw FlagError("--datagram=" + std::to_string(config.datagram) +
                    ": the path MTU is " + std::to_string(mtu) +
                    ", so a datagram carries at most " + std::to_string(fits) +
                    " bytes unfragmented");
  const size_t datagram = config.datagram ? config.datagram : fits;
  for (size_t size : config.sizes) {
    const std::string why = DatagramLayoutProblem(size, datagram);
    if (why.empty()) continue;
    // Asked for by name, UDP must carry every size; in the default grid a
    // size it cannot carry leaves out its UDP points (the registration
    // skips them), said once, as a mode the kernel lacks is.
    if (config.patterns_explicit)
      throw FlagError("--sizes with --datagram=" + std::to_string(datagram) +
                      ": " + why);
    std::fprintf(stderr, "net_bench: UDP left out at size %zu: %s\n", size,
                 why.c_str());
  }
  return datagram;
}

Environment::~Environment() {
  // The server's threads use sockets of the topology's namespaces: stop them
  // first.
  server_.reset();
  topology_.reset();
}

WaitPolicy Environment::WaitFor(Pattern pattern, int threads) const {
  if (config_.wait) return *config_.wait;
  return pattern == Pattern::kRR && threads <= placement_.ThreadsWithOwnCpu()
             ? WaitPolicy::kSpin
             : WaitPolicy::kBlock;
}

std::string DescribeWait(const std::optional<WaitPolicy>& wait,
                         const Placement& placement) {
  if (wait) return std::string(WaitPolicyName(*wait));
  const int own = placement.ThreadsWithOwnCpu();
  if (own == 0) return "auto: block (no thread has a CPU of its own)";
  return "auto: spin for RR up to " + std::to_string(own) + " thread" +
         (own == 1 ? "" : "s") + ", block otherwise";
}

void Environment::CutAllConnections() {
  CutAllClientConnections();
  if (server_) server_->CutAll();
}

std::vector<std::pair<std::string, std::string>> Environment::Context() const {
  std::vector<std::pair<std::string, std::string>> c;
  switch (config_.topology) {
    case TopologyKind::kVeth:
      c.emplace_back("topology",
                     "veth " + topology_->AddressString(netns::Side::kClient) +
                         " -> " +
                         topology_->AddressString(netns::Side::kServer) + "/" +
                         std::to_string(topology_->subnet().prefix));
      c.emplace_back("privilege", netns::PrivilegeName(privilege_));
      c.emplace_back("mtu", std::to_string(topology_->mtu()));
      c.emplace_back("veth_gro", topology_->gro() ? "on" : "off");
      if (datagram_) c.emplace_back("udp_datagram", std::to_string(datagram_));
      c.emplace_back("optmem_max", std::to_string(topology_->optmem_max()) +
                                       (topology_->optmem_per_namespace()
                                            ? ""
                                            : " (global: kernel before 6.8)"));
      break;
    case TopologyKind::kLoopback:
      c.emplace_back("topology", "loopback 127.0.0.1");
      c.emplace_back("privilege", "none needed");
      c.emplace_back("mtu", "loopback's");
      if (datagram_) c.emplace_back("udp_datagram", std::to_string(datagram_));
      c.emplace_back("optmem_max", std::to_string(HostOptmemMax()));
      break;
    case TopologyKind::kPeer:
      c.emplace_back("topology", "peer " + target_.Describe());
      c.emplace_back("privilege", "none needed");
      c.emplace_back("mtu", "the host's");
      if (datagram_) c.emplace_back("udp_datagram", std::to_string(datagram_));
      c.emplace_back("optmem_max", std::to_string(HostOptmemMax()));
      break;
  }
  for (auto& kv : RunContext(config_)) c.push_back(std::move(kv));
  return c;
}

std::vector<std::pair<std::string, std::string>> RunContext(
    const Config& config) {
  std::vector<std::pair<std::string, std::string>> c;
  c.emplace_back("kernel", KernelRelease());
  // User-only cycle counts are not comparable with user+kernel ones: the
  // context says which (Documentation/admin-guide/perf-security.rst).
  c.emplace_back("hardware_counters",
                 !HardwareCountersAvailable()
                     ? "not supported: " + HardwareCountersUnavailableReason()
                 : HardwareCountersIncludeKernel()
                     ? "available (user+kernel)"
                     : "available (user only: kernel.perf_event_paranoid)");
  c.emplace_back("nodelay", config.nodelay ? "true" : "false");
  c.emplace_back("rx", std::string(RxModeName(config.rx)));
  c.emplace_back("verify", config.verify ? "true" : "false");
  if (RunsUdp(config)) {
    c.emplace_back("udp_batch", std::to_string(config.batch));
    std::string rates;
    for (uint64_t r : config.rates)
      rates += (rates.empty() ? "" : ",") + std::to_string(r);
    c.emplace_back("udp_rate", rates);
  }
  const Placement placement(config.affinity, config.cpus);
  c.emplace_back("affinity", placement.Describe());
  c.emplace_back("cpus", FormatCpuList(config.cpus));
  c.emplace_back("wait", DescribeWait(config.wait, placement));
  // The flows and the data regime (DESIGN.md section 3).
  c.emplace_back("warmup", DescribeDuration(config.warmup));
  c.emplace_back("window", DescribeDuration(config.window) +
                               " (--benchmark_min_time), the same for every "
                               "connection and both sides");
  c.emplace_back("working_set", DescribeWorkingSet(config));
  c.emplace_back("payload",
                 config.payload == Payload::kWritten
                     ? "written: every byte before each send"
                     : "unwritten: sent as it lies in the working set");
  if (config.rounds > 0) {
    c.emplace_back("rounds", "blocked");
    c.emplace_back("rounds_per_point", std::to_string(config.rounds));
    c.emplace_back("seed", std::to_string(config.seed.value_or(0)));
  }
  // Where the CPU goes (DESIGN.md section 7).
  c.emplace_back("profile", DescribeProfile(config));
  if (config.profile) {
    c.emplace_back("profile_hz", std::to_string(config.profile_hz));
    c.emplace_back("profile_overhead", kProfileOverhead);
    c.emplace_back("profile_out", config.profile_out.empty()
                                      ? "none (no --profile_out or "
                                        "--benchmark_out)"
                                      : config.profile_out);
  }
  // The vocabularies, for the tools (benchmarks/vocabulary.h).
  c.emplace_back("modes", ModesJson());
  c.emplace_back("patterns", PatternsJson());
  c.emplace_back("counters", CountersJson());
  c.emplace_back("cpu_categories", CpuCategoriesJson());
  c.emplace_back("cpu_copy_primitives", CopyPrimitivesJson());
  return c;
}

}  // namespace netbench
