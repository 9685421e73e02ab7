#include "lib/receiver.h"
#include "lib/receivers.h"
#include "lib/sys_error.h"

namespace netbench {

size_t ReceiverMemoryBytes(RxMode mode, const ReceiverOptions& options) {
  switch (mode) {
    case RxMode::kCopy:
      return CopyReceiverBytes(options);
    case RxMode::kTrunc:
      return 0;  // MSG_TRUNC: no buffer
    case RxMode::kZeroCopy:
      return ZeroCopyReceiverBytes(options);
  }
  return 0;
}

std::unique_ptr<Receiver> MakeReceiver(RxMode mode, int fd,
                                       const ReceiverOptions& options) {
  switch (mode) {
    case RxMode::kCopy:
      return MakeCopyReceiver(fd, options);
    case RxMode::kTrunc:
      return MakeTruncReceiver(fd, options);
    case RxMode::kZeroCopy:
      return MakeZeroCopyReceiver(fd, options);
  }
  throw NotSupported("unknown receive mode");
}

}  // namespace netbench
