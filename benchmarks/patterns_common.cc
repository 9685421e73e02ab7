#include "benchmarks/patterns.h"

#include "benchmarks/interrupt.h"

#include <exception>

namespace netbench {

Hello MakeHello(const Config& config, Pattern pattern, Mode mode,
                size_t size) {
  Hello h;
  h.pattern = static_cast<uint8_t>(pattern);
  h.mode = static_cast<uint8_t>(mode);
  h.rx = static_cast<uint8_t>(config.rx);
  h.flags = static_cast<uint8_t>((config.verify ? kHelloVerify : 0) |
                                 (config.nodelay ? kHelloNoDelay : 0));
  h.timeout_ms = static_cast<uint32_t>(config.timeout.count());
  h.size = size;
  return h;
}

std::string FinishConnection(ClientConnection& connection,
                             const Config& config, uint64_t messages,
                             bool server_verifies, Report* report) {
  try {
    *report = connection.Finish(config.timeout);
  } catch (const std::exception& e) {
    return e.what();
  }
  if (!report->ok) return std::string("server: ") + report->error;
  if (report->messages != messages)
    return "server counted " + std::to_string(report->messages) +
           " messages, the client " + std::to_string(messages);
  if (server_verifies && config.verify && report->verified != messages)
    return "server verified " + std::to_string(report->verified) + " of " +
           std::to_string(messages) + " messages";
  return "";
}

ThreadMeasurements BasicMeasurements(
    const Config& config, Mode mode, size_t size, uint64_t messages,
    std::chrono::steady_clock::duration elapsed) {
  ThreadMeasurements m;
  m.messages = messages;
  m.message_size = size;
  m.elapsed_ns = static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
  m.zero_copy_notified = IsZeroCopyNotified(mode);
  m.rx_zerocopy = config.rx == RxMode::kZeroCopy;
  return m;
}

void SkipWithCause(benchmark::State& state, const std::string& cause) {
  const std::string interrupted = InterruptMessage();
  state.SkipWithError((interrupted.empty() ? cause : interrupted).c_str());
}

}  // namespace netbench
