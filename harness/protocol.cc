#include "harness/protocol.h"

#include <array>

namespace netbench {

namespace {

constexpr std::array<PatternInfo, 2> kPatterns = {{
    {Pattern::kStream, "Stream",
     "the client pushes messages back to back; the server receives them"},
    {Pattern::kRR, "RR",
     "the client sends an 8-byte request; the server answers with one "
     "message"},
}};

}  // namespace

std::span<const PatternInfo> PatternTable() { return kPatterns; }

std::string_view PatternName(Pattern p) {
  return kPatterns[static_cast<size_t>(p)].name;
}

std::optional<Pattern> ParsePattern(std::string_view name) {
  for (const PatternInfo& p : kPatterns)
    if (p.name == name) return p.pattern;
  return std::nullopt;
}

std::string PatternNames() {
  std::string out;
  for (const PatternInfo& p : kPatterns) {
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out;
}

namespace {

uint64_t OrAbsent(const std::optional<uint64_t>& v) { return v ? *v : kAbsent; }
std::optional<uint64_t> Present(uint64_t v) {
  return v == kAbsent ? std::nullopt : std::optional<uint64_t>(v);
}

}  // namespace

WireRecord ToWire(const SideRecord& r) {
  WireRecord w;
  w.messages = r.messages;
  w.bytes = r.bytes;
  w.syscalls = r.syscalls;
  w.zc_sends = r.zc_sends;
  w.zc_notifications = r.zc_notifications;
  w.zc_completed = r.zc_completed;
  w.zc_copied = r.zc_copied;
  w.zc_enobufs = r.zc_enobufs;
  w.zc_copied_known = r.zc_copied_known ? 1 : 0;
  w.mapped_bytes = r.mapped_bytes;
  w.copied_bytes = r.copied_bytes;
  w.verified = r.verified;
  w.start_ns = r.start_ns;
  w.end_ns = r.end_ns;
  w.cpu_ns = r.cpu_ns;
  w.ctx_switches = r.ctx_switches;
  w.cycles = OrAbsent(r.cycles);
  w.instructions = OrAbsent(r.instructions);
  w.llc_misses = OrAbsent(r.llc_misses);
  w.cpu_at_start = r.cpu_at_start;
  w.cpu_at_end = r.cpu_at_end;
  return w;
}

SideRecord FromWire(const WireRecord& w) {
  SideRecord r;
  r.messages = w.messages;
  r.bytes = w.bytes;
  r.syscalls = w.syscalls;
  r.zc_sends = w.zc_sends;
  r.zc_notifications = w.zc_notifications;
  r.zc_completed = w.zc_completed;
  r.zc_copied = w.zc_copied;
  r.zc_enobufs = w.zc_enobufs;
  r.zc_copied_known = w.zc_copied_known != 0;
  r.mapped_bytes = w.mapped_bytes;
  r.copied_bytes = w.copied_bytes;
  r.verified = w.verified;
  r.start_ns = w.start_ns;
  r.end_ns = w.end_ns;
  r.cpu_ns = w.cpu_ns;
  r.ctx_switches = w.ctx_switches;
  r.cycles = Present(w.cycles);
  r.instructions = Present(w.instructions);
  r.llc_misses = Present(w.llc_misses);
  // A garbled CPU number must not index anything: only -1..65535 pass.
  r.cpu_at_start = w.cpu_at_start >= -1 && w.cpu_at_start < 65536
                       ? static_cast<int>(w.cpu_at_start)
                       : -1;
  r.cpu_at_end = w.cpu_at_end >= -1 && w.cpu_at_end < 65536
                     ? static_cast<int>(w.cpu_at_end)
                     : -1;
  return r;
}

std::string ValidateHello(const Hello& h) {
  if (h.magic != kHelloMagic) return "wrong magic";
  if (h.version != kProtocolVersion)
    return "protocol version " + std::to_string(h.version) + ", expected " +
           std::to_string(kProtocolVersion);
  if (h.pattern >= kPatterns.size()) return "unknown pattern";
  if (h.mode >= AllModes().size()) return "unknown mode";
  if (h.rx >= RxModeTable().size()) return "unknown rx mode";
  if ((h.flags & ~(kHelloVerify | kHelloNoDelay | kHelloSpin)) != 0)
    return "unknown flags";
  if (h.size < kMinMessageSize || h.size > kMaxMessageSize)
    return "message size " + std::to_string(h.size) + " out of range";
  if (h.timeout_ms == 0 || h.timeout_ms > 3600 * 1000)
    return "timeout out of range";
  if ((h.flags & kHelloVerify) && h.rx == static_cast<uint8_t>(RxMode::kTrunc))
    return "--verify cannot check bytes discarded by --rx=trunc";
  return "";
}

}  // namespace netbench
