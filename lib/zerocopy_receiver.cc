// Placeholder until the TCP_ZEROCOPY_RECEIVE receiver lands.
#include "lib/receivers.h"
#include "lib/sys_error.h"

namespace netbench {
std::unique_ptr<Receiver> MakeZeroCopyReceiver(int, const ReceiverOptions&) {
  throw NotSupported("--rx=zerocopy is not implemented yet");
}
}  // namespace netbench
