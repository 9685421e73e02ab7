#include "benchmarks/serve.h"

#include <signal.h>

#include <cstdio>
#include <exception>

#include "benchmarks/interrupt.h"
#include "benchmarks/server.h"

namespace netbench {

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
  try {
    ServerOptions options;
    options.control_timeout = config.timeout;
    options.log = true;
    // serve has no client threads: with any affinity but none, connection
    // i's thread runs on CPU i mod the list.
    if (config.affinity != Affinity::kNone)
      options.placement = Placement(Affinity::kSame, config.cpus);
    options.allow_spin = config.wait != WaitPolicy::kBlock;
    Server server(ListenTcp(config.listen_host, config.listen_port), options);
    std::fprintf(stderr, "net_bench serve: listening on %s:%u\n",
                 config.listen_host.c_str(), server.port());
    int sig = 0;
    sigwait(&stop, &sig);
    std::fprintf(stderr, "net_bench serve: stopping (signal %d): %llu served, %llu failed\n",
                 sig, static_cast<unsigned long long>(server.served_connections()),
                 static_cast<unsigned long long>(server.failed_connections()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "net_bench serve: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace netbench
