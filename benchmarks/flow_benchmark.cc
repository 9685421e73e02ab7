// The client side of every pattern's benchmark: one skeleton
// (harness/flow.h) for Stream and RR.

#include <exception>
#include <memory>
#include <optional>

#include "base/printable.h"
#include "base/sys_error.h"
#include "benchmarks/flag_values.h"
#include "benchmarks/interrupt.h"
#include "benchmarks/patterns.h"
#include "benchmarks/run_group.h"
#include "harness/flow.h"
#include "lib/cpu_sampler.h"
#include "lib/datagram_receiver.h"
#include "lib/datagram_tally.h"
#include "lib/integrity.h"
#include "lib/pacer.h"
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

RunRecord RunShape(const Config& config, const FlowPoint& point,
                   WaitPolicy wait) {
  RunRecord run;
  run.pattern = point.pattern;
  run.message_size = point.size;
  run.zero_copy_notified = IsZeroCopyNotified(point.mode);
  run.rx_zerocopy = TransportOf(point.pattern) == Transport::kTcp &&
                    config.rx == RxMode::kZeroCopy;
  run.wait = wait;
  return run;
}

// As Google Benchmark names the run (benchmarks/registration.cc).
std::string BenchmarkName(const FlowPoint& point, int threads) {
  return FlowPointName(point) +
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
  std::unique_ptr<Sender> sender;               // Stream, UdpStream
  std::unique_ptr<Receiver> receiver;           // RR
  std::unique_ptr<DatagramReceiver> datagrams;  // UdpRR
  std::unique_ptr<DatagramTally> tally;         // UdpRR
  // The socket the data goes over: the connection's, or its UDP socket.
  int data_fd() const {
    return connection->udp_fd() >= 0 ? connection->udp_fd() : connection->fd();
  }
};

void SetUp(ClientSide& side, const Environment& env, const FlowPoint& point,
           int index, WaitPolicy wait) {
  const Config& config = env.config();
  side.pinned.emplace(env.placement().ClientCpu(index));
  // No new connection once a signal has cut the live ones.
  if (InterruptSignal()) throw SysError(InterruptMessage());
  side.connection.emplace(ClientConnection::Open(
      env.target(), MakeHello(config, point, index, wait, env.datagram())));
  const int fd = side.data_fd();
  const size_t size = point.size;
  if (ClientSends(point.pattern)) {
    SenderOptions so;
    so.message_size = size;
    so.working_set = config.working_set;
    so.timeout = config.timeout;
    if (point.rx) {
      so.datagram = env.datagram();
      so.batch = config.batch;
    }
    side.sender = MakeSender(point.mode, fd, so);
  } else if (point.rx) {
    DatagramReceiverOptions ro;
    ro.datagram = env.datagram();
    ro.batch = config.batch;
    ro.wait = wait;
    side.datagrams = MakeDatagramReceiver(*point.rx, fd, ro);
    side.tally =
        std::make_unique<DatagramTally>(size, env.datagram(), config.verify);
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

std::string FlowPointName(const FlowPoint& point) {
  std::string name = std::string(PatternName(point.pattern)) + "/" +
                     std::string(ModeName(point.mode)) +
                     "/size:" + std::to_string(point.size);
  if (point.rx) name += "/rx:" + std::string(UdpRxName(*point.rx));
  if (point.rate_named) name += "/rate:" + RateText(point.rate);
  return name;
}

void RunFlowBenchmark(benchmark::State& state, const Environment& env,
                      const FlowPoint& point) {
  const Config& config = env.config();
  const Pattern pattern = point.pattern;
  const size_t size = point.size;
  RunGroup& group = RunGroup::Instance();
  RunMember member(state, group);
  const WaitPolicy wait = env.WaitFor(pattern, state.threads());
  ClientSide side;
  try {
    SetUp(side, env, point, state.thread_index(), wait);
  } catch (const std::exception& e) {
    Fail(state, group, e.what());
  }
  Pacer pacer(point.rate);

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
      const FlowSchedule schedule =
          group.Schedule({.warmup = config.warmup,
                          .window = config.window,
                          .cpus = config.cpus,
                          .name = BenchmarkName(point, state.threads()),
                          .profile = ProfileRequestOf(config)});
      side.connection->SendGo(MakeGo(schedule, env.target().server_in_process),
                              config.timeout);
      FlowEndpoint e;
      e.pattern = pattern;
      e.client = true;
      e.fd = side.data_fd();
      e.message_size = size;
      e.sender = side.sender.get();
      e.receiver = side.receiver.get();
      e.datagram = point.rx ? env.datagram() : 0;
      e.datagrams = side.datagrams.get();
      e.tally = side.tally.get();
      e.pacer = &pacer;
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
      std::string error =
          CheckReport(report, config, pattern, flow.messages, flow.datagrams);
      if (error.empty() && config.verify && side.receiver &&
          verifier.messages_verified() != flow.messages)
        error = "verified " + std::to_string(verifier.messages_verified()) +
                " of " + std::to_string(flow.messages) + " answers";
      if (!error.empty()) throw SysError(error);
      record.server = FromWire(report.side);
      member.Submit(RunShape(config, point, wait), &record, &round_trips);
    } catch (const std::exception& e) {
      Fail(state, group, e.what());
    }
  }
}

Hello MakeHello(const Config& config, const FlowPoint& point, int connection,
                WaitPolicy wait, size_t datagram) {
  Hello h;
  h.pattern = static_cast<uint8_t>(point.pattern);
  h.mode = static_cast<uint8_t>(point.mode);
  h.rx = static_cast<uint8_t>(config.rx);
  if (point.rx) {
    h.rx = static_cast<uint8_t>(*point.rx);
    h.datagram = static_cast<uint16_t>(datagram);
    h.batch = static_cast<uint16_t>(config.batch);
    h.rate = point.rate;
  }
  h.flags = static_cast<uint8_t>(
      (config.verify ? kHelloVerify : 0) |
      (config.nodelay ? kHelloNoDelay : 0) |
      (wait == WaitPolicy::kSpin ? kHelloSpin : 0) |
      (config.payload == Payload::kUnwritten ? kHelloUnwritten : 0));
  h.connection = static_cast<uint16_t>(connection);
  h.timeout_ms = static_cast<uint32_t>(config.timeout.count());
  h.working_set = config.working_set;
  h.size = point.size;
  return h;
}

std::string CheckReport(const Report& report, const Config& config,
                        Pattern pattern, uint64_t messages,
                        uint64_t datagrams) {
  if (!report.ok) return "server: " + Printable(report.error);
  if (pattern == Pattern::kUdpStream) {
    // Loss is a result, not a failure; more than was sent is not.
    if (report.messages > datagrams)
      return "the server received " + std::to_string(report.messages) +
             " datagrams, the client sent " + std::to_string(datagrams);
    if (config.verify && report.verified != report.messages)
      return "server verified " + std::to_string(report.verified) + " of " +
             std::to_string(report.messages) + " datagrams";
    return "";
  }
  if (pattern == Pattern::kUdpRR) {
    if (report.messages > messages)
      return "the server answered " + std::to_string(report.messages) +
             " requests, the client sent " + std::to_string(messages);
    return "";
  }
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
