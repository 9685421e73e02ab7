#include "benchmarks/interrupt.h"
#include "benchmarks/patterns.h"

namespace netbench {

Hello MakeHello(const Config& config, Pattern pattern, Mode mode, size_t size,
                int connection, WaitPolicy wait) {
  Hello h;
  h.pattern = static_cast<uint8_t>(pattern);
  h.mode = static_cast<uint8_t>(mode);
  h.rx = static_cast<uint8_t>(config.rx);
  h.flags = static_cast<uint8_t>((config.verify ? kHelloVerify : 0) |
                                 (config.nodelay ? kHelloNoDelay : 0) |
                                 (wait == WaitPolicy::kSpin ? kHelloSpin : 0));
  h.connection = static_cast<uint16_t>(connection);
  h.timeout_ms = static_cast<uint32_t>(config.timeout.count());
  h.size = size;
  return h;
}

std::string CheckReport(const Report& report, const Config& config,
                        uint64_t messages, bool server_verifies) {
  if (!report.ok) return std::string("server: ") + report.error;
  const SideRecord side = FromWire(report.side);
  if (side.messages != messages)
    return "server counted " + std::to_string(side.messages) +
           " messages, the client " + std::to_string(messages);
  if (server_verifies && config.verify && side.verified != messages)
    return "server verified " + std::to_string(side.verified) + " of " +
           std::to_string(messages) + " messages";
  return "";
}

RunRecord RunShape(const Config& config, Pattern pattern, Mode mode,
                   size_t size) {
  RunRecord run;
  run.pattern = pattern;
  run.message_size = size;
  run.zero_copy_notified = IsZeroCopyNotified(mode);
  run.rx_zerocopy = config.rx == RxMode::kZeroCopy;
  return run;
}

void SkipWithCause(benchmark::State& state, const std::string& cause) {
  const std::string interrupted = InterruptMessage();
  state.SkipWithError((interrupted.empty() ? cause : interrupted).c_str());
}

}  // namespace netbench
