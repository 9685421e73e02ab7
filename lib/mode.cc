#include "lib/mode.h"

#include <vector>

namespace netbench {
namespace {

template <typename Table>
std::string JoinNames(const Table& table) {
  std::string out;
  for (const auto& row : table) {
    if (!out.empty()) out += ", ";
    out += row.name;
  }
  return out;
}

}  // namespace

const ModeInfo& Describe(Mode mode) {
  return ModeTable()[static_cast<size_t>(mode)];
}

std::span<const Mode> AllModes() {
  static const std::vector<Mode> modes = [] {
    std::vector<Mode> v;
    for (const ModeInfo& m : ModeTable()) v.push_back(m.mode);
    return v;
  }();
  return modes;
}

std::span<const Mode> ModesOf(Transport transport) {
  static const std::vector<Mode> tcp = [] {
    std::vector<Mode> v;
    for (const ModeInfo& m : ModeTable())
      if (m.transport == Transport::kTcp) v.push_back(m.mode);
    return v;
  }();
  static const std::vector<Mode> udp = [] {
    std::vector<Mode> v;
    for (const ModeInfo& m : ModeTable())
      if (m.transport == Transport::kUdp) v.push_back(m.mode);
    return v;
  }();
  return transport == Transport::kTcp ? tcp : udp;
}

std::string_view ModeName(Mode mode) { return Describe(mode).name; }

std::optional<Mode> ParseMode(std::string_view name) {
  for (const ModeInfo& m : ModeTable())
    if (m.name == name) return m.mode;
  return std::nullopt;
}

bool IsZeroCopyNotified(Mode mode) { return Describe(mode).notified; }

Transport TransportOf(Mode mode) { return Describe(mode).transport; }

std::string_view TransportName(Transport t) {
  return t == Transport::kUdp ? "udp" : "tcp";
}

std::string ModeNames() { return JoinNames(ModeTable()); }

std::string_view RxModeName(RxMode mode) {
  return RxModeTable()[static_cast<size_t>(mode)].name;
}

std::optional<RxMode> ParseRxMode(std::string_view name) {
  for (const RxModeInfo& m : RxModeTable())
    if (m.name == name) return m.mode;
  return std::nullopt;
}

std::string RxModeNames() { return JoinNames(RxModeTable()); }

}  // namespace netbench
