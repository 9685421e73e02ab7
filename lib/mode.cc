#include "lib/mode.h"

#include <vector>

#include "lib/named_table.h"

namespace netbench {
namespace {

// The modes of the table whose transport is `transport`, in its order.
std::vector<Mode> ModesWith(Transport transport) {
  std::vector<Mode> v;
  for (const ModeInfo& m : ModeTable())
    if (m.transport == transport) v.push_back(m.mode);
  return v;
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
  static const std::vector<Mode> tcp = ModesWith(Transport::kTcp);
  static const std::vector<Mode> udp = ModesWith(Transport::kUdp);
  return transport == Transport::kTcp ? tcp : udp;
}

std::string_view ModeName(Mode mode) { return Describe(mode).name; }

std::optional<Mode> ParseMode(std::string_view name) {
  const ModeInfo* row = FindByName(ModeTable(), name);
  return row ? std::optional<Mode>(row->mode) : std::nullopt;
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
  const RxModeInfo* row = FindByName(RxModeTable(), name);
  return row ? std::optional<RxMode>(row->mode) : std::nullopt;
}

std::string RxModeNames() { return JoinNames(RxModeTable()); }

}  // namespace netbench
