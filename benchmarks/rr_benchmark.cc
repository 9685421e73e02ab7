#include <chrono>
#include <exception>
#include <memory>
#include <optional>

#include "benchmarks/counters.h"
#include "benchmarks/patterns.h"
#include "benchmarks/run_aggregate.h"
#include "benchmarks/thread_meter.h"
#include "lib/histogram.h"
#include "lib/integrity.h"
#include "lib/receiver.h"
#include "lib/socket_io.h"

namespace netbench {

void RunRR(benchmark::State& state, const Environment& env, Mode mode,
           size_t size) {
  const Config& config = env.config();
  RunAggregate& aggregate = RunAggregate::Instance();
  aggregate.Begin();

  // Preallocated before the timed loop: recording never allocates.
  LatencyHistogram round_trips;
  std::optional<ClientConnection> connection;
  std::unique_ptr<Receiver> receiver;
  try {
    connection.emplace(ClientConnection::Open(
        env.target(), MakeHello(config, Pattern::kRR, mode, size)));
    ReceiverOptions ro;
    ro.max_chunk = std::min<size_t>(size, size_t{1} << 20);
    ro.timeout = config.timeout;
    receiver = MakeReceiver(config.rx, connection->fd(), ro);
  } catch (const std::exception& e) {
    SkipWithCause(state, e.what());
  }

  StreamVerifier verifier(size);
  ByteSink* const sink = config.verify ? &verifier : nullptr;
  const int fd = connection ? connection->fd() : -1;
  uint64_t request_syscalls = 0;
  ThreadMeter meter;
  meter.Start();
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t seq = 0;
  for (auto _ : state) {
    try {
      const auto sent = std::chrono::steady_clock::now();
      SendAll(fd, &seq, sizeof(seq), 0, config.timeout, &request_syscalls);
      receiver->Receive(size, sink);
      const auto answered = std::chrono::steady_clock::now();
      round_trips.Record(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(answered - sent)
              .count()));
      ++seq;
    } catch (const std::exception& e) {
      SkipWithCause(state, e.what());
      break;
    }
  }
  const auto t1 = std::chrono::steady_clock::now();
  const ThreadSample used = meter.Stop();

  ThreadMeasurements m;
  const LatencyHistogram* recorded = nullptr;
  if (receiver && !state.error_occurred()) {
    Report report;
    std::string error = FinishConnection(*connection, config, seq,
                                         /*server_verifies=*/false, &report);
    if (error.empty() && config.verify && verifier.messages_verified() != seq)
      error = "verified " + std::to_string(verifier.messages_verified()) +
              " of " + std::to_string(seq) + " answers";
    if (!error.empty()) {
      SkipWithCause(state, error);
    } else {
      m = BasicMeasurements(config, mode, size, seq, t1 - t0);
      // RR: the server sends the messages of the mode under test (tx), this
      // thread receives them (rx).
      m.tx = FromReport(report);
      m.rx = SideUsage{used, receiver->stats().syscalls};
      CopyZeroCopyStats(report, &m.zc);
      m.mapped_bytes = receiver->stats().mapped_bytes;
      m.copied_bytes = receiver->stats().copied_bytes;
      SetThreadCounters(state, m);
      recorded = &round_trips;
    }
  }
  aggregate.End(state, recorded,
                static_cast<double>(m.messages) * static_cast<double>(size));
}

}  // namespace netbench
