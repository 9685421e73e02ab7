// The client side of every pattern's benchmark: one skeleton
// (harness/flow.h) for Stream and RR.

#include <exception>
#include <memory>
#include <optional>

#include "base/printable.h"
#include "base/sys_error.h"
#include "benchmarks/interrupt.h"
#include "benchmarks/patterns.h"
#include "benchmarks/run_group.h"
#include "harness/flow.h"
#include "lib/cpu_sampler.h"
#include "lib/integrity.h"
#include "lib/placement.h"
#include "lib/receiver.h"
#include "lib/sender.h"
#include "lib/thread_meter.h"

namespace netbench {
namespace {

// The Go that tells the server the run's schedule.
Go MakeGo(const FlowSchedule& schedule, bool same_clock) {
  Go go;
  go.flags = same_clock ? kGoSameClock : 0;
  go.sent_ns = SteadyNowNs();
  go.window_start_ns = schedule.window_start_ns;
  go.window_ns = schedule.window_ns;
  return go;
}

RunRecord RunShape(const Config& config, Pattern pattern, Mode mode,
                   size_t size, WaitPolicy wait) {
  RunRecord run;
  run.pattern = pattern;
  run.message_size = size;
  run.zero_copy_notified = IsZeroCopyNotified(mode);
  run.rx_zerocopy = config.rx == RxMode::kZeroCopy;
  run.wait = wait;
  return run;
}

// As Google Benchmark names the run (benchmarks/registration.cc).
std::string BenchmarkName(Pattern pattern, Mode mode, size_t size,
                          int threads) {
  return std::string(PatternName(pattern)) + "/" + std::string(ModeName(mode)) +
         "/size:" + std::to_string(size) +
         "/manual_time/threads:" + std::to_string(threads);
}

RunGroup::ProfileRequest ProfileRequestOf(const Config& config) {
  RunGroup::ProfileRequest r;
  // Where sampling is not permitted, main said so once: no profile.
  r.on = config.profile && CpuSamplingSupport(config.cpus.front()).permitted;
  r.alternate = config.profile_alternate;
  r.hz = config.profile_hz;
  r.out_dir = config.profile_out;
  return r;
}

// This thread's connection and what moves its messages, made before the
// run's schedule starts.
struct ClientSide {
  std::optional<ScopedAffinity> pinned;
  std::optional<ClientConnection> connection;
  std::unique_ptr<Sender> sender;      // Stream
  std::unique_ptr<Receiver> receiver;  // RR
};

void SetUp(ClientSide& side, const Environment& env, Pattern pattern, Mode mode,
           size_t size, int index, WaitPolicy wait) {
  const Config& config = env.config();
  side.pinned.emplace(env.placement().ClientCpu(index));
  // No new connection once a signal has cut the live ones.
  if (InterruptSignal()) throw SysError(InterruptMessage());
  side.connection.emplace(ClientConnection::Open(
      env.target(), MakeHello(config, pattern, mode, size, index, wait)));
  const int fd = side.connection->fd();
  if (pattern == Pattern::kStream) {
    SenderOptions so;
    so.message_size = size;
    so.working_set = config.working_set;
    so.timeout = config.timeout;
    side.sender = MakeSender(mode, fd, so);
  } else {
    ReceiverOptions ro;
    ro.max_chunk = std::min<size_t>(size, size_t{1} << 20);
    ro.timeout = config.timeout;
    ro.wait = wait;
    side.receiver = MakeReceiver(config.rx, fd, ro);
  }
}

// This connection failed: the run fails with its cause, and the other
// connections stop at once. Skips first, since Google Benchmark reports
// the first error of a run, and the others skip once they see the flag.
void Fail(benchmark::State& state, RunGroup& group, const std::string& cause) {
  SkipWithCause(state, cause);
  group.Abort();
}

}  // namespace

void RunFlowBenchmark(benchmark::State& state, const Environment& env,
                      Pattern pattern, Mode mode, size_t size) {
  const Config& config = env.config();
  RunGroup& group = RunGroup::Instance();
  RunMember member(state, group);
  const WaitPolicy wait = env.WaitFor(pattern, state.threads());
  ClientSide side;
  try {
    SetUp(side, env, pattern, mode, size, state.thread_index(), wait);
  } catch (const std::exception& e) {
    Fail(state, group, e.what());
  }

  // Preallocated before the flow: recording never allocates.
  LatencyHistogram round_trips;
  StreamVerifier verifier(size);
  ConnectionRecord record;
  bool done = false;
  for (auto _ : state) {
    if (done) {
      // One iteration is one window, at least --benchmark_min_time long:
      // Google Benchmark never asks for another.
      state.SkipWithError("internal: a second iteration of one window");
      break;
    }
    done = true;
    try {
      const FlowSchedule schedule = group.Schedule(
          {.warmup = config.warmup,
           .window = config.window,
           .cpus = config.cpus,
           .name = BenchmarkName(pattern, mode, size, state.threads()),
           .profile = ProfileRequestOf(config)});
      side.connection->SendGo(MakeGo(schedule, env.target().server_in_process),
                              config.timeout);
      FlowEndpoint e;
      e.pattern = pattern;
      e.client = true;
      e.fd = side.connection->fd();
      e.message_size = size;
      e.sender = side.sender.get();
      e.receiver = side.receiver.get();
      e.payload = config.payload;
      e.verify = config.verify;
      if (config.verify && side.receiver) e.verifier = &verifier;
      e.timeout = config.timeout;
      e.wait = wait;
      e.round_trips = &round_trips;
      e.abort = &group.abort_flag();
      const FlowResult flow = RunFlow(e, schedule);
      if (flow.aborted) {
        // Google Benchmark keeps the first error of a run: the failed
        // connection's, which skipped before it raised the flag.
        state.SkipWithError("stopped: another connection of the run failed");
        break;
      }
      if (!flow.window) throw SysError("the window never opened");
      record.index = state.thread_index();
      record.client = *flow.window;
      // Google Benchmark divides the threads' summed times by their summed
      // iterations (one each): each reports the window times the threads,
      // so that real_time, what compare.py compares, is the window.
      state.SetIterationTime(
          static_cast<double>(record.client.end_ns - record.client.start_ns) /
          1e9 * state.threads());
      // Teardown, outside the window: the server's report, the kernel's
      // last zero-copy completions (every one must be accounted for).
      const Report report = side.connection->Finish(config.timeout);
      if (side.sender) side.sender->Drain(config.timeout);
      std::string error = CheckReport(report, config, pattern, flow.messages);
      if (error.empty() && config.verify && side.receiver &&
          verifier.messages_verified() != flow.messages)
        error = "verified " + std::to_string(verifier.messages_verified()) +
                " of " + std::to_string(flow.messages) + " answers";
      if (!error.empty()) throw SysError(error);
      record.server = FromWire(report.side);
      member.Submit(RunShape(config, pattern, mode, size, wait), &record,
                    &round_trips);
    } catch (const std::exception& e) {
      Fail(state, group, e.what());
    }
  }
}

Hello MakeHello(const Config& config, Pattern pattern, Mode mode, size_t size,
                int connection, WaitPolicy wait) {
  Hello h;
  h.pattern = static_cast<uint8_t>(pattern);
  h.mode = static_cast<uint8_t>(mode);
  h.rx = static_cast<uint8_t>(config.rx);
  h.flags = static_cast<uint8_t>(
      (config.verify ? kHelloVerify : 0) |
      (config.nodelay ? kHelloNoDelay : 0) |
      (wait == WaitPolicy::kSpin ? kHelloSpin : 0) |
      (config.payload == Payload::kUnwritten ? kHelloUnwritten : 0));
  h.connection = static_cast<uint16_t>(connection);
  h.timeout_ms = static_cast<uint32_t>(config.timeout.count());
  h.working_set = config.working_set;
  h.size = size;
  return h;
}

std::string CheckReport(const Report& report, const Config& config,
                        Pattern pattern, uint64_t messages) {
  if (!report.ok) return "server: " + Printable(report.error);
  if (report.messages != messages)
    return "the server " +
           std::string(pattern == Pattern::kStream ? "received "
                                                   : "answered ") +
           std::to_string(report.messages) + " messages, the client " +
           std::string(pattern == Pattern::kStream ? "sent " : "asked for ") +
           std::to_string(messages);
  if (pattern == Pattern::kStream && config.verify &&
      report.verified != messages)
    return "server verified " + std::to_string(report.verified) + " of " +
           std::to_string(messages) + " messages";
  return "";
}

void SkipWithCause(benchmark::State& state, const std::string& cause) {
  const std::string interrupted = InterruptMessage();
  state.SkipWithError((interrupted.empty() ? cause : interrupted).c_str());
}

}  // namespace netbench
