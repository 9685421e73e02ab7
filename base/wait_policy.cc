#include "base/wait_policy.h"

namespace netbench {

std::string_view WaitPolicyName(WaitPolicy policy) {
  return policy == WaitPolicy::kSpin ? "spin" : "block";
}

std::optional<WaitPolicy> ParseWaitPolicy(std::string_view name) {
  if (name == "block") return WaitPolicy::kBlock;
  if (name == "spin") return WaitPolicy::kSpin;
  return std::nullopt;
}

}  // namespace netbench
