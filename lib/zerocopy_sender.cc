// Placeholder until the MSG_ZEROCOPY sender lands.
#include "lib/senders.h"
#include "lib/sys_error.h"

namespace netbench {
std::unique_ptr<Sender> MakeZeroCopySender(int, const SenderOptions&) {
  throw NotSupported("ZeroCopy is not implemented yet");
}
std::string ProbeZeroCopy() { return "not implemented yet"; }
}  // namespace netbench
