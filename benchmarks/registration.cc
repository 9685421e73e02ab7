#include "benchmarks/registration.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <random>
#include <string>

#include "base/printable.h"
#include "benchmarks/patterns.h"
#include "lib/datagram.h"
#include "lib/sender.h"

namespace netbench {
namespace {

// Registers one benchmark of the grid, e.g. Stream/ZeroCopy/size:65536 at
// `threads` (all of config.threads when empty): Google Benchmark names it
// Stream/ZeroCopy/size:65536/manual_time/threads:8, and a UDP one
// UdpStream/UdpGso/size:65536/rx:gro/manual_time/threads:1. A run is one
// window, whose length Google Benchmark sees as manual time.
void RegisterOne(const Config& config, const FlowPoint& point,
                 const std::vector<int>& threads, const Environment* env) {
  const std::string name = FlowPointName(point);
  auto* b = benchmark::RegisterBenchmark(
      name.c_str(),
      [=](benchmark::State& state) { RunFlowBenchmark(state, *env, point); });
  b->UseManualTime();
  if (!ClientSends(point.pattern)) b->Unit(benchmark::kMicrosecond);
  for (int t : threads.empty() ? config.threads : threads) b->Threads(t);
}

// The modes of `modes` that `pattern` runs (its transport's).
std::vector<Mode> ModesFor(Pattern pattern, const std::vector<Mode>& modes) {
  std::vector<Mode> out;
  for (Mode m : modes)
    if (TransportOf(m) == TransportOf(pattern)) out.push_back(m);
  return out;
}

// The points of `pattern` beside size and threads: for UDP each receive
// mode of --udp_rx, and for UdpStream each rate of --rate; else one.
std::vector<FlowPoint> PointsFor(const Config& config, Pattern pattern) {
  if (TransportOf(pattern) == Transport::kTcp) {
    FlowPoint tcp;
    tcp.pattern = pattern;
    return {tcp};
  }
  std::vector<FlowPoint> points;
  const bool paced = pattern == Pattern::kUdpStream;
  const std::vector<uint64_t> unpaced = {0};
  for (UdpRx rx : config.udp_rx)
    for (uint64_t rate : paced ? config.rates : unpaced)
      points.push_back({.pattern = pattern,
                        .rx = rx,
                        .rate = rate,
                        .rate_named = paced && config.rates_named});
  return points;
}

// Whether the point can carry messages of `size`: a UDP point needs
// datagrams long enough for their header (lib/datagram.h). Unknown, and so
// registered, without an Environment (names only).
bool Carries(const Environment* env, const FlowPoint& point, size_t size) {
  return !env || !point.rx ||
         DatagramLayoutProblem(size, env->datagram()).empty();
}

FlowPoint At(FlowPoint point, Mode mode, size_t size) {
  point.mode = mode;
  point.size = size;
  return point;
}

}  // namespace

std::vector<Mode> SupportedModes(const Config& config) {
  std::vector<Mode> wanted = config.modes;
  if (wanted.empty()) wanted.assign(AllModes().begin(), AllModes().end());
  std::vector<Mode> modes;
  for (Mode m : wanted) {
    const std::string why = ModeUnsupportedReason(m);
    if (why.empty()) {
      modes.push_back(m);
    } else {
      std::fprintf(stderr, "net_bench: %s left out: not supported: %s\n",
                   std::string(ModeName(m)).c_str(), Printable(why).c_str());
    }
  }
  return modes;
}

void RegisterGrid(const Config& config, const std::vector<Mode>& modes,
                  const Environment* env) {
  if (config.rounds == 0) {
    for (Pattern pattern : config.patterns)
      for (const FlowPoint& point : PointsFor(config, pattern))
        for (Mode mode : ModesFor(pattern, modes))
          for (size_t size : config.sizes)
            if (Carries(env, point, size))
              RegisterOne(config, At(point, mode, size), {}, env);
    return;
  }
  // Blocked rounds: point by point, each round every mode once, in an
  // order drawn afresh; Google Benchmark runs them in registration order.
  std::mt19937_64 random(config.seed.value_or(0));
  for (Pattern pattern : config.patterns) {
    std::vector<Mode> order = ModesFor(pattern, modes);
    if (order.empty()) continue;
    for (const FlowPoint& point : PointsFor(config, pattern))
      for (size_t size : config.sizes)
        for (int threads : config.threads)
          if (Carries(env, point, size))
            for (int round = 0; round < config.rounds; ++round) {
              std::shuffle(order.begin(), order.end(), random);
              for (Mode mode : order)
                RegisterOne(config, At(point, mode, size), {threads}, env);
            }
  }
}

}  // namespace netbench
