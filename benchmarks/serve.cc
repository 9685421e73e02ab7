#include "benchmarks/serve.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>

#include "base/printable.h"
#include "benchmarks/interrupt.h"
#include "harness/server.h"

namespace netbench {
namespace {

// SIGINT/SIGTERM stop serve within a second, whatever its peers do: every
// connection is cut (its waits end at once, io_uring ones included) and the
// threads get this long to end; past it the process exits anyway.
constexpr auto kStopBound = std::chrono::milliseconds(800);

// glibc serves a large allocation from mmap() until one is freed, then
// raises its threshold to that size (up to 32 MiB) and serves later ones
// from its arenas, which keep freed memory (mallopt(3), M_MMAP_THRESHOLD).
// A server that allocates a message or a receive buffer per connection would
// keep megabytes after its peers go. A fixed threshold turns the dynamic one
// off: every buffer of 128 KiB or more is mapped and unmapped, and memory
// comes back when connections end. (Allocation happens before the measured
// window; the copies themselves are unchanged.)
constexpr int kMmapThreshold = 128 << 10;

const char* DescribeAuthentication(const Config& config) {
  if (config.auth_key) return "clients must prove the key of --auth_key_file";
  if (config.insecure_no_auth)
    return "WITHOUT AUTHENTICATION (--insecure_no_auth): anyone who reaches "
           "the port may use it";
  return "without a key: loopback only";
}

}  // namespace

int Serve(const Config& config) {
  // Block the stop signals in every thread, then wait for one here.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  // One that came before the mask was taken by main's handler instead.
  if (int sig = InterruptSignal()) {
    std::fprintf(stderr,
                 "net_bench serve: stopping (signal %d) before listening\n",
                 sig);
    return 0;
  }
  ::mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  std::unique_ptr<Server> server;
  try {
    ServerOptions options;
    // Strangers get the short deadline and a budget of their own; the
    // server's --timeout_ms bounds the rest and caps whatever a client asks
    // for.
    options.handshake_timeout = config.handshake_timeout;
    options.startups = config.max_startups;
    options.control_timeout = config.timeout;
    options.max_timeout = config.timeout;
    options.max_connections = config.max_connections;
    options.max_per_address = config.max_per_address;
    options.max_memory = config.max_memory;
    options.max_rate = config.max_udp_rate;
    options.key = config.auth_key;
    options.log = true;
    // serve has no client threads: with any affinity but none, connection
    // i's thread runs on CPU i mod the list.
    if (config.affinity != Affinity::kNone)
      options.placement = Placement(Affinity::kSame, config.cpus);
    options.allow_spin = config.wait != WaitPolicy::kBlock;
    server = std::make_unique<Server>(
        ListenTcp(config.listen_host, config.listen_port), options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "net_bench serve: %s\n", Printable(e.what()).c_str());
    return 1;
  }
  std::fprintf(stderr, "net_bench serve: listening on %s:%u, %s\n",
               Printable(config.listen_host).c_str(), server->port(),
               DescribeAuthentication(config));
  int sig = 0;
  sigwait(&stop, &sig);
  // From here a second signal kills the process the default way: this
  // thread takes it (the others keep the stop signals blocked).
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  pthread_sigmask(SIG_UNBLOCK, &stop, nullptr);
  const bool stopped =
      server->Stop(std::chrono::steady_clock::now() + kStopBound);
  std::fprintf(
      stderr,
      "net_bench serve: stopping (signal %d): %llu served, %llu failed%s\n",
      sig, static_cast<unsigned long long>(server->served_connections()),
      static_cast<unsigned long long>(server->failed_connections()),
      stopped ? "" : "; connections still ending, exiting anyway");
  if (!stopped) {
    // A thread still runs: the server cannot be destroyed. The kernel
    // closes every socket (and frees every page) as the process goes.
    std::fflush(stderr);
    ::_exit(0);
  }
  return 0;
}

}  // namespace netbench
