#include "lib/mode.h"

#include <array>

namespace netbench {
namespace {

constexpr std::array<Mode, 7> kModes = {
    Mode::kTwoCopy,      Mode::kTwoCopyPacked, Mode::kOneCopy,
    Mode::kZeroCopy,     Mode::kUringOneCopy,  Mode::kUringZeroCopy,
    Mode::kSpliceZeroCopy};
constexpr std::array<std::string_view, 7> kModeNames = {
    "TwoCopy",      "TwoCopyPacked", "OneCopy",       "ZeroCopy",
    "UringOneCopy", "UringZeroCopy", "SpliceZeroCopy"};

constexpr std::array<RxMode, 3> kRxModes = {RxMode::kCopy, RxMode::kZeroCopy,
                                            RxMode::kTrunc};
constexpr std::array<std::string_view, 3> kRxModeNames = {"copy", "zerocopy",
                                                          "trunc"};

}  // namespace

std::span<const Mode> AllModes() { return kModes; }

std::string_view ModeName(Mode mode) {
  return kModeNames[static_cast<size_t>(mode)];
}

std::optional<Mode> ParseMode(std::string_view name) {
  for (size_t i = 0; i < kModes.size(); ++i)
    if (kModeNames[i] == name) return kModes[i];
  return std::nullopt;
}

bool IsZeroCopyNotified(Mode mode) {
  return mode == Mode::kZeroCopy || mode == Mode::kUringZeroCopy;
}

std::string_view RxModeName(RxMode mode) {
  return kRxModeNames[static_cast<size_t>(mode)];
}

std::optional<RxMode> ParseRxMode(std::string_view name) {
  for (size_t i = 0; i < kRxModes.size(); ++i)
    if (kRxModeNames[i] == name) return kRxModes[i];
  return std::nullopt;
}

}  // namespace netbench
