// Placeholder until the io_uring senders land.
#include "lib/senders.h"
#include "lib/sys_error.h"

namespace netbench {
std::unique_ptr<Sender> MakeUringSender(int, const SenderOptions&, bool) {
  throw NotSupported("io_uring modes are not implemented yet");
}
std::string ProbeUring(bool) { return "not implemented yet"; }
}  // namespace netbench
