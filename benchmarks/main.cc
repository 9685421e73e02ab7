#include <benchmark/benchmark.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>

#include "benchmarks/baseline_benchmarks.h"
#include "benchmarks/config.h"
#include "benchmarks/environment.h"
#include "benchmarks/interrupt.h"
#include "benchmarks/registration.h"
#include "benchmarks/serve.h"
#include "benchmarks/topology_benchmark.h"
#include "netns/privilege.h"

namespace {

constexpr int kBadInput = 2;

int Fail(const char* what, int status) {
  std::fprintf(stderr, "net_bench: %s\n", what);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace netbench;
  Config config;
  try {
    config = ParseFlags(&argc, argv);
  } catch (const FlagError& e) {
    return Fail(e.what(), kBadInput);
  }
  if (config.help) std::fputs(ProjectFlagsHelp(), stdout);
  // A peer that goes away must become an error (EPIPE), never a killed
  // process: splice(2) into a socket raises SIGPIPE even where send(2)
  // would take MSG_NOSIGNAL.
  ::signal(SIGPIPE, SIG_IGN);
  if (config.serve && !config.help) return Serve(config);

  netns::Privilege privilege = netns::Privilege::kRoot;
  if (config.topology == TopologyKind::kVeth && !config.help) {
    try {
      // Before any thread exists: entering a user namespace (rootless) needs
      // a single-threaded process.
      privilege = netns::EnsureNamespacePrivilege();
    } catch (const std::exception& e) {
      return Fail(e.what(), 1);
    }
  }

  benchmark::Initialize(&argc, argv);  // prints its help and exits on --help
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return kBadInput;

  static const Environment* environment = nullptr;
  if (config.topology == TopologyKind::kVeth)
    RegisterTopologyBenchmark(config.topology_options);
  RegisterGrid(config, SupportedModes(config), &environment);
  if (config.baselines) RegisterBaselines(&environment);

  std::unique_ptr<Environment> env;
  try {
    env = std::make_unique<Environment>(config, privilege);
  } catch (const std::exception& e) {
    return Fail(e.what(), 1);
  }
  environment = env.get();
  // The interrupt watcher may run at any time: it reaches the environment
  // only under this lock, and only while it exists.
  static std::mutex live_mu;
  static Environment* live = env.get();
  InstallInterruptHandlers([] {
    std::lock_guard lock(live_mu);
    if (live) live->CutAllConnections();
  });
  for (const auto& [key, value] : env->Context())
    benchmark::AddCustomContext(key, value);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  {
    std::lock_guard lock(live_mu);
    live = nullptr;
  }
  environment = nullptr;
  env.reset();
  if (int sig = InterruptSignal()) {
    std::fprintf(stderr, "net_bench: %s; the results of the benchmarks that "
                 "finished were written\n", InterruptMessage().c_str());
    return 128 + sig;
  }
  return 0;
}
