#include <mutex>
#include <optional>
#include <vector>

#include "lib/sender.h"

namespace netbench {

std::unique_ptr<Sender> MakeSender(Mode mode, int fd,
                                   const SenderOptions& options) {
  return Describe(mode).make(fd, options);
}

size_t SenderMemoryBytes(Mode mode, const SenderOptions& options) {
  return Describe(mode).memory(options);
}

std::string ModeUnsupportedReason(Mode mode) {
  static std::mutex mu;
  static std::vector<std::optional<std::string>> cache(ModeTable().size());
  std::lock_guard lock(mu);
  auto& slot = cache[static_cast<size_t>(mode)];
  if (!slot) {
    const ModeInfo& m = Describe(mode);
    slot = m.probe ? m.probe() : "";
  }
  return *slot;
}

}  // namespace netbench
