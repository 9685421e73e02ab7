#ifndef NET_BENCH_BENCHMARKS_CONFIG_H_
#define NET_BENCH_BENCHMARKS_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/wait_policy.h"
#include "harness/auth.h"
#include "harness/protocol.h"
#include "harness/startup_budget.h"
#include "lib/datagram_receiver.h"
#include "lib/mode.h"
#include "lib/payload.h"
#include "lib/placement.h"
#include "netns/topology.h"

namespace netbench {

enum class TopologyKind { kVeth, kLoopback, kPeer };

// Everything the project's own flags decide (Google Benchmark's flags are
// left to it).
struct Config {
  std::vector<Mode> modes;  // empty: every mode the kernel supports
  bool modes_explicit = false;
  // --patterns given: a UDP pattern then was asked for, and a size it cannot
  // carry is bad input rather than a point left out.
  bool patterns_explicit = false;
  std::vector<size_t> sizes = {1024, 4096, 16384, 65536};
  std::vector<int> threads = {1, 2, 4, 8};
  std::vector<Pattern> patterns = {Pattern::kStream, Pattern::kRR,
                                   Pattern::kUdpStream, Pattern::kUdpRR};
  bool nodelay = true;
  RxMode rx = RxMode::kCopy;
  // UDP patterns (lib/datagram.h): the datagram size (0: the path MTU less
  // the IP and UDP headers, found by the Environment), the receive modes
  // (a grid dimension: rx:<name> in the benchmark name), sendmmsg's and
  // recvmmsg's batch, and UdpStream's sender's paces in bits/s (0:
  // unpaced), a grid dimension too (rate:<bits/s> in the name) once given.
  size_t datagram = 0;
  // One receive mode unless asked for more, as --rx for TCP: each more
  // multiplies the UDP grid.
  std::vector<UdpRx> udp_rx = {UdpRx::kRecvmsg};
  size_t batch = 16;
  std::vector<uint64_t> rates = {0};
  bool rates_named = false;  // --rate given: the names carry the rate
  bool verify = false;
  TopologyKind topology = TopologyKind::kVeth;
  std::string peer_host;  // kPeer
  uint16_t peer_port = 0;
  netns::TopologyOptions topology_options;
  std::chrono::milliseconds timeout{5000};
  // Steady flows (DESIGN.md section 3): every run moves data for a warm-up
  // no counter sees, then for its window (--benchmark_min_time, set by main
  // from Google Benchmark's flag). README, "Steady flows", gives the
  // measurement behind the warm-up's default.
  std::chrono::nanoseconds warmup = std::chrono::milliseconds(50);
  std::chrono::nanoseconds window = std::chrono::milliseconds(500);
  // The working set every sender goes round (lib/message_pool.h); 0: what
  // a socket can hold unacknowledged, tcp_wmem[2] of its namespace, the
  // least that lets the zero-copy modes run without waiting for
  // completions (benchmarks/environment.cc).
  size_t working_set = 0;
  Payload payload = Payload::kWritten;
  // --rounds: each grid point as this many blocked rounds (every mode of
  // the point once per round, in a random order); 0: Google Benchmark's
  // order and repetitions.
  int rounds = 0;
  // The rounds' order; drawn at random when not given.
  std::optional<uint64_t> seed;
  // Where the threads run (--affinity, --cpus): by default both threads of
  // connection i on CPU i mod the CPUs the process may use. See README,
  // "Placement and waiting", for the measurements behind the default.
  Affinity affinity = Affinity::kSame;
  std::vector<int> cpus;  // filled by ParseFlags: never empty afterwards
  // --wait, fixed for the whole run; absent: auto (spin for RR where every
  // waiting thread has a CPU of its own, block otherwise), which each
  // benchmark's label then names.
  std::optional<WaitPolicy> wait = WaitPolicy::kBlock;

  // --auth_key_file (serve, and a client of --topology=peer:), loaded and
  // checked by ParseFlags; null without one.
  std::string auth_key_file;
  std::shared_ptr<const AuthKey> auth_key;

  // `net_bench serve`
  bool serve = false;
  std::string listen_host = "0.0.0.0";
  uint16_t listen_port = kDefaultPort;
  // Listening off loopback without a key, said explicitly.
  bool insecure_no_auth = false;
  // The server's limits (harness/server.h). README, "What serve exposes",
  // gives the measurements behind the handshake's.
  size_t max_memory = size_t{1} << 30;
  int max_connections = 512;
  int max_per_address = 64;
  // Connections in their handshake: START is max_per_address, so that one
  // key holder's whole burst (one connection per benchmark thread, all at
  // once) never meets the random drop; FULL is 4 times that.
  StartupLimits max_startups{64, 30, 256};
  // From accept to the client's Hello: a handshake takes one round trip (a
  // millisecond on a LAN, 0.3 s across the world); a stranger's silent
  // connection is cut after this.
  std::chrono::milliseconds handshake_timeout{2000};
  // The fastest one connection's server side sends datagrams (UdpRR's
  // answers), bits/s: a client cannot make serve flood its own address
  // faster than this.
  uint64_t max_udp_rate = uint64_t{10} * 1000 * 1000 * 1000;

  // --profile (DESIGN.md section 7): sample every CPU of `cpus` during each
  // window and attribute the samples to categories (lib/cpu_categories.h).
  // README, "Where the CPU goes", gives the overhead behind the default
  // rate.
  bool profile = false;
  // On a 2-CPU VM a cpu-clock sample costs the sampled CPU about 27 us (a
  // timer interrupt through the hypervisor): 1.4% of a busy CPU at 500 Hz,
  // 2.7% at 1000 Hz, against the 3% the profile may cost.
  int profile_hz = 500;
  // Profile every other run of each benchmark (its first, third, ...), so
  // that one run measures the profile's cost, on against off.
  bool profile_alternate = false;
  // Where the folded stacks go, one file per benchmark; by default the
  // folder `profile` beside --benchmark_out's file, none without either.
  std::string profile_out;

  bool help = false;
  bool baselines = false;  // also register the Baseline/ yardsticks
  bool calibrate = false;  // also register Calibration/CpuLoop per CPU

  static constexpr uint16_t kDefaultPort = 5301;
  static constexpr int kMaxThreads = 256;
};

// Bad command-line input: main prints "net_bench: <what>" and exits 2.
class FlagError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Takes the project's flags out of argv (leaving Google Benchmark's and any
// unknown ones for it to judge) and returns the configuration. Throws
// FlagError with one line naming the flag and what is wrong.
Config ParseFlags(int* argc, char** argv);

// The project's flags, for --help: generated from the flag table.
const std::string& ProjectFlagsHelp();

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_CONFIG_H_
