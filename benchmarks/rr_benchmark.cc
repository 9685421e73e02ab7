#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "benchmarks/interrupt.h"
#include "benchmarks/patterns.h"
#include "benchmarks/run_window.h"
#include "lib/histogram.h"
#include "lib/integrity.h"
#include "lib/placement.h"
#include "lib/receiver.h"
#include "lib/thread_meter.h"

namespace netbench {

void RunRR(benchmark::State& state, const Environment& env, Mode mode,
           size_t size) {
  const Config& config = env.config();
  const int index = state.thread_index();
  Participant participant(state, config.timeout);
  const WaitPolicy wait = env.WaitFor(Pattern::kRR, state.threads());

  // Preallocated before the timed loop: recording never allocates.
  LatencyHistogram round_trips;
  std::optional<ScopedAffinity> pinned;
  std::optional<ClientConnection> connection;
  std::unique_ptr<Receiver> receiver;
  try {
    pinned.emplace(env.placement().ClientCpu(index));
    // No new connection once a signal has cut the live ones.
    if (InterruptSignal()) throw SysError(InterruptMessage());
    connection.emplace(ClientConnection::Open(
        env.target(),
        MakeHello(config, Pattern::kRR, mode, size, index, wait)));
    ReceiverOptions ro;
    ro.max_chunk = std::min<size_t>(size, size_t{1} << 20);
    ro.timeout = config.timeout;
    ro.wait = wait;
    receiver = MakeReceiver(config.rx, connection->fd(), ro);
  } catch (const std::exception& e) {
    SkipWithCause(state, e.what());
  }
  StreamVerifier verifier(size);
  ByteSink* const sink = config.verify ? &verifier : nullptr;
  const int fd = connection ? connection->fd() : -1;
  ThreadMeter meter;  // opens its perf events here, outside the window
  participant.Ready();
  if (state.error_occurred()) participant.Arrive();

  const uint64_t last = static_cast<uint64_t>(state.max_iterations);
  ConnectionRecord record;
  uint64_t request_syscalls = 0;
  bool finished = false;
  uint64_t seq = 0;
  // The range-for of Google Benchmark, spelled out so that the window opens
  // right after its start barrier: end() waits for every thread and starts
  // the timer.
  auto it = state.begin();
  const auto stop = state.end();
  meter.Start();
  for (; it != stop; ++it) {
    try {
      const auto sent = std::chrono::steady_clock::now();
      SendAll(fd, &seq, sizeof(seq), 0, config.timeout, &request_syscalls);
      receiver->Receive(size, sink);
      const auto answered = std::chrono::steady_clock::now();
      round_trips.Record(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(answered - sent)
              .count()));
      if (++seq == last) {
        // The last answer is in: the connection's window ends here.
        record.client = receiver->stats();
        record.client.messages = seq;
        record.client.syscalls += request_syscalls;
        record.client.verified = verifier.messages_verified();
        meter.Stop(&record.client);
        record.window_start_ns = record.client.start_ns;
        record.window_end_ns = record.client.end_ns;
        finished = true;
        participant.Arrive();
      }
    } catch (const std::exception& e) {
      SkipWithCause(state, e.what());
      participant.Arrive();
      break;
    }
  }

  if (finished && !state.error_occurred()) {
    std::string error;
    Report report;
    try {
      report = connection->Finish(config.timeout);
      error = CheckReport(report, config, seq, /*server_verifies=*/false);
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error.empty() && config.verify && verifier.messages_verified() != seq)
      error = "verified " + std::to_string(verifier.messages_verified()) +
              " of " + std::to_string(seq) + " answers";
    if (!error.empty()) SkipWithCause(state, error);
    record.server = FromWire(report.side);
  }
  const bool ok = finished && !state.error_occurred();
  participant.Submit(RunShape(config, Pattern::kRR, mode, size),
                     ok ? &record : nullptr, ok ? &round_trips : nullptr);
}

}  // namespace netbench
