#include "base/sys_error.h"

#include <cstring>

namespace netbench {

SysError::SysError(const std::string& step, int err)
    : std::runtime_error(step + ": " + std::strerror(err)), err_(err) {}

void ThrowErrno(const std::string& step) { throw SysError(step, errno); }

}  // namespace netbench
