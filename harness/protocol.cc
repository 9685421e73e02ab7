#include "harness/protocol.h"

#include <array>
#include <optional>
#include <string>

#include "lib/datagram.h"
#include "lib/datagram_receiver.h"
#include "lib/named_table.h"

namespace netbench {

namespace {

constexpr std::array<PatternInfo, 4> kPatterns = {{
    {Pattern::kStream, "Stream",
     "the client pushes messages back to back; the server receives them",
     Transport::kTcp, true},
    {Pattern::kRR, "RR",
     "the client sends an 8-byte request; the server answers with one "
     "message",
     Transport::kTcp, false},
    {Pattern::kUdpStream, "UdpStream",
     "the client pushes datagrams (paced by --rate, else as fast as it can); "
     "the server receives what arrives, and loss is a result",
     Transport::kUdp, true},
    {Pattern::kUdpRR, "UdpRR",
     "the client sends a request datagram; the server answers with one "
     "message; an answer missing after 20 ms counts as lost",
     Transport::kUdp, false},
}};

}  // namespace

std::span<const PatternInfo> PatternTable() { return kPatterns; }

std::string_view PatternName(Pattern p) {
  return kPatterns[static_cast<size_t>(p)].name;
}

std::optional<Pattern> ParsePattern(std::string_view name) {
  const PatternInfo* row = FindByName(kPatterns, name);
  return row ? std::optional<Pattern>(row->pattern) : std::nullopt;
}

Transport TransportOf(Pattern p) {
  return kPatterns[static_cast<size_t>(p)].transport;
}

bool ClientSends(Pattern p) {
  return kPatterns[static_cast<size_t>(p)].client_sends;
}

std::string PatternNames() { return JoinNames(kPatterns); }

namespace {

// One field to and from its word.
uint64_t Encode(uint64_t v) { return v; }
uint64_t Encode(int64_t v) { return static_cast<uint64_t>(v); }
uint64_t Encode(int v) {
  return static_cast<uint64_t>(static_cast<int64_t>(v));
}
uint64_t Encode(bool v) { return v ? 1 : 0; }
uint64_t Encode(const std::optional<uint64_t>& v) { return v ? *v : kAbsent; }

void Decode(uint64_t w, uint64_t* v) { *v = w; }
void Decode(uint64_t w, int64_t* v) { *v = static_cast<int64_t>(w); }
void Decode(uint64_t w, bool* v) { *v = w != 0; }
void Decode(uint64_t w, std::optional<uint64_t>* v) {
  *v = w == kAbsent ? std::nullopt : std::optional<uint64_t>(w);
}
// A CPU number: a garbled one must not index anything, only -1..65535 pass.
void Decode(uint64_t w, int* v) {
  const auto s = static_cast<int64_t>(w);
  *v = s >= -1 && s < 65536 ? static_cast<int>(s) : -1;
}

}  // namespace

WireRecord ToWire(const SideRecord& r) {
  WireRecord w;
  size_t i = 0;
  SideRecord::ForEachField(
      r, [&](const auto& field) { w.words[i++] = Encode(field); });
  return w;
}

SideRecord FromWire(const WireRecord& w) {
  SideRecord r;
  size_t i = 0;
  SideRecord::ForEachField(r,
                           [&](auto& field) { Decode(w.words[i++], &field); });
  return r;
}

std::string ValidateHello(const Hello& h) {
  if (h.magic != kHelloMagic) return "wrong magic";
  if (h.version != kProtocolVersion)
    return "protocol version " + std::to_string(h.version) + ", expected " +
           std::to_string(kProtocolVersion);
  if (h.pattern >= kPatterns.size()) return "unknown pattern";
  if (h.mode >= AllModes().size()) return "unknown mode";
  const Transport transport = TransportOf(static_cast<Pattern>(h.pattern));
  if (TransportOf(static_cast<Mode>(h.mode)) != transport)
    return "mode " + std::string(ModeName(static_cast<Mode>(h.mode))) +
           " is not a " + std::string(TransportName(transport)) + " mode";
  if ((h.flags & ~kHelloFlags) != 0) return "unknown flags";
  if (h.size < kMinMessageSize || h.size > kMaxMessageSize)
    return "message size " + std::to_string(h.size) + " out of range";
  if (h.timeout_ms == 0 || h.timeout_ms > 3600 * 1000)
    return "timeout out of range";
  if (h.working_set == 0 || h.working_set > kMaxWorkingSet)
    return "working set " + std::to_string(h.working_set) + " out of range";
  if (transport == Transport::kUdp) {
    // The rx field names a UDP receive mode (lib/datagram_receiver.h).
    if (h.rx >= UdpRxTable().size()) return "unknown UDP rx mode";
    if (std::string why = DatagramLayoutProblem(h.size, h.datagram);
        !why.empty())
      return why;
    if (h.batch < 1 || h.batch > kMaxBatch)
      return "batch " + std::to_string(h.batch) + " out of range 1.." +
             std::to_string(kMaxBatch);
    if (h.udp_port == 0) return "no UDP port";
    return "";
  }
  if (h.rx >= RxModeTable().size()) return "unknown rx mode";
  if ((h.flags & kHelloVerify) && h.rx == static_cast<uint8_t>(RxMode::kTrunc))
    return "--verify cannot check bytes discarded by --rx=trunc";
  return "";
}

std::string ValidateGo(const Go& go) {
  if (go.magic != kGoMagic) return "its schedule is garbled";
  if ((go.flags & ~kGoSameClock) != 0) return "its schedule has unknown flags";
  constexpr int64_t kHour = int64_t{3600} * 1000 * 1000 * 1000;
  if (go.window_ns <= 0 || go.window_ns > kHour)
    return "its window is out of range";
  // The window may start before the Go is sent (no warm-up, or a thread
  // that was slow to send it): the server then opens it at once.
  const int64_t lead = go.window_start_ns - go.sent_ns;
  if (lead < -kHour || lead > kHour) return "its warm-up is out of range";
  return "";
}

}  // namespace netbench
