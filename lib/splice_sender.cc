// Placeholder until the splice sender lands.
#include "lib/senders.h"
#include "lib/sys_error.h"

namespace netbench {
std::unique_ptr<Sender> MakeSpliceSender(int, const SenderOptions&) {
  throw NotSupported("SpliceZeroCopy is not implemented yet");
}
std::string ProbeSplice() { return "not implemented yet"; }
}  // namespace netbench
