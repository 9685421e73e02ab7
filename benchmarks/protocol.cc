#include "benchmarks/protocol.h"

#include <array>

namespace netbench {

std::string_view PatternName(Pattern p) {
  return p == Pattern::kStream ? "Stream" : "RR";
}

std::optional<Pattern> ParsePattern(std::string_view name) {
  if (name == "Stream") return Pattern::kStream;
  if (name == "RR") return Pattern::kRR;
  return std::nullopt;
}

std::string ValidateHello(const Hello& h) {
  if (h.magic != kHelloMagic) return "wrong magic";
  if (h.version != kProtocolVersion)
    return "protocol version " + std::to_string(h.version) + ", expected " +
           std::to_string(kProtocolVersion);
  if (h.pattern > static_cast<uint8_t>(Pattern::kRR)) return "unknown pattern";
  if (h.mode >= AllModes().size()) return "unknown mode";
  if (h.rx > static_cast<uint8_t>(RxMode::kTrunc)) return "unknown rx mode";
  if ((h.flags & ~(kHelloVerify | kHelloNoDelay)) != 0) return "unknown flags";
  if (h.size < kMinMessageSize || h.size > kMaxMessageSize)
    return "message size " + std::to_string(h.size) + " out of range";
  if (h.timeout_ms == 0 || h.timeout_ms > 3600 * 1000)
    return "timeout out of range";
  if ((h.flags & kHelloVerify) && h.rx == static_cast<uint8_t>(RxMode::kTrunc))
    return "--verify cannot check bytes discarded by --rx=trunc";
  return "";
}

}  // namespace netbench
