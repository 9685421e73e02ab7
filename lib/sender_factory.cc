#include <array>
#include <mutex>
#include <optional>

#include "lib/sender.h"
#include "lib/senders.h"
#include "lib/sys_error.h"

namespace netbench {

std::unique_ptr<Sender> MakeSender(Mode mode, int fd,
                                   const SenderOptions& options) {
  switch (mode) {
    case Mode::kTwoCopy:
      return MakeTwoCopySender(fd, options);
    case Mode::kTwoCopyPacked:
      return MakeTwoCopyPackedSender(fd, options);
    case Mode::kOneCopy:
      return MakeOneCopySender(fd, options);
    case Mode::kZeroCopy:
      return MakeZeroCopySender(fd, options);
    case Mode::kUringOneCopy:
      return MakeUringSender(fd, options, /*zerocopy=*/false);
    case Mode::kUringZeroCopy:
      return MakeUringSender(fd, options, /*zerocopy=*/true);
    case Mode::kSpliceZeroCopy:
      return MakeSpliceSender(fd, options);
  }
  throw NotSupported("unknown mode");
}

size_t SenderMemoryBytes(Mode mode, size_t message_size) {
  switch (mode) {
    case Mode::kTwoCopy:
    case Mode::kTwoCopyPacked:
    case Mode::kOneCopy:
      return CopySenderBytes(mode, message_size);
    case Mode::kZeroCopy:
      return ZeroCopySenderBytes(message_size);
    case Mode::kUringOneCopy:
      return UringSenderBytes(message_size, /*zerocopy=*/false);
    case Mode::kUringZeroCopy:
      return UringSenderBytes(message_size, /*zerocopy=*/true);
    case Mode::kSpliceZeroCopy:
      return SpliceSenderBytes(message_size);
  }
  return 0;
}

std::string ModeUnsupportedReason(Mode mode) {
  static std::mutex mu;
  static std::array<std::optional<std::string>, 7> cache;
  std::lock_guard lock(mu);
  auto& slot = cache[static_cast<size_t>(mode)];
  if (!slot) {
    switch (mode) {
      case Mode::kZeroCopy:
        slot = ProbeZeroCopy();
        break;
      case Mode::kUringOneCopy:
        slot = ProbeUring(false);
        break;
      case Mode::kUringZeroCopy:
        slot = ProbeUring(true);
        break;
      case Mode::kSpliceZeroCopy:
        slot = ProbeSplice();
        break;
      default:
        slot = "";
    }
  }
  return *slot;
}

}  // namespace netbench
