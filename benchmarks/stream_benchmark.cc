#include <exception>
#include <memory>
#include <optional>

#include "base/sys_error.h"
#include "benchmarks/interrupt.h"
#include "benchmarks/patterns.h"
#include "benchmarks/run_window.h"
#include "lib/integrity.h"
#include "lib/placement.h"
#include "lib/sender.h"
#include "lib/thread_meter.h"

namespace netbench {
namespace {

// Where the connection's window ends: when the server saw the end of the
// stream, right after consuming the last byte. Its steady clock is ours when
// it runs in this process; otherwise the report's arrival, less the
// server's delay in sending it, stands in (late by the report's one-way
// trip).
int64_t StreamWindowEnd(const ClientTarget& target, const Report& report,
                        int64_t last_send_ns, int64_t report_received_ns) {
  int64_t end = target.server_in_process
                    ? FromWire(report.side).end_ns
                    : report_received_ns - report.report_delay_ns;
  // A clock that disagrees (another host, a garbled report) must not put the
  // end before the last send or after the report came.
  if (end < last_send_ns) end = last_send_ns;
  if (end > report_received_ns) end = report_received_ns;
  return end;
}

}  // namespace

void RunStream(benchmark::State& state, const Environment& env, Mode mode,
               size_t size) {
  const Config& config = env.config();
  const int index = state.thread_index();
  Participant participant(state, config.timeout);
  const WaitPolicy wait = env.WaitFor(Pattern::kStream, state.threads());

  std::optional<ScopedAffinity> pinned;
  std::optional<ClientConnection> connection;
  std::unique_ptr<Sender> sender;
  try {
    pinned.emplace(env.placement().ClientCpu(index));
    // No new connection once a signal has cut the live ones.
    if (InterruptSignal()) throw SysError(InterruptMessage());
    connection.emplace(ClientConnection::Open(
        env.target(),
        MakeHello(config, Pattern::kStream, mode, size, index, wait)));
    SenderOptions so;
    so.message_size = size;
    so.timeout = config.timeout;
    sender = MakeSender(mode, connection->fd(), so);
  } catch (const std::exception& e) {
    SkipWithCause(state, e.what());
  }
  ThreadMeter meter;  // opens its perf events here, outside the window
  participant.Ready();
  if (state.error_occurred()) participant.Arrive();

  const bool verify = config.verify;
  const uint64_t last = static_cast<uint64_t>(state.max_iterations);
  ConnectionRecord record;
  Report report;
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
      Message& m = sender->Prepare();
      if (verify) StampMessage(m, seq);
      sender->Send();
      if (++seq == last) {
        // The last message is handed to the kernel: this thread's work is
        // done. The window goes on until the server has consumed it.
        record.client = sender->stats();
        meter.Stop(&record.client);
        report = connection->Finish(config.timeout);
        const int64_t received = SteadyNowNs();
        record.window_start_ns = record.client.start_ns;
        record.window_end_ns = StreamWindowEnd(env.target(), report,
                                               record.client.end_ns, received);
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
    try {
      // Teardown, outside the window: the kernel's last zero-copy
      // completions, whose verdicts still count.
      sender->Drain(config.timeout);
      record.client.TakeZeroCopyTotals(sender->stats());
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error.empty())
      error = CheckReport(report, config, seq, /*server_verifies=*/true);
    if (!error.empty()) SkipWithCause(state, error);
    record.server = FromWire(report.side);
  }
  const bool ok = finished && !state.error_occurred();
  participant.Submit(RunShape(config, Pattern::kStream, mode, size),
                     ok ? &record : nullptr);
}

}  // namespace netbench
