#include "netns/privilege.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include "base/unique_fd.h"

namespace netbench::netns {
namespace {

// Writes `text` to a /proc file; returns errno or 0.
int WriteProcFile(const char* path, const std::string& text) {
  UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
  if (!fd) return errno;
  const ssize_t n = ::write(fd.get(), text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size())) return n < 0 ? errno : EIO;
  return 0;
}

[[noreturn]] void Fail(const std::string& step, int err) {
  throw std::runtime_error(
      "cannot create network namespaces: not root, and entering a user "
      "namespace failed (" +
      step + ": " + std::strerror(err) +
      "); run as root or use --topology=loopback");
}

}  // namespace

Privilege AcquireNamespacePrivilege() {
  if (::geteuid() == 0) return Privilege::kRoot;
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  // A new network namespace comes with the user namespace: a thread may only
  // setns(2) into a namespace whose owning user namespace it has
  // CAP_SYS_ADMIN in, so the threads that step into the topology's
  // namespaces need a home namespace they can come back to.
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
    Fail("unshare(CLONE_NEWUSER | CLONE_NEWNET)", errno);
  // An unprivileged process must give up setgroups before writing gid_map
  // (user_namespaces(7), "Interaction with system calls that change process
  // UIDs or GIDs").
  if (int err = WriteProcFile("/proc/self/setgroups", "deny"))
    Fail("write /proc/self/setgroups", err);
  if (int err = WriteProcFile("/proc/self/uid_map",
                              "0 " + std::to_string(uid) + " 1"))
    Fail("write /proc/self/uid_map", err);
  if (int err = WriteProcFile("/proc/self/gid_map",
                              "0 " + std::to_string(gid) + " 1"))
    Fail("write /proc/self/gid_map", err);
  return Privilege::kRootless;
}

const char* PrivilegeName(Privilege p) {
  return p == Privilege::kRoot ? "root" : "rootless (user namespace)";
}

Privilege EnsureNamespacePrivilege() {
  static const Privilege privilege = AcquireNamespacePrivilege();
  return privilege;
}

}  // namespace netbench::netns
