#include <benchmark/benchmark.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/output_file.h"
#include "base/printable.h"
#include "benchmarks/baseline_benchmarks.h"
#include "benchmarks/benchmark_flags.h"
#include "benchmarks/calibration_benchmark.h"
#include "benchmarks/config.h"
#include "benchmarks/environment.h"
#include "benchmarks/interrupt.h"
#include "benchmarks/outcome_reporter.h"
#include "benchmarks/registration.h"
#include "benchmarks/serve.h"
#include "benchmarks/tee_reporter.h"
#include "benchmarks/topology_benchmark.h"
#include "lib/cpu_sampler.h"
#include "netns/privilege.h"
#include "netns/topology.h"

namespace {

using namespace netbench;

// Exit statuses (--help, "Exit status"); 128+signal when interrupted.
constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kBadInput = 2;

// Every line net_bench prints on its own goes through here: what it says
// may quote a flag's value, a peer, the kernel or a library.
int Fail(const std::string& what, int status) {
  std::fprintf(stderr, "net_bench: %s\n", Printable(what).c_str());
  return status;
}

int Interrupted(const char* what) {
  std::fprintf(stderr, "net_bench: %s; %s\n", InterruptMessage().c_str(), what);
  return 128 + InterruptSignal();
}

// What Google Benchmark's flags decide for net_bench: the window's length
// (--benchmark_min_time: a run is one window), and the rounds' order.
void SettleSampling(Config& config, const BenchmarkFlags& gb) {
  constexpr double kShortestWindow = 0.01;
  if (gb.min_time < kShortestWindow)
    throw FlagError("--benchmark_min_time=" + std::to_string(gb.min_time) +
                    ": each run is one window of that many seconds, at "
                    "least 0.01");
  config.window = std::chrono::nanoseconds(
      static_cast<int64_t>(std::llround(gb.min_time * 1e9)));
  if (config.rounds > 0) {
    if (gb.repetitions > 1)
      throw FlagError(
          "--rounds and --benchmark_repetitions both repeat the grid: give "
          "one");
    if (gb.random_interleaving)
      throw FlagError(
          "--rounds orders each point's runs itself: drop "
          "--benchmark_enable_random_interleaving");
    if (!config.seed) config.seed = std::random_device{}();
  }
}

// --profile's folded stacks go beside the JSON unless told where.
void SettleProfile(Config& config, const BenchmarkFlags& gb) {
  if (!config.profile || !config.profile_out.empty() || gb.out.empty()) return;
  const std::filesystem::path json(gb.out);
  config.profile_out =
      (json.has_parent_path() ? json.parent_path() : ".") / "profile";
}

// Says once, before the first benchmark, what --profile cannot do here.
void SayProfileLimits(const Config& config) {
  if (!config.profile || config.cpus.empty()) return;
  const SamplingSupport& support = CpuSamplingSupport(config.cpus.front());
  if (!support.permitted) {
    std::fprintf(stderr,
                 "net_bench: --profile: %s; the profile counters are left "
                 "out\n",
                 support.reason.c_str());
  } else if (!support.hardware) {
    std::fprintf(stderr,
                 "net_bench: --profile: cycles and LLC misses not sampled "
                 "(%s); cpu-clock only\n",
                 support.hardware_reason.c_str());
  }
}

// Lets Google Benchmark match the filter against the registered benchmarks
// (with its own regex and negative-filter rules) and then refuses to run
// any: RunSpecifiedBenchmarks returns how many it selected.
class SelectOnly : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return false; }
  void ReportRuns(const std::vector<Run>&) override {}
};

// How many of the registered benchmarks `filter` selects; *error gets what
// Google Benchmark said of a filter it could not use.
// REQUIRES: after InitializeGoogleBenchmark, which keeps Google Benchmark
// from opening a --benchmark_out (BENCHMARK_OUT, read as it loaded) itself.
size_t CountSelected(const std::string& filter, std::string* error) {
  SelectOnly select;
  std::ostringstream out, err;
  select.SetOutputStream(&out);
  select.SetErrorStream(&err);
  const size_t n = benchmark::RunSpecifiedBenchmarks(&select, nullptr, filter);
  *error = err.str();
  return n;
}

// Hands Google Benchmark its flags, less those net_bench acts on in its
// place (GoogleBenchmarkArguments), and adds the --benchmark_context pairs
// made printable. Returns false when it finds an argument it does not know
// (it says which).
bool InitializeGoogleBenchmark(const BenchmarkFlags& gb, int argc,
                               char** argv) {
  // Google Benchmark keeps argv[0] (the context's executable): these live
  // as long as the process.
  static std::vector<std::string> args;
  static std::vector<char*> pointers;
  args = GoogleBenchmarkArguments(argc, argv);
  pointers.clear();
  for (std::string& a : args) pointers.push_back(a.data());
  pointers.push_back(nullptr);
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, pointers.data());
  for (const auto& [key, value] : gb.context)
    benchmark::AddCustomContext(Printable(key), Printable(value));
  // ValidateBenchmarkFlags left nothing for it to refuse; kept as a net.
  return !benchmark::ReportUnrecognizedArguments(n, pointers.data());
}

// Throws FlagError when `filter` selects no benchmark, before anything is
// built for them.
void CheckFilterSelects(const std::string& filter) {
  std::string why;
  if (CountSelected(filter, &why) > 0) return;
  constexpr std::string_view kBadRegex = "Could not compile benchmark re: ";
  if (why.rfind(kBadRegex, 0) == 0) {
    why = why.substr(kBadRegex.size());
    if (!why.empty() && why.back() == '\n') why.pop_back();
    throw FlagError("--benchmark_filter=" + filter +
                    " is not a regular expression: " + why);
  }
  throw FlagError("--benchmark_filter=" + filter +
                  " selects no benchmark (--benchmark_list_tests=true lists "
                  "them)");
}

// Which benchmarks to register: every one, or only those that run against
// an Environment (the topology and the in-process server).
enum class Which { kAll, kNeedingEnvironment };

// Registers the run's benchmarks against `env` (null: for their names only;
// then none of those needing it may run).
void RegisterBenchmarks(const Config& config, const Environment* env,
                        Which which = Which::kAll) {
  const bool all = which == Which::kAll;
  if (all && config.topology == TopologyKind::kVeth)
    RegisterTopologyBenchmark(config.topology_options);
  RegisterGrid(config, SupportedModes(config), env);
  if (config.baselines) RegisterBaselines(env);
  if (all && config.calibrate) RegisterCalibration(config.cpus);
}

// Whether a benchmark `filter` selects needs the Environment: only then are
// the topology and the server built (Topology/ and Calibration/ need
// neither). Leaves nothing registered.
bool NeedsEnvironment(const Config& config, const std::string& filter) {
  benchmark::ClearRegisteredBenchmarks();
  RegisterBenchmarks(config, nullptr, Which::kNeedingEnvironment);
  std::string unused;
  const bool needed = CountSelected(filter, &unused) > 0;
  benchmark::ClearRegisteredBenchmarks();
  return needed;
}

// --netns_bind_mount is not crash-safe: a killed run leaves its mounts.
void RemoveStaleBindMounts() {
  for (const std::string& path : netns::RemoveStaleBindMounts())
    std::fprintf(stderr,
                 "net_bench: removed %s, left by a net_bench that is gone\n",
                 Printable(path).c_str());
}

// Runs the registered benchmarks, against `env` where they need it (null
// when none selected does), writing --benchmark_out to `out` (null: none);
// returns the exit status.
int Run(Environment* env, const Config& config, const BenchmarkFlags& gb,
        OutputFile* out) {
  // A signal cuts every live connection, so that blocked sends and
  // receives return at once.
  ScopedInterruptAction cut([env] {
    if (env) env->CutAllConnections();
  });
  SayProfileLimits(config);
  for (const auto& [key, value] : env ? env->Context() : RunContext(config))
    benchmark::AddCustomContext(Printable(key), Printable(value));

  // One reporter in Google Benchmark's display slot: the outcome and the
  // printable text for both, then the console and the file
  // (benchmarks/tee_reporter.h).
  std::unique_ptr<benchmark::BenchmarkReporter> file;
  if (out) {
    file = MakeFileReporter(gb.out_format);
    file->SetOutputStream(&out->stream());
    file->SetErrorStream(&out->stream());
  }
  TeeReporter both(benchmark::CreateDefaultDisplayReporter(), file.get(),
                   gb.display_aggregates_only && gb.repetitions > 1);
  RunOutcome outcome;
  OutcomeReporter reporter(&both, &outcome, config.rounds);
  const size_t selected = benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  // A run whose results could not be written has failed, whatever else.
  std::vector<std::string> unwritten;
  if (out)
    if (std::string why = out->Commit(); !why.empty())
      unwritten.push_back("--benchmark_out=" + out->path() + ": " + why);
  if (!std::cout.flush())
    unwritten.push_back("cannot write the results to standard output");
  for (const std::string& why : unwritten) Fail(why, kFailed);
  if (InterruptSignal())
    return Interrupted(unwritten.empty()
                           ? "the results of the benchmarks that finished "
                             "were written"
                           : "the results of the benchmarks that finished "
                             "could not all be written");
  int status = unwritten.empty() ? kOk : kFailed;
  if (outcome.failed() > 0) {
    std::fprintf(stderr, "net_bench: %zu of %zu benchmarks failed; first: %s\n",
                 outcome.failed(), selected,
                 Printable(outcome.first_cause()).c_str());
    status = kFailed;
  }
  return status;
}

// Everything but `serve`: set up, run, report. Returns the exit status.
int Benchmarks(const Config& config, const BenchmarkFlags& gb, int argc,
               char** argv) {
  netns::Privilege privilege = netns::Privilege::kRoot;
  if (config.topology == TopologyKind::kVeth) {
    try {
      // Before any thread exists: entering a user namespace (rootless) needs
      // a single-threaded process.
      privilege = netns::EnsureNamespacePrivilege();
    } catch (const std::exception& e) {
      return Fail(e.what(), kFailed);
    }
  }
  if (!InitializeGoogleBenchmark(gb, argc, argv)) return kBadInput;
  RegisterBenchmarks(config, nullptr);  // for their names
  bool needs_environment = false;
  try {
    CheckFilterSelects(gb.filter);
    needs_environment = NeedsEnvironment(config, gb.filter);
  } catch (const FlagError& e) {
    return Fail(e.what(), kBadInput);
  }
  if (gb.list_tests) {
    RegisterBenchmarks(config, nullptr);
    benchmark::RunSpecifiedBenchmarks();  // lists; needs no topology
    return kOk;
  }

  constexpr const char* kNothingRun = "nothing was run";
  if (InterruptSignal()) return Interrupted(kNothingRun);
  // Opened before anything is built: a file that cannot be made costs
  // nothing. Until its Commit() it is a temporary file, gone however the
  // process ends (base/output_file.h).
  std::optional<OutputFile> out;
  if (!gb.out.empty()) try {
      out.emplace(gb.out);
    } catch (const std::exception& e) {
      return Fail("--benchmark_out=" + gb.out + ": " + e.what(), kFailed);
    }
  // Built only when a selected benchmark needs it.
  std::unique_ptr<Environment> env;
  if (needs_environment) {
    if (config.topology == TopologyKind::kVeth &&
        config.topology_options.bind_mount)
      RemoveStaleBindMounts();
    try {
      env = std::make_unique<Environment>(config, privilege);
    } catch (const FlagError& e) {
      // A flag the topology shows wrong (--datagram above the path MTU).
      return Fail(e.what(), kBadInput);
    } catch (const std::exception& e) {
      if (InterruptSignal()) return Interrupted(kNothingRun);
      return Fail(e.what(), kFailed);
    }
    // A signal while the topology was built: it goes (with its mounts, if
    // any) as the function returns.
    if (InterruptSignal()) return Interrupted(kNothingRun);
  }
  RegisterBenchmarks(config, env.get());
  return Run(env.get(), config, gb, out ? &*out : nullptr);
}

void PrintHelp() {
  std::fputs(ProjectFlagsHelp().c_str(), stdout);
  benchmark::PrintDefaultHelp();
}

}  // namespace

int main(int argc, char** argv) {
  // First of all, so that a signal during setup (a topology half built,
  // bind mounts made) ends the run with 128+signal and nothing left behind
  // instead of killing it where it stands.
  try {
    InstallInterruptHandlers();
  } catch (const std::exception& e) {
    return Fail(e.what(), kFailed);
  }
  // A peer that goes away must become an error (EPIPE), never a killed
  // process: splice(2) into a socket raises SIGPIPE even where send(2)
  // would take MSG_NOSIGNAL.
  ::signal(SIGPIPE, SIG_IGN);
  Config config;
  BenchmarkFlags gb;
  try {
    config = ParseFlags(&argc, argv);
    if (!config.help && !config.serve) {
      gb = ValidateBenchmarkFlags(argc, argv);
      SettleSampling(config, gb);
      SettleProfile(config, gb);
    }
  } catch (const FlagError& e) {
    // A stop signal during the checks (a key file read, a name resolved)
    // ends the run as the signal says.
    if (InterruptSignal()) return Interrupted("nothing was run");
    return Fail(e.what(), kBadInput);
  }
  if (config.help) {
    PrintHelp();
    return kOk;
  }
  if (config.serve) return Serve(config);
  return Benchmarks(config, gb, argc, argv);
}
