// The receive-mode table: every way of taking bytes off the socket, in the
// order of RxMode (whose values the wire carries).

#include <array>

#include "lib/receiver.h"
#include "lib/receivers.h"

namespace netbench {
namespace {

constexpr std::array<RxModeInfo, 3> kRxModes = {{
    {RxMode::kCopy, "copy", "recv() into a reusable buffer", MakeCopyReceiver,
     CopyReceiverBytes},
    {RxMode::kZeroCopy, "zerocopy",
     "TCP_ZEROCOPY_RECEIVE: mmap of received pages", MakeZeroCopyReceiver,
     ZeroCopyReceiverBytes},
    {RxMode::kTrunc, "trunc", "recv(MSG_TRUNC): discard without copying",
     MakeTruncReceiver,
     [](const ReceiverOptions&) { return size_t{0}; }},  // no buffer
}};

constexpr bool InEnumOrder() {
  for (size_t i = 0; i < kRxModes.size(); ++i)
    if (static_cast<size_t>(kRxModes[i].mode) != i) return false;
  return true;
}
static_assert(InEnumOrder());

}  // namespace

std::span<const RxModeInfo> RxModeTable() { return kRxModes; }

size_t ReceiverMemoryBytes(RxMode mode, const ReceiverOptions& options) {
  return kRxModes[static_cast<size_t>(mode)].memory(options);
}

std::unique_ptr<Receiver> MakeReceiver(RxMode mode, int fd,
                                       const ReceiverOptions& options) {
  return kRxModes[static_cast<size_t>(mode)].make(fd, options);
}

}  // namespace netbench
