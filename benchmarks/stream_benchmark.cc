#include <chrono>
#include <exception>
#include <memory>
#include <optional>

#include "benchmarks/counters.h"
#include "benchmarks/patterns.h"
#include "benchmarks/run_aggregate.h"
#include "benchmarks/thread_meter.h"
#include "lib/integrity.h"
#include "lib/sender.h"

namespace netbench {

void RunStream(benchmark::State& state, const Environment& env, Mode mode,
               size_t size) {
  const Config& config = env.config();
  RunAggregate& aggregate = RunAggregate::Instance();
  aggregate.Begin();

  std::optional<ClientConnection> connection;
  std::unique_ptr<Sender> sender;
  try {
    connection.emplace(ClientConnection::Open(
        env.target(), MakeHello(config, Pattern::kStream, mode, size)));
    SenderOptions so;
    so.message_size = size;
    so.timeout = config.timeout;
    sender = MakeSender(mode, connection->fd(), so);
  } catch (const std::exception& e) {
    SkipWithCause(state, e.what());
  }

  const bool verify = config.verify;
  ThreadMeter meter;
  meter.Start();
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t seq = 0;
  for (auto _ : state) {
    try {
      Message& m = sender->Prepare();
      if (verify) StampMessage(m, seq);
      sender->Send();
      ++seq;
    } catch (const std::exception& e) {
      SkipWithCause(state, e.what());
      break;
    }
  }
  const auto t1 = std::chrono::steady_clock::now();
  const ThreadSample used = meter.Stop();

  ThreadMeasurements m;
  if (sender && !state.error_occurred()) {
    Report report;
    std::string error;
    try {
      sender->Drain(config.timeout);
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error.empty())
      error = FinishConnection(*connection, config, seq,
                               /*server_verifies=*/true, &report);
    if (!error.empty()) {
      SkipWithCause(state, error);
    } else {
      m = BasicMeasurements(config, mode, size, seq, t1 - t0);
      m.tx.usage = used;
      m.tx.syscalls = sender->stats().syscalls;
      m.rx = FromReport(report);  // measured by the server, local or remote
      m.zc = sender->stats();
      m.mapped_bytes = report.mapped_bytes;
      m.copied_bytes = report.copied_bytes;
      SetThreadCounters(state, m);
    }
  }
  aggregate.End(state, nullptr,
                static_cast<double>(m.messages) * static_cast<double>(size));
}

}  // namespace netbench
