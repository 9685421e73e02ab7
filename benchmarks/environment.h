#ifndef NET_BENCH_BENCHMARKS_ENVIRONMENT_H_
#define NET_BENCH_BENCHMARKS_ENVIRONMENT_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "benchmarks/config.h"
#include "harness/client.h"
#include "harness/server.h"
#include "netns/privilege.h"
#include "netns/topology.h"

namespace netbench {

// What every benchmark of one process shares: the topology, the in-process
// server, and where clients connect. Built once before the first benchmark
// and destroyed after the last.
class Environment {
 public:
  // Builds the topology (veth: namespaces + veth pair; loopback: nothing) and
  // starts the server in the server namespace; for a peer, only records
  // where it is. Throws with one line saying why it cannot.
  Environment(const Config& config, netns::Privilege privilege);
  ~Environment();

  const Config& config() const { return config_; }
  const ClientTarget& target() const { return target_; }
  const Placement& placement() const { return placement_; }
  // How the threads of a benchmark of `pattern` with `threads` connections
  // wait for data: --wait, or its auto choice: spin for RR when every
  // client thread (and so every server thread) has a CPU of its own, since
  // the idle CPU's wake-up then decides the round trip; block otherwise
  // (spinning threads sharing a CPU take turns by preemption), and for
  // Stream, whose receiver has data waiting nearly always.
  WaitPolicy WaitFor(Pattern pattern, int threads) const;
  // The server namespace (veth), or -1 (loopback, peer).
  int server_ns_fd() const {
    return topology_ ? topology_->ns_fd(netns::Side::kServer) : -1;
  }
  // The UDP patterns' datagram size: --datagram, or the path MTU to the
  // server less 28 (IP and UDP headers); 0 when no UDP pattern runs.
  size_t datagram() const { return datagram_; }
  // Cuts every live connection, on both sides (SIGINT).
  void CutAllConnections();
  // The run's context for Google Benchmark's output (AddCustomContext): the
  // topology's keys, then RunContext's.
  std::vector<std::pair<std::string, std::string>> Context() const;

 private:
  Config config_;
  Placement placement_;
  netns::Privilege privilege_;
  std::unique_ptr<netns::Topology> topology_;
  std::unique_ptr<Server> server_;
  ClientTarget target_;
  size_t datagram_ = 0;
};

// The UDP patterns' datagram (Environment::datagram): throws FlagError when
// --datagram is above the path MTU, or when --patterns asked for UDP and a
// size cuts into datagrams too short for their header (without --patterns
// such a size's UDP points are left out, with one line on stderr).
size_t SettleDatagram(const Config& config, const ClientTarget& target);

// The context keys that need no topology (kernel, hardware counters,
// placement, waiting, the vocabularies): the whole context of a run whose
// benchmarks need no Environment (Topology/, Calibration/).
std::vector<std::pair<std::string, std::string>> RunContext(
    const Config& config);

// "auto: ..." or "block" or "spin", for the context.
std::string DescribeWait(const std::optional<WaitPolicy>& wait,
                         const Placement& placement);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_ENVIRONMENT_H_
